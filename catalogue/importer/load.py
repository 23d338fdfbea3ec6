"""Write parsed pages to the catalogue: one transaction per file, curators' work kept.

A file is known by its source id (external id) or, failing that, its file
name. The same bytes again change nothing. Changed bytes update each field by
a three-way comparison — the value of the last import, the current value, the
new value: a field still holding what the importer last wrote takes the new
value; a field a curator changed keeps the curator's value, and the new value
is kept beside it as a conflict for the curator to accept or dismiss.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction
from django.utils import timezone
from simple_history.models import HistoricalRecords

from catalogue.importer.errors import ImporterError
from catalogue.importer.lock import import_lock
from catalogue.importer.parse import ParsedDocument, parse
from catalogue.importer.resolve import Resolution, Resolver
from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    LinkOrigin,
    Repository,
    TextKind,
    Translation,
)
from catalogue.search import deferred_search_index

IMPORTER_USERNAME = "importer"

# Document fields the importer owns until a curator changes them.
SCALAR_FIELDS = (
    "title",
    "date",
    "date_precision",
    "date_text",
    "document_type",
    "classification",
    "summary",
    "citation",
    "source_url",
    "external_id",
    "original_languages",
)
# Related sets compared as a whole, the same way.
SET_FIELDS = ("references", "texts", "people", "organizations")
MISSING = object()


@dataclass
class FileOutcome:
    file: str
    outcome: str  # created | updated | unchanged | failed
    reason: str | None = None
    document_id: int | None = None
    conflicts: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    layout: str | None = None
    encoding: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "outcome": self.outcome,
            "reason": self.reason,
            "document_id": self.document_id,
            "conflicts": self.conflicts,
            "warnings": self.warnings,
            "layout": self.layout,
            "encoding": self.encoding,
        }


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given, and every *.txt under the directories given, in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*.txt") if p.is_file()))
        else:
            found.append(path)
    return list(dict.fromkeys(found))


def importer_user():
    """The account history entries name for the importer's changes."""
    user, created = get_user_model().objects.get_or_create(
        username=IMPORTER_USERNAME, defaults={"is_active": False}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


@contextlib.contextmanager
def recorded_as(user) -> Iterator[None]:
    """Every history entry written inside is attributed to `user`."""
    previous = getattr(HistoricalRecords.context, "request", None)
    HistoricalRecords.context.request = SimpleNamespace(user=user)
    try:
        yield
    finally:
        if previous is None:
            del HistoricalRecords.context.request
        else:
            HistoricalRecords.context.request = previous


# --- the values the importer writes, in a comparable form -------------------------------------


def parsed_values(parsed: ParsedDocument, resolution: Resolution) -> dict[str, Any]:
    return {
        "title": parsed.title or f"Untitled document ({parsed.file_name})",
        "date": parsed.date.isoformat() if parsed.date else None,
        "date_precision": parsed.date_precision or "",
        "date_text": parsed.date_text or "",
        "document_type": parsed.document_type or "",
        "classification": parsed.classification or "",
        "summary": parsed.summary or "",
        "citation": parsed.citation or "",
        "source_url": parsed.source_url or "",
        "external_id": parsed.external_id or "",
        "original_languages": list(parsed.original_languages),
        "references": [
            {
                "repository": ref.repository or "",
                "repository_name": ref.repository_name or "",
                "fond": ref.fond or "",
                "opis": ref.opis or "",
                "delo": ref.delo or "",
                "papka": ref.papka or "",
                "folios": ref.folios or "",
                "collection": ref.collection or "",
                "call_number": ref.call_number or "",
                "is_copy": ref.is_copy,
                "text": ref.text or "",
            }
            for ref in parsed.references
        ],
        "texts": [
            {"kind": text.kind, "language": text.language, "text": text.text}
            for text in parsed.texts
        ],
        "people": sorted([pk, role] for pk, role in resolution.people),
        "organizations": sorted([pk, role] for pk, role in resolution.organizations),
    }


def current_values(document: Document) -> dict[str, Any]:
    values = {name: getattr(document, name) for name in SCALAR_FIELDS}
    values["date"] = document.date.isoformat() if document.date else None
    values["references"] = [
        {
            "repository": ref.repository.code if ref.repository else "",
            "repository_name": (ref.repository.name if ref.repository else "") or "",
            "fond": ref.fond,
            "opis": ref.opis,
            "delo": ref.delo,
            "papka": ref.papka,
            "folios": ref.folios,
            "collection": ref.collection,
            "call_number": ref.call_number,
            "is_copy": ref.is_copy,
            "text": ref.text,
        }
        for ref in document.references.select_related("repository").order_by("position", "id")
    ]
    values["texts"] = [
        {"kind": t.kind, "language": t.language, "text": t.text}
        for t in document.texts.order_by("position", "id")
    ]
    values["people"] = sorted(
        [pk, role]
        for pk, role in document.person_links.filter(origin=LinkOrigin.IMPORT).values_list(
            "person_id", "role"
        )
    )
    values["organizations"] = sorted(
        [pk, role]
        for pk, role in document.organization_links.filter(origin=LinkOrigin.IMPORT).values_list(
            "organization_id", "role"
        )
    )
    return values


def _comparable(name: str, value: Any) -> Any:
    # Repository names belong to the authority, not the document: compare codes only.
    if name == "references" and isinstance(value, list):
        return [{k: v for k, v in ref.items() if k != "repository_name"} for ref in value]
    return value


# --- writing ------------------------------------------------------------------------------------


class Loader:
    """Imports files one transaction each; keeps the in-memory authority across files."""

    def __init__(self, *, dry_run: bool = False) -> None:
        self.dry_run = dry_run
        self.resolver = Resolver()
        self.user = importer_user()
        self.repositories = {r.code: r for r in Repository.objects.all()}
        self.max_bytes = getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)

    def import_file(self, path: Path) -> FileOutcome:
        name = path.name
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                return FileOutcome(
                    name, "failed", f"{path}: file is {size} bytes, over the {self.max_bytes} limit"
                )
            data = path.read_bytes()
        except OSError as exc:
            return FileOutcome(name, "failed", f"{path}: cannot read: {exc.strerror or exc}")
        return self.import_bytes(data, name)

    def import_bytes(self, data: bytes, name: str) -> FileOutcome:
        try:
            parsed = parse(data, name)
        except ImporterError as exc:
            return FileOutcome(name, "failed", str(exc))
        existing = self._existing(parsed)
        if existing is not None and existing.sha256 == hashlib.sha256(data).hexdigest():
            return FileOutcome(
                name, "unchanged", document_id=existing.pk, layout=parsed.layout,
                encoding=parsed.encoding, warnings=list(parsed.warnings),
            )  # fmt: skip
        try:
            with transaction.atomic(), recorded_as(self.user):
                # The index is written once per document, inside the file's transaction.
                with deferred_search_index():
                    outcome = self._write(parsed, existing)
                if self.dry_run:
                    transaction.set_rollback(True)
        except (DatabaseError, ImporterError, ValueError) as exc:
            # Nothing of this file was written; names it added to the index may not exist.
            self.resolver.reload()
            self.repositories = {r.code: r for r in Repository.objects.all()}
            return FileOutcome(name, "failed", f"{name}: not imported: {exc}")
        if self.dry_run:
            self.resolver.reload()
            self.repositories = {r.code: r for r in Repository.objects.all()}
        return outcome

    def _existing(self, parsed: ParsedDocument) -> Document | None:
        if parsed.external_id:
            found = Document.objects.filter(external_id=parsed.external_id).first()
            if found is not None:
                return found
        return Document.objects.filter(source_file=parsed.file_name).order_by("id").first()

    def _repository(self, code: str, name: str) -> Repository | None:
        if not code:
            return None
        repository = self.repositories.get(code)
        if repository is None:
            repository, _ = Repository.objects.get_or_create(
                code=code, defaults={"name": name, "needs_review": not name}
            )
            self.repositories[code] = repository
        return repository

    def _write(self, parsed: ParsedDocument, existing: Document | None) -> FileOutcome:
        resolution = self.resolver.resolve(parsed)
        new = parsed_values(parsed, resolution)
        if existing is None:
            document = Document(status="published")
            apply_fields = [*SCALAR_FIELDS, *SET_FIELDS]
            conflicts: dict[str, Any] = {}
            outcome = "created"
        else:
            document = Document.objects.select_for_update().get(pk=existing.pk)
            apply_fields, conflicts = three_way(document, new)
            outcome = "updated"

        for name in SCALAR_FIELDS:
            if name in apply_fields:
                setattr(document, name, new[name])
        if "date" in apply_fields and new["date"]:
            document.date = parsed.date
        document.source_file = parsed.file_name
        document.sha256 = parsed.sha256
        document.layout = parsed.layout
        document.encoding = parsed.encoding
        document.imported_at = timezone.now()
        document.imported_values = new
        document.import_conflicts = conflicts
        if parsed.needs_review:
            document.needs_review = True
        if parsed.warnings:
            document.review_notes = "\n".join(parsed.warnings)
        if existing is not None:
            document.version += 1
        document.save()

        if "references" in apply_fields:
            self._replace_references(document, parsed)
        if "texts" in apply_fields:
            self._replace_texts(document, parsed, resolution)
        if "people" in apply_fields:
            replace_links(document, DocumentPerson, "person_id", resolution.people)
        if "organizations" in apply_fields:
            replace_links(
                document, DocumentOrganization, "organization_id", resolution.organizations
            )
        return FileOutcome(
            parsed.file_name,
            outcome,
            document_id=document.pk,
            conflicts=conflicts,
            warnings=list(parsed.warnings),
            layout=parsed.layout,
            encoding=parsed.encoding,
        )

    def _replace_references(self, document: Document, parsed: ParsedDocument) -> None:
        for old in document.references.all():
            old.delete()
        for position, ref in enumerate(parsed.references):
            ArchivalReference.objects.create(
                document=document,
                repository=self._repository(ref.repository or "", ref.repository_name or ""),
                fond=ref.fond or "",
                opis=ref.opis or "",
                delo=ref.delo or "",
                papka=ref.papka or "",
                folios=ref.folios or "",
                collection=ref.collection or "",
                call_number=ref.call_number or "",
                is_copy=ref.is_copy,
                text=ref.text or "",
                position=position,
            )

    def _replace_texts(
        self, document: Document, parsed: ParsedDocument, resolution: Resolution
    ) -> None:
        for old in document.texts.all():
            old.delete()
        for position, text in enumerate(parsed.texts):
            translation = Translation.objects.create(
                document=document,
                kind=text.kind,
                language=text.language,
                text=text.text,
                position=position,
            )
            if text.kind == TextKind.TRANSLATION and resolution.translators:
                translation.translators.set(resolution.translators)


