"""Write parsed pages to the catalogue: one transaction per file, curators' work kept.

A file is known by its source id (external id); a page without one, by its file
name (two pages of one name with different source ids are two documents); failing
both, by its bytes (a renamed page, a copy). In one run the first page of a source id
(or name) has it: a different page claiming it after is refused, naming both. The
same bytes again change nothing. Changed bytes update each field by
a three-way comparison — the value of the last import, the current value, the
new value: a field still holding what the importer last wrote takes the new
value; a field a curator changed keeps the curator's value, and the new value
is kept beside it as a conflict for the curator to accept or dismiss. A document
no import wrote yet (made in the admin) has the curator's values in every field.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NamedTuple

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, reset_queries, transaction
from django.db.models import Q
from django.db.models.fields.json import KT
from django.utils import timezone
from simple_history.models import HistoricalRecords
from simple_history.utils import bulk_create_with_history

from catalogue.importer.bulk import allocate_ids, insert_new
from catalogue.importer.claims import RunClaims
from catalogue.importer.errors import ImporterError, ParseError
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
    RepositoryRedirect,
    TextKind,
    Translation,
)
from catalogue.search import deferred_search_index, pg_search_vector_sql, update_search_index
from catalogue.services import IMPORTED_FIELDS, IMPORTED_SETS, IMPORTED_UNITS

IMPORTER_USERNAME = "importer"

# Document fields the importer owns until a curator changes them.
SCALAR_FIELDS = IMPORTED_FIELDS
# Fields kept or taken together: a curator's date keeps its precision (the curator's date
# with the import's precision would say another date).
UNITS = IMPORTED_UNITS
# Related sets compared as a whole, the same way.
SET_FIELDS = IMPORTED_SETS
# Pages written per transaction by the batch path: large enough that a round trip
# serves many rows, small enough that a batch retried page by page costs little.
BATCH_SIZE = 200


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


class SourceFiles:
    """Files as given, and every *.txt under the directories given, in a stable order.

    Walked afresh each time rather than listed once: a million paths held in a list
    would take some 300 MB in the importer, and as much again in each worker it forks.
    The order is that of the sorted paths (each directory's entries sorted by name, a
    directory's files where its name sorts); a file reached twice is given once.
    """

    def __init__(self, paths: Iterable[str | Path]):
        self.paths = [Path(raw) for raw in paths]
        self._directories = [path for path in self.paths if path.is_dir()]

    def shown(self, path: Path) -> str:
        """`path` as messages name it: relative to the directory given that holds it
        ("a/empty.txt", "b/empty.txt"), a file given by itself by its name."""
        for directory in self._directories:
            if path.parts[: len(directory.parts)] == directory.parts:
                return printable(str(Path(*path.parts[len(directory.parts) :])))
        return printable(path.name)

    def __iter__(self) -> Iterator[Path]:
        # Given twice (a directory and a file in it) is rare: only then is a set kept.
        seen: set[Path] | None = set() if len(self.paths) > 1 else None
        for path in self.paths:
            for found in _walk(path) if path.is_dir() else (path,):
                if seen is not None:
                    if found in seen:
                        continue
                    seen.add(found)
                yield found

    def __len__(self) -> int:
        """The number of files, by walking them (a second or two for a million)."""
        return sum(1 for _ in self)

    def batches(self, size: int) -> Iterator[list[Path]]:
        batch: list[Path] = []
        for path in self:
            batch.append(path)
            if len(batch) == size:
                yield batch
                batch = []
        if batch:
            yield batch


def _walk(directory: Path) -> Iterator[Path]:
    """*.txt files under `directory`, depth first, each level sorted by name."""
    try:
        entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
    except OSError:
        return  # unreadable: as rglob, which skips it
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            yield from _walk(Path(entry.path))
        elif entry.name.endswith(".txt") and entry.is_file():
            yield Path(entry.path)


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


def comparable(name: str, value: Any) -> Any:
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
        # A dry run writes nothing, not even the importer's account: its history entries,
        # rolled back with everything else, name the account only if it exists.
        self.user = (
            get_user_model().objects.filter(username=IMPORTER_USERNAME).first()
            if dry_run
            else importer_user()
        )
        self.repositories: dict[str, Repository] = {}
        self.moved: dict[str, str] = {}
        self._load_repositories()
        self.max_bytes = getattr(settings, "IMPORT_MAX_BYTES", 20 * 1024 * 1024)
        # Set once the database cannot be reached (a restart, a lost connection): every
        # later page fails with this reason instead of being tried against a dead server.
        self.lost: DatabaseError | None = None
        # Set while a batch's new documents are written: rows wait there for bulk inserts.
        self._rows: _Rows | None = None
        # The identities (`_identity`) the run's pages took: the first page of each, on
        # disk (`RunClaims`), since a dict would grow with the corpus.
        self.claimed = RunClaims()

    def close(self) -> None:
        """Let go of what the run kept on disk (its claims)."""
        self.claimed.close()

    def import_file(self, path: Path) -> FileOutcome:
        parsed = read_and_parse(path, self.max_bytes)
        if isinstance(parsed, FileOutcome):
            return parsed
        return self.import_parsed(parsed, parsed.file_name)

    def _load_repositories(self) -> None:
        self.repositories = {r.code: r for r in Repository.objects.all()}
        # A merged-away archive's code, as a curator's merge left it: {old code: code}
        # (an archive of that code made again since is itself).
        redirects = RepositoryRedirect.objects.values_list("old_code", "repository__code")
        self.moved = {old: code for old, code in redirects if old not in self.repositories}

    def _values(self, parsed: ParsedDocument, resolution: Resolution) -> dict[str, Any]:
        """`parsed_values`, with the codes of merged archives as the merge left them."""
        new = parsed_values(parsed, resolution)
        for ref in new["references"]:
            ref["repository"] = self.moved.get(ref["repository"], ref["repository"])
        return new

    def import_bytes(self, data: bytes, name: str) -> FileOutcome:
        try:
            parsed = parse(data, name)
        except ImporterError as exc:
            return FileOutcome(name, "failed", str(exc))
        return self.import_parsed(parsed, name)

    def _unreachable(self, name: str) -> FileOutcome:
        # By name only: every file after it fails alike, the reason is not the file.
        return FileOutcome(
            name, "failed", f"{name}: not imported: the database became unreachable ({self.lost})"
        )

    def import_parsed(
        self, parsed: ParsedDocument, name: str, *, claimed: bool | None = None
    ) -> FileOutcome:
        """One page in its own transaction (the careful path: updates, retries).

        `claimed`: what claiming the page's identity gave, when it was claimed already
        (`_claim`: True for the first page of the identity, False for a copy).
        """
        shown = parsed.path or name
        first = self._claim(parsed) if claimed is None else claimed
        if isinstance(first, FileOutcome):
            return first
        if self.lost is not None:
            return self._unreachable(name)
        try:
            existing = self._existing(parsed)
        except DatabaseError as exc:
            self._forget_unwritten()
            return FileOutcome(name, "failed", f"{shown}: not imported: {exc}")
        if existing is not None and existing.sha256 == parsed.sha256:
            self._follow_rename(parsed, _Found(existing.pk, existing.sha256, existing.source_file),
                                first=first)  # fmt: skip
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
            self._forget_unwritten()
            return FileOutcome(name, "failed", f"{shown}: not imported: {exc}")
        if self.dry_run:
            self._forget_unwritten()
        return outcome

    def _claim(self, parsed: ParsedDocument) -> FileOutcome | bool:
        """Claim the page's identity for it, the first of the run to have it: True; False
        for the same bytes again (a copy: the same document); else the page's failure.

        Two different pages of one source id (or of one name, without one) would take
        turns at the document, run after run, each undoing the other: the first one in
        the order of the files keeps it, every run, and the other is refused, by name.
        """
        kind, value = _identity(parsed)
        key = value if kind == "id" else "\0" + value
        shown = parsed.path or parsed.file_name
        first = self.claimed.claim(key, parsed.sha256, shown)
        if first is None:
            return True
        if first.sha256 == parsed.sha256:
            return False
        same = f"source id {value}" if kind == "id" else f"name {value} (and no source id)"
        return FileOutcome(
            parsed.file_name,
            "failed",
            f"{shown}: not imported: {first.shown}, earlier in this run, has the same {same} "
            "and other content",
            layout=parsed.layout,
            encoding=parsed.encoding,
        )

    def _forget_unwritten(self) -> None:
        """After a rollback: the authority and archives as the database has them."""
        try:
            self.resolver.reload()
            self._load_repositories()
        except DatabaseError as exc:
            # Not even a read succeeds: the server is gone (restarted, unreachable). The
            # run stops writing; its advisory lock went with the old session.
            self.lost = exc

    # --- the batch path -------------------------------------------------------------------

    def import_batch(self, paths: list[Path]) -> list[FileOutcome]:
        return self.write_batch([prepare(path, self.max_bytes) for path in paths])

    def write_batch(self, prepared: list[Prepared]) -> list[FileOutcome]:
        """Outcomes of the prepared pages, in order; new documents written together.

        One query tells which pages are known and which of those are unchanged. New
        pages are written with bulk inserts in one transaction (history rows and the
        search index included); if anything in it fails, nothing of it stays and each
        page goes through `import_parsed` in its own transaction instead, so one bad
        page never costs the others. Known pages with new bytes, and a copy of a page
        an earlier page of the run already brought, take that path too, after the new
        ones, as a one-by-one import would see them; a page whose identity (`_identity`)
        an earlier, different page of the run took is refused (`_claim`).
        """
        outcomes: list[FileOutcome | None] = [None] * len(prepared)
        pages: list[tuple[int, ParsedDocument]] = []
        mentions: dict[int, tuple[list[int], list[int]] | None] = {}
        for index, item in enumerate(prepared):
            if isinstance(item, FileOutcome):
                outcomes[index] = item
            else:
                pages.append((index, item[0]))
                mentions[index] = item[1]
        if self.dry_run:
            for index, parsed in pages:
                outcomes[index] = self.import_parsed(parsed, parsed.file_name)
            return outcomes  # type: ignore[return-value]

        if self.lost is None:
            try:
                documents = self._known(parsed for _, parsed in pages)
            except DatabaseError:
                self._forget_unwritten()
                if self.lost is None:
                    raise
        if self.lost is not None:
            for index, parsed in pages:
                outcomes[index] = self._unreachable(parsed.file_name)
            return outcomes  # type: ignore[return-value]
        fresh: list[tuple[int, ParsedDocument]] = []
        careful: list[tuple[int, ParsedDocument]] = []
        copies: set[int] = set()  # pages of an identity an earlier page claimed
        # The bytes of the batch's new pages: the same again under another name is a copy.
        fresh_bytes: set[str] = set()
        for index, parsed in pages:
            first = self._claim(parsed)
            if isinstance(first, FileOutcome):
                outcomes[index] = first
                continue
            known = documents.find(parsed)
            if known is not None and known.sha256 == parsed.sha256:
                self._follow_rename(parsed, known, first=first)
                outcomes[index] = self._unchanged(parsed, known.pk)
            elif known is not None or not first or parsed.sha256 in fresh_bytes:
                # A copy of an earlier page of the run: its document, perhaps just created.
                careful.append((index, parsed))
                if not first:
                    copies.add(index)
            else:
                fresh.append((index, parsed))
                fresh_bytes.add(parsed.sha256)
        if fresh:
            try:
                with transaction.atomic(), recorded_as(self.user):
                    created = self._create_many(fresh, mentions)
                    for (index, _), outcome in zip(fresh, created, strict=True):
                        outcomes[index] = outcome
            except (DatabaseError, ImporterError, ValueError):
                self._forget_unwritten()
                careful = sorted(careful + fresh, key=lambda item: item[0])
        for index, parsed in careful:
            outcomes[index] = self.import_parsed(
                parsed, parsed.file_name, claimed=index not in copies
            )
        return outcomes  # type: ignore[return-value]

    @staticmethod
    def _known(pages: Iterable[ParsedDocument]) -> _Known:
        return _known_documents(pages)

    @staticmethod
    def _unchanged(parsed: ParsedDocument, pk: int) -> FileOutcome:
        return FileOutcome(
            parsed.file_name, "unchanged", document_id=pk, layout=parsed.layout,
            encoding=parsed.encoding, warnings=list(parsed.warnings),
        )  # fmt: skip

    def _create_many(
        self,
        pages: list[tuple[int, ParsedDocument]],
        mentions: dict[int, tuple[list[int], list[int]] | None],
    ) -> list[FileOutcome]:
        """Insert new documents with their references, texts and links, in bulk."""
        now = timezone.now()
        history = {"default_user": self.user, "default_date": now}
        documents: list[Document] = []
        resolutions: list[Resolution] = []
        for index, parsed in pages:
            resolution = self.resolver.resolve(parsed, mentions.get(index))
            new = self._values(parsed, resolution)
            document = Document(status="published")
            for name in SCALAR_FIELDS:
                setattr(document, name, new[name])
            document.date = parsed.date
            document.source_file = parsed.file_name
            document.sha256 = parsed.sha256
            document.layout = parsed.layout
            document.encoding = parsed.encoding
            document.imported_at = now
            document.imported_values = new
            document.import_conflicts = {}
            document.needs_review = bool(parsed.needs_review)
            if parsed.warnings:
                document.review_notes = "\n".join(parsed.warnings)
            _prepare_for_insert(document)
            documents.append(document)
            resolutions.append(resolution)
        # On PostgreSQL the documents go in last, their search vector computed from their
        # texts as they are inserted: indexed afterwards (UPDATE), each would be written
        # twice, with every one of its indexes. Their rows' foreign keys are checked at commit.
        vector = pg_search_vector_sql("staged") if connection.vendor == "postgresql" else None
        if vector is None:
            _bulk_create_with_history(documents, Document, **history)
        else:
            allocate_ids(Document, documents)

        self._rows = rows = _Rows()
        try:
            for document, (_, parsed), resolution in zip(
                documents, pages, resolutions, strict=True
            ):
                self._replace_references(document, parsed)
                self._replace_texts(document, parsed, resolution)
        finally:
            self._rows = None
        people: list[DocumentPerson] = []
        organizations: list[DocumentOrganization] = []
        for document, resolution in zip(documents, resolutions, strict=True):
            people += [
                DocumentPerson(document=document, person_id=pk, role=role, origin=LinkOrigin.IMPORT)
                for pk, role in dict.fromkeys(resolution.people)
            ]
            organizations += [
                DocumentOrganization(
                    document=document, organization_id=pk, role=role, origin=LinkOrigin.IMPORT
                )
                for pk, role in dict.fromkeys(resolution.organizations)
            ]
        _bulk_create_with_history(rows.references, ArchivalReference, **history)
        texts = [text for text, _ in rows.texts]
        translated_by = [people for _, people in rows.texts]
        _bulk_create_with_history(people, DocumentPerson, **history)
        _bulk_create_with_history(organizations, DocumentOrganization, **history)
        insert_new(Translation, texts)
        # Called directly, simple_history records an empty change reason (through
        # bulk_create_with_history, none): kept as it was.
        text_history = _bulk_history_create(texts, Translation, change_reason="", **history)
        through = Translation.translators.through
        history_through = apps.get_model("catalogue", "HistoricalTranslation_translators")
        links = [
            (through(translation_id=text.pk, person_id=pk), history_id)
            for text, history_id, pks in zip(texts, text_history, translated_by, strict=True)
            for pk in pks
        ]
        insert_new(through, [link for link, _ in links])
        insert_new(
            history_through,
            [
                history_through(
                    id=link.pk,
                    history_id=history_id,
                    translation_id=link.translation_id,
                    person_id=link.person_id,
                )
                for link, history_id in links
            ],
        )
        if vector is None:
            update_search_index(document.pk for document in documents)
        else:
            _bulk_create_with_history(
                documents, Document, computed={"search_vector": vector}, **history
            )
        return [
            FileOutcome(
                parsed.file_name,
                "created",
                document_id=document.pk,
                warnings=list(parsed.warnings),
                layout=parsed.layout,
                encoding=parsed.encoding,
            )
            for document, (_, parsed) in zip(documents, pages, strict=True)
        ]

    def _existing(self, parsed: ParsedDocument) -> Document | None:
        found = _known_documents([parsed]).find(parsed)
        return None if found is None else Document.objects.filter(pk=found.pk).first()

    def _follow_rename(self, parsed: ParsedDocument, found: _Found, *, first: bool) -> None:
        """The document of a page found with the same bytes under another file name takes
        the page's name, when the page was renamed (or moved): no file of the old name is
        beside it, and no page of the run has that name. A copy leaves it as it is."""
        if (
            self.dry_run
            or not first
            or not parsed.location
            or found.source_file == parsed.file_name
            or "\0" + found.source_file in self.claimed
            or (Path(parsed.location).parent / found.source_file).exists()
        ):
            return
        # Provenance only: no version, no history entry (a curator's open form stays valid).
        with contextlib.suppress(DatabaseError):  # kept as it was: the next run tries again
            Document.objects.filter(pk=found.pk, sha256=parsed.sha256).update(
                source_file=parsed.file_name
            )

    def _repository(self, code: str, name: str) -> Repository | None:
        if not code:
            return None
        code = self.moved.get(code, code)
        repository = self.repositories.get(code)
        if repository is None:
            repository, _ = Repository.objects.get_or_create(
                code=code, defaults={"name": name, "needs_review": not name}
            )
            self.repositories[code] = repository
        return repository

    def _write(self, parsed: ParsedDocument, existing: Document | None) -> FileOutcome:
        resolution = self.resolver.resolve(parsed)
        new = self._values(parsed, resolution)
        warnings = list(parsed.warnings)
        if existing is None:
            document = Document(status="published")
            apply_fields = [*SCALAR_FIELDS, *SET_FIELDS]
            conflicts: dict[str, Any] = {}
            outcome = "created"
        else:
            document = Document.objects.select_for_update().get(pk=existing.pk)
            current = current_values(document)
            apply_fields, conflicts = three_way(document, new, current)
            outcome = "updated"
            held = gutted(current, new, apply_fields)
            if held:
                # The page lost most of what the document holds (a misread layout, a
                # page cut short): kept as it is, the new values beside it for review.
                apply_fields = [name for name in apply_fields if name not in held]
                conflicts.update({name: new[name] for name in held})
                last = document.imported_values or {}
                new = {**new, **{name: last.get(name, current[name]) for name in held}}
                warnings.append(
                    "re-import would drop most of the document's "
                    + ", ".join(held)
                    + "; the current ones are kept, the new ones kept as a conflict"
                )

            conflicts = still_open(conflicts, document.dismissed_conflicts or {})
            # A field this import writes is the importer's again: a value a curator set
            # aside for it is no longer an answer to anything (Accept would offer it back).
            document.dismissed_conflicts = {
                name: value
                for name, value in (document.dismissed_conflicts or {}).items()
                if name not in apply_fields
            }

            if not document.imported_values:
                # The curator's values the first import keeps are curated, as an edit makes
                # them (DocumentAdmin marks edits of a document, not the values it is added with).
                document.curated_fields = sorted(
                    {*(document.curated_fields or []), *(set(conflicts) & set(SCALAR_FIELDS))}
                )

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
        if parsed.needs_review or len(warnings) > len(parsed.warnings):
            document.needs_review = True
        if warnings:
            document.review_notes = "\n".join(warnings)
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
            warnings=warnings,
            layout=parsed.layout,
            encoding=parsed.encoding,
        )

    def _replace_references(self, document: Document, parsed: ParsedDocument) -> None:
        rows = [
            ArchivalReference(
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
            for position, ref in enumerate(parsed.references)
        ]
        if self._rows is not None:  # a new document of a batch: inserted with the others
            self._rows.references += rows
            return
        for old in document.references.all():
            old.delete()
        for row in rows:
            row.save()

    def _replace_texts(
        self, document: Document, parsed: ParsedDocument, resolution: Resolution
    ) -> None:
        translators = list(dict.fromkeys(resolution.translators))
        rows = [
            (
                Translation(
                    document=document,
                    kind=text.kind,
                    language=text.language,
                    text=text.text,
                    position=position,
                ),
                translators if text.kind == TextKind.TRANSLATION else [],
            )
            for position, text in enumerate(parsed.texts)
        ]
        if self._rows is not None:
            self._rows.texts += rows
            return
        for old in document.texts.all():
            old.delete()
        for translation, people in rows:
            translation.save()
            if people:
                translation.translators.set(people)


def _identity(parsed: ParsedDocument) -> tuple[str, str]:
    """What tells a page from the others: its source id, or its file name when it has none.

    Two pages of one name in different directories are two documents when their source
    ids differ; the file name alone identifies only a page without a source id.
    """
    if parsed.external_id:
        return "id", parsed.external_id
    return "file", parsed.file_name


def _known_documents(pages: Iterable[ParsedDocument]) -> _Known:
    """The documents the batch's pages are known as (one query)."""
    external_ids: set[str] = set()
    files: set[str] = set()
    contents: set[str] = set()
    for parsed in pages:
        files.add(parsed.file_name)
        contents.add(parsed.sha256)
        if parsed.external_id:
            external_ids.add(parsed.external_id)
    known = _Known()
    rows = (
        Document.objects.filter(
            Q(external_id__in=external_ids) | Q(source_file__in=files) | Q(sha256__in=contents)
        )
        .order_by("id")
        # As text: a JSON value read back ("007") would come as a number on SQLite.
        .annotate(imported_id=KT("imported_values__external_id"))
        .values_list("pk", "external_id", "source_file", "sha256", "imported_id")
    )
    for pk, external_id, source_file, sha256, imported_id in rows:
        found = _Found(pk, sha256, source_file)
        if external_id:
            known.by_external_id.setdefault(external_id, found)
        known.by_file.setdefault(source_file, []).append((found, imported_id or ""))
        if sha256:
            known.by_sha256.setdefault(sha256, found)
    return known


class _Found(NamedTuple):
    pk: int
    sha256: str
    source_file: str


@dataclass
class _Known:
    """The documents a batch's pages are known as: by source id, by file name (with the
    source id of their last import) and by content, in the order of their ids."""

    by_external_id: dict[str, _Found] = field(default_factory=dict)
    by_file: dict[str, list[tuple[_Found, str]]] = field(default_factory=dict)
    by_sha256: dict[str, _Found] = field(default_factory=dict)

    def find(self, parsed: ParsedDocument) -> _Found | None:
        """As `Loader._existing`: by source id, else by file name among the documents
        imported with the same source id (one a curator has since changed) or none, else
        (a page renamed, or a copy) by its bytes: the same bytes are the same page."""
        if parsed.external_id:
            found = self.by_external_id.get(parsed.external_id)
            if found is not None:
                return found
        for found, imported_id in self.by_file.get(parsed.file_name, ()):
            if imported_id == (parsed.external_id or ""):
                return found
        return self.by_sha256.get(parsed.sha256)


@dataclass
class _Rows:
    """Rows of a batch's new documents, gathered for bulk inserts."""

    references: list[ArchivalReference] = field(default_factory=list)
    texts: list[tuple[Translation, list[int]]] = field(default_factory=list)


def _prepare_for_insert(document: Document) -> None:
    """What Document.save() fills in, for inserts that bypass save()."""
    from django.utils.text import slugify

    document.language = document.original_languages[0] if document.original_languages else ""
    if not document.slug:
        document.slug = slugify(document.title)[:100].strip("-") or "document"


# The columns a historical model adds to its model's; a model whose history has any other
# (a history_relation, custom attributes) keeps simple_history's own bulk path.
_HISTORY_COLUMNS = {"history_id", "history_date", "history_change_reason", "history_type",
                    "history_user_id"}  # fmt: skip
# History columns of its own that a new row leaves empty: a document's import baseline is
# kept only in the row of its deletion (catalogue.history.KeepsImportBaseline).
_HISTORY_COLUMNS_LEFT_EMPTY = {"import_baseline"}


def _bulk_create_with_history(
    objs: list, model, *, default_user, default_date, computed: dict[str, str] | None = None
) -> None:
    """simple_history's bulk_create_with_history, with the history rows written by the database
    (and `computed` columns, see `insert_new`)."""
    enabled = getattr(settings, "SIMPLE_HISTORY_ENABLED", True)
    if not computed and (_history_sql(model) is None or not enabled):
        bulk_create_with_history(objs, model, default_user=default_user, default_date=default_date)
        return
    # `_bulk_history_create` falls back to simple_history's rows where SQL cannot copy them.
    insert_new(model, objs, computed)
    _bulk_history_create(objs, model, default_user=default_user, default_date=default_date)


def _bulk_history_create(
    objs: list, model, *, default_user, default_date, change_reason: str | None = None
) -> list[int]:
    """The "+" history rows of rows just inserted: their history ids, in the order of `objs`.

    The rows are what simple_history's bulk_history_create writes (tracked fields, date,
    user, change reason), but copied inside the database from the rows themselves
    (INSERT … SELECT) rather than built as model instances and sent back: on PostgreSQL
    that was a good part of an import's time. Elsewhere simple_history writes them.
    """
    if not objs:
        return []
    sql = _history_sql(model) if getattr(settings, "SIMPLE_HISTORY_ENABLED", True) else None
    pks = [obj.pk for obj in objs]
    if sql is None or any(pk is None for pk in pks) or pks != sorted(set(pks)):
        rows = model.history.bulk_history_create(
            objs,
            default_user=default_user,
            default_date=default_date,
            default_change_reason=change_reason,
        )
        return [row.pk for row in rows]
    user_id = default_user.pk if default_user is not None else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [default_date, change_reason, user_id, pks])
        history_ids = {pk: history_id for history_id, pk in cursor.fetchall()}
    return [history_ids[pk] for pk in pks]


@functools.cache
def _history_sql(model) -> str | None:
    """INSERT … SELECT copying rows of `model` into its history, or None where it cannot."""
    if connection.vendor != "postgresql":
        return None
    historical = model.history.model
    tracked = {field.attname: field for field in historical.tracked_fields}
    columns = {field.attname for field in historical._meta.concrete_fields}
    own = columns - set(tracked) - _HISTORY_COLUMNS_LEFT_EMPTY
    if own != _HISTORY_COLUMNS or hasattr(historical, "history_relation"):
        return None
    quote = connection.ops.quote_name
    copied = [field.column for field in tracked.values()]
    source = [model._meta.get_field(field.name).column for field in tracked.values()]
    pk = quote(model._meta.pk.column)
    return (
        f"INSERT INTO {quote(historical._meta.db_table)} "
        f"({', '.join(map(quote, copied))}, history_date, history_change_reason, history_type, "
        f"history_user_id) "
        f"SELECT {', '.join(map(quote, source))}, %s, %s, '+', %s "
        f"FROM {quote(model._meta.db_table)} WHERE {pk} = ANY(%s) ORDER BY {pk} "
        f"RETURNING history_id, {quote(historical._meta.get_field(model._meta.pk.name).column)}"
    )


def three_way(
    document: Document, new: dict[str, Any], current: dict[str, Any] | None = None
) -> tuple[list[str], dict[str, Any]]:
    """Which fields take the new import, and the conflicts kept for curators.

    A document no import wrote yet (a curator made it, in the admin, before its page was
    imported) has no last imported value to compare with: what it holds is the curator's.
    """
    last = document.imported_values or {}
    if current is None:
        current = current_values(document)
    curated = set(document.curated_fields or [])
    apply: list[str] = []
    conflicts: dict[str, Any] = {}
    touched: set[str] = set()
    for name in (*SCALAR_FIELDS, *SET_FIELDS):
        now = comparable(name, current[name])
        if name in last:
            changed = now != comparable(name, last[name])
        else:
            # Never imported: a value the curator gave is kept, an empty field filled.
            changed = not last and now not in (None, "", [])
        if name in curated or changed:
            touched.add(name)
    for unit in UNITS:
        if touched.intersection(unit):
            touched.update(unit)
    for name in (*SCALAR_FIELDS, *SET_FIELDS):
        if name not in touched:
            apply.append(name)
        elif comparable(name, current[name]) != comparable(name, new[name]):
            conflicts[name] = new[name]
    return apply, conflicts