def three_way(document: Document, new: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """Which fields take the new import, and the conflicts kept for curators."""
    last = document.imported_values or {}
    current = current_values(document)
    curated = set(document.curated_fields or [])
    apply: list[str] = []
    conflicts: dict[str, Any] = {}
    for name in (*SCALAR_FIELDS, *SET_FIELDS):
        now = _comparable(name, current[name])
        was = _comparable(name, last[name]) if name in last else MISSING
        touched = name in curated or (was is not MISSING and now != was)
        if not touched:
            apply.append(name)
        elif now != _comparable(name, new[name]):
            conflicts[name] = new[name]
    return apply, conflicts


def replace_links(document: Document, model, key: str, wanted: list[tuple[int, str]]) -> None:
    """Replace the importer's links; a curator's link with the same person and role stays."""
    for old in model.objects.filter(document=document, origin=LinkOrigin.IMPORT):
        old.delete()
    kept = set(model.objects.filter(document=document).values_list(key, "role"))
    for pk, role in wanted:
        if (pk, role) not in kept:
            model.objects.create(
                document=document, **{key: pk}, role=role, origin=LinkOrigin.IMPORT
            )
            kept.add((pk, role))


def import_paths(
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    wait: bool = False,
    on_file: Callable[[int, int, FileOutcome], None] | None = None,
) -> list[FileOutcome]:
    """Import every file under `paths`; raises ImportLocked if another import is running."""
    files = find_files(paths)
    with import_lock(wait=wait):
        loader = Loader(dry_run=dry_run)
        outcomes = []
        for index, path in enumerate(files, start=1):
            outcome = loader.import_file(path)
            outcomes.append(outcome)
            if on_file is not None:
                on_file(index, len(files), outcome)
    return outcomes