def still_open(conflicts: dict[str, Any], dismissed: dict[str, Any]) -> dict[str, Any]:
    """The conflicts but those whose value a curator has dismissed already ("keep current").

    A date and its precision are one decision: dismissed together, they stay closed only
    while the import brings both values again.
    """
    closed = {
        name
        for name, value in conflicts.items()
        if name in dismissed and comparable(name, value) == comparable(name, dismissed[name])
    }
    for unit in UNITS:
        if not closed.issuperset(set(unit) & set(conflicts)):
            closed.difference_update(unit)
    return {name: value for name, value in conflicts.items() if name not in closed}


# A re-import that would leave less than this share of a document's text, or of its
# links (from at least GUTTED_MIN_LINKS), is held back for review instead.
GUTTED_SHARE = 0.5
GUTTED_MIN_TEXT = 200
GUTTED_MIN_LINKS = 3


def gutted(current: dict[str, Any], new: dict[str, Any], apply: list[str]) -> list[str]:
    """The related sets the new import would mostly empty, of those it would replace.

    A heading misread, a page cut short: the parse finds a fraction of what it found
    before, and replacing the texts and links with it would lose them silently.
    """
    held: list[str] = []
    if "texts" in apply:
        before = sum(len(text["text"]) for text in current["texts"])
        after = sum(len(text["text"]) for text in new["texts"])
        if before >= GUTTED_MIN_TEXT and after < GUTTED_SHARE * before:
            held.append("texts")
    links = [name for name in ("people", "organizations") if name in apply]
    before = sum(len(current[name]) for name in links)
    after = sum(len(new[name]) for name in links)
    if before >= GUTTED_MIN_LINKS and after < GUTTED_SHARE * before:
        held += links
    return held


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


class _SetWriter(Loader):
    """The Loader's writing of references and texts, without the name authority: an
    import's values name their people by id already."""

    def __init__(self) -> None:
        self._rows = None
        self._load_repositories()


def replace_imported_set(
    document: Document, name: str, value: list, *, translators: Iterable[int] = ()
) -> list:
    """Replace the document's `name` set with an import's `value` (as `parsed_values` gives
    it), written as the import writes it: a curator accepting a set a re-import held back.

    Returns the value as the import records it (an archive's code as a merge left it).
    """
    if name == "people":
        replace_links(document, DocumentPerson, "person_id", [tuple(p) for p in value])
        return value
    if name == "organizations":
        replace_links(document, DocumentOrganization, "organization_id", [tuple(p) for p in value])
        return value
    writer = _SetWriter()
    if name == "references":
        value = [{**ref, "repository": writer.moved.get(ref["repository"], ref["repository"])}
                 for ref in value]  # fmt: skip
        parsed = SimpleNamespace(references=[SimpleNamespace(**ref) for ref in value])
        writer._replace_references(document, parsed)  # type: ignore[arg-type]
        return value
    if name == "texts":
        parsed = SimpleNamespace(texts=[SimpleNamespace(**text) for text in value])
        resolution = Resolution(translators=list(translators))
        writer._replace_texts(document, parsed, resolution)  # type: ignore[arg-type]
        return value
    raise ValueError(f"{name!r} is not a set the importer writes")


Prepared = FileOutcome | tuple[ParsedDocument, tuple[list[int], list[int]] | None]
# The resolver whose indexes worker processes inherit when they are forked.
_worker_resolver: Resolver | None = None


def printable(text: str) -> str:
    """`text` as it can be stored and printed: the bytes of a file name that are not
    UTF-8 (kept by Python as lone surrogates, which no database or terminal takes)
    written as %XX, "caf%E9.txt" — the same name for the same bytes, run after run (a
    backslash escape would be taken for a directory by the parser's base name)."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_printable_char(ch) for ch in text)


def _printable_char(ch: str) -> str:
    if "\udc80" <= ch <= "\udcff":  # an undecodable byte, as os.fsdecode keeps it
        return f"%{ord(ch) - 0xDC00:02X}"
    return "\ufffd" if "\ud800" <= ch <= "\udfff" else ch


def read_file(path: Path, max_bytes: int, shown: str | None = None) -> bytes | FileOutcome:
    name = printable(path.name)
    shown = shown or name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return FileOutcome(
                name, "failed", f"{shown}: file is {size} bytes, over the {max_bytes} limit"
            )
        return path.read_bytes()
    except OSError as exc:
        return FileOutcome(name, "failed", f"{shown}: cannot read: {exc.strerror or exc}")


def read_and_parse(
    path: Path, max_bytes: int, shown: str | None = None
) -> ParsedDocument | FileOutcome:
    """The page at `path`, or its failure; messages name it as `shown` (by default its
    name), the page itself is known by its name."""
    read = read_file(path, max_bytes, shown)
    if isinstance(read, FileOutcome):
        return read
    name = printable(path.name)
    shown = shown or name
    try:
        parsed = parse(read, name)
    except ParseError as exc:
        reason = f"{shown}: {exc.reason}" if exc.file_name is not None else str(exc)
        return FileOutcome(name, "failed", reason)
    except ImporterError as exc:
        return FileOutcome(name, "failed", str(exc))
    parsed.path = shown
    parsed.location = str(path)
    if name != path.name:
        parsed.warnings.append(f"the file name is not valid UTF-8: imported as {name}")
    return parsed


def prepare(path: Path, max_bytes: int, shown: str | None = None) -> Prepared:
    """The database-free part of importing a file: read, parse, find mentions in a snapshot.

    Runs in worker processes for large imports; mentions are left to the resolver
    (None) when no snapshot was handed to this process.
    """
    parsed = read_and_parse(path, max_bytes, shown)
    if isinstance(parsed, FileOutcome):
        return parsed
    return parsed, _worker_resolver.mentions(parsed) if _worker_resolver is not None else None


def _worker_count(files: int, batch_size: int, asked: int | None) -> int:
    """Worker processes for an import of `files`: `asked`, or by default (None) one
    where there is a second core.

    Parsing and finding mentions take about half of the CPU: worth another process
    only when the import is large, and only where fork hands it the indexes for free.
    Measured on two cores (10,000 generated pages): no worker 56 s, one 41–44 s, two
    51–54 s — the writer and PostgreSQL need the second core too.
    """
    cores = os.cpu_count() or 1
    if asked is None:
        asked = 1 if cores >= 2 else 0
    if (
        asked <= 0
        or files < 2 * batch_size
        or "fork" not in multiprocessing.get_all_start_methods()
    ):
        return 0
    return min(asked, cores)


# Records created since the workers were forked that each batch hands them, at most: past
# it they are forked again from the grown authority (a fork costs less than the copies).
HANDED_RECORDS_LIMIT = 2000


def _import_in_workers(
    loader: Loader,
    files: SourceFiles,
    batch_size: int,
    workers: int,
    write: Callable[[list[Prepared]], None],
) -> None:
    """Workers prepare the next batch while this process writes the current one.

    Workers are forked with a snapshot of the authority. Each batch hands them the
    records created since (`Resolver.created`, which they `learn`); only those created
    after a batch was handed out are searched here for it (`Resolver.searched_here`),
    so the pipeline never stalls for new names. The workers are forked again when that
    list grows long, or after a rollback (the resolver reloaded: records they were
    handed may be gone). One batch ahead at most: memory does not grow with the corpus.
    """
    global _worker_resolver
    resolver = loader.resolver
    work = functools.partial(_prepare_in_worker, max_bytes=loader.max_bytes)
    chunk = max(1, batch_size // (4 * workers))
    batches = files.batches(batch_size)
    following = next(batches, None)
    try:
        while following is not None:
            resolver.snapshot()
            generation = resolver.generation
            _worker_resolver = resolver
            # Forked workers never touch the database: the parent's connection stays its
            # own (they leave through os._exit, which closes nothing).
            with multiprocessing.get_context("fork").Pool(workers) as pool:

                def dispatch(batch: list[Path]) -> tuple[Any, int]:
                    # A copy: the resolver's list grows while the workers read theirs.
                    created = list(resolver.created)
                    items = [(path, files.shown(path), created) for path in batch]
                    return pool.map_async(work, items, chunk), len(created)

                pending: tuple[Any, int] | None = dispatch(following)
                following = next(batches, None)
                while pending is not None:
                    result, shared = pending
                    prepared = result.get()
                    unchanged = resolver.generation == generation
                    pending = None
                    if (
                        unchanged
                        and following is not None
                        and len(resolver.created) <= HANDED_RECORDS_LIMIT
                    ):
                        pending = dispatch(following)
                        following = next(batches, None)
                    # After a reload every record since the snapshot is searched here.
                    resolver.searched_here(shared if unchanged else 0)
                    write(prepared)
    finally:
        _worker_resolver = None


def _prepare_in_worker(
    item: tuple[Path, str, list[tuple[str, int, list[str]]]], max_bytes: int
) -> Prepared:
    path, shown, created = item
    if _worker_resolver is not None:
        _worker_resolver.learn(created)
    return prepare(path, max_bytes, shown)


def _import_with_read_ahead(
    loader: Loader, files: SourceFiles, batch_size: int, write: Callable[[list[Prepared]], None]
) -> None:
    """Batches written in order, while a thread reads and parses the next one.

    Parsing needs no database and touches nothing the writer does (mentions are found
    when the batch is written), so it can go on while this thread waits for the
    database. One batch ahead at most: memory does not grow with the corpus.
    """
    batches = files.batches(batch_size)
    first = next(batches, None)
    if first is None:
        return

    def read(batch: list[Path]) -> list[Prepared]:
        return [prepare(path, loader.max_bytes, files.shown(path)) for path in batch]

    with ThreadPoolExecutor(1, thread_name_prefix="import-read") as reader:
        pending = reader.submit(read, first)
        while pending is not None:
            prepared = pending.result()
            following = next(batches, None)
            pending = None if following is None else reader.submit(read, following)
            write(prepared)


# The search index (GIN) gathers new entries in a pending list and merges them into the
# index when the list fills: 64 MB for the importer's session, instead of PostgreSQL's
# 4 MB, means fewer and larger merges — 10,000 generated pages import in 68 s instead of
# 79 s (two runs each). Searches read that list unsorted; the VACUUM after a large
# import (import_documents) merges what is left of it.
GIN_PENDING_LIST_KB = 64 * 1024


@contextlib.contextmanager
def _large_gin_pending_list() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('gin_pending_list_limit', %s, false)",
                       [str(GIN_PENDING_LIST_KB)])  # fmt: skip
    try:
        yield
    finally:
        try:
            with connection.cursor() as cursor:
                cursor.execute("RESET gin_pending_list_limit")
        except DatabaseError:
            pass  # the session is gone (a lost server), and its setting with it


def import_paths(
    paths: Iterable[str | Path],
    *,
    dry_run: bool = False,
    wait: bool = False,
    on_file: Callable[[int, int, FileOutcome], None] | None = None,
    batch_size: int = BATCH_SIZE,
    workers: int | None = 0,
    keep_outcomes: bool = True,
) -> list[FileOutcome]:
    """Import every file under `paths`; raises ImportLocked if another import is running.

    Returns every file's outcome, or none with `keep_outcomes=False` (then only
    `on_file` sees them): a million outcomes would take a gigabyte.
    """
    files = SourceFiles(paths)
    total = len(files)
    outcomes: list[FileOutcome] = []
    done = 0

    def report(outcome: FileOutcome) -> None:
        nonlocal done
        done += 1
        if keep_outcomes:
            outcomes.append(outcome)
        if on_file is not None:
            on_file(done, total, outcome)

    with import_lock(wait=wait), _large_gin_pending_list():
        try:
            loader = Loader(dry_run=dry_run)
        except DatabaseError as exc:
            # The importer's own account cannot be written (read-only or full database):
            # no file can be, so each is reported failed, by name, and nothing is written.
            for path in files:
                report(
                    FileOutcome(
                        printable(path.name), "failed", f"{files.shown(path)}: not imported: {exc}"
                    )
                )
            return outcomes

        def write(prepared: list[Prepared]) -> None:
            # With DEBUG on, Django keeps every query's SQL: a batch's inserts are megabytes.
            reset_queries()
            for outcome in loader.write_batch(prepared):
                report(outcome)

        workers = _worker_count(total, batch_size, workers)
        try:
            if workers:
                _import_in_workers(loader, files, batch_size, workers, write)
            else:
                _import_with_read_ahead(loader, files, batch_size, write)
        finally:
            loader.close()
    return outcomes
