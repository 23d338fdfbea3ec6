"""Writes across several catalogue models: repository merges, imported values, publishing.

Each function is one transaction; each row it changes gets a history entry and a new
version, so a curator's open form on the same record is refused rather than overwriting.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from simple_history.utils import bulk_update_with_history

from catalogue.concurrency import bump_version
from catalogue.models import (
    ArchivalReference,
    Document,
    PersonRole,
    Repository,
    RepositoryRedirect,
    Status,
)
from catalogue.search import deferred_search_index
from people.models import Organization, OrganizationRedirect, Person, PersonRedirect
from people.services import MergeError, MergePlan, merge_reason

# The document fields the importer writes; a curator's change to one of them makes it curated.
IMPORTED_FIELDS = (
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
# The related sets the importer writes and compares as a whole; their conflicts are accepted
# whole too, written by the importer's own code (imported where used: the importer's
# modules cost every process that loads the admin 0.12 s at start-up).
IMPORTED_SETS = ("references", "texts", "people", "organizations")
# Fields that only make sense together (a check constraint ties a date to its precision):
# the importer keeps or takes them together, and a curator accepts them together.
IMPORTED_UNITS = (("date", "date_precision"),)
PARTNERS = {
    name: tuple(other for other in unit if other != name)
    for unit in IMPORTED_UNITS
    for name in unit
}


# --- curated fields ----------------------------------------------------------------------------


def document_mark_curated(document: Document, fields: Iterable[str]) -> None:
    """Add `fields` to the document's curated fields (in memory; the caller saves)."""
    changed = [name for name in fields if name in IMPORTED_FIELDS]
    if changed:
        document.curated_fields = sorted({*(document.curated_fields or []), *changed})


def _model_value(name: str, value: Any) -> Any:
    if name == "date":
        return datetime.date.fromisoformat(value) if value else None
    if name == "original_languages":
        return list(value or [])
    return "" if value is None else value


def imported_value(document: Document, name: str) -> tuple[bool, Any]:
    """(found, value): the conflicting value of the last import, else the one a curator
    set aside ("keep current"), else the last imported one.

    The set-aside value comes before the last imported one for a held-back set: the
    import kept the set as it was, so its "last imported" set is the current one, and
    accepting that would change nothing. (For a curated field the two are the same: an
    import that brings another value raises a new conflict, one that writes the field
    forgets the dismissal.)
    """
    if name in (document.import_conflicts or {}):
        return True, document.import_conflicts[name]
    if name in (document.dismissed_conflicts or {}):
        return True, document.dismissed_conflicts[name]
    if name in (document.imported_values or {}):
        return True, document.imported_values[name]
    return False, None


def document_sets(document: Document) -> tuple[dict[str, list], list[str]]:
    """The document's related sets as the importer compares them, and those changed since the
    last import (which the next import keeps, as it keeps a curated field).

    Read only for a document an import wrote or left a set conflict on (four queries).
    """
    from catalogue.importer.load import comparable, current_values

    imported = document.imported_values or {}
    conflicts = document.import_conflicts or {}
    if not any(name in imported or name in conflicts for name in IMPORTED_SETS):
        return {}, []
    now = current_values(document)
    current = {name: now[name] for name in IMPORTED_SETS}
    changed = [
        name
        for name in IMPORTED_SETS
        if name in (document.curated_fields or [])
        or (
            name in imported and comparable(name, current[name]) != comparable(name, imported[name])
        )
    ]
    return current, changed


def accept_fields(document: Document, name: str) -> list[str]:
    """The field and the partners that must change with it to keep the record valid."""
    fields = [name]
    for partner in PARTNERS.get(name, ()):
        if partner in (document.import_conflicts or {}):
            fields.append(partner)
    return fields


def document_accept_imported(*, document: Document, field: str) -> list[str]:
    """Take the last import's value for `field`: the importer owns the field again.

    Returns the fields changed (a date comes with its precision when both conflict).
    """
    if field not in IMPORTED_FIELDS and field not in IMPORTED_SETS:
        raise ValidationError(f"{field!r} is not a field the importer writes.")
    with transaction.atomic(), deferred_search_index():
        document = Document.objects.select_for_update().get(pk=document.pk)
        names = accept_fields(document, field)
        conflicts = dict(document.import_conflicts or {})
        imported = dict(document.imported_values or {})
        dismissed = dict(document.dismissed_conflicts or {})
        for name in names:
            found, value = imported_value(document, name)
            if not found:
                raise ValidationError(f"The last import has no value for {name!r}.")
            if name in IMPORTED_SETS:
                imported[name] = _write_imported_set(document, name, value, conflicts, imported)
            else:
                setattr(document, name, _model_value(name, value))
                imported[name] = value
            conflicts.pop(name, None)
            dismissed.pop(name, None)
        if field in IMPORTED_FIELDS:
            document.full_clean(
                exclude=[f.name for f in Document._meta.fields if f.name not in names]
            )
            document.validate_constraints()
        document.imported_values = imported
        document.import_conflicts = conflicts
        document.dismissed_conflicts = dismissed
        document.curated_fields = [n for n in (document.curated_fields or []) if n not in names]
        bump_version(document)
        document._change_reason = "accepted the imported " + ", ".join(names)
        document.save()
        return names


def document_keep_current(*, document: Document, field: str) -> list[str]:
    """Dismiss the last import's conflicting value for `field`: the current value stays.

    The dismissed value is remembered: a later import bringing it again raises no conflict,
    one bringing another value does. Returns the fields whose conflicts were dismissed (a
    date comes with its precision when both conflict).
    """
    if field not in IMPORTED_FIELDS and field not in IMPORTED_SETS:
        raise ValidationError(f"{field!r} is not a field the importer writes.")
    with transaction.atomic():
        document = Document.objects.select_for_update().get(pk=document.pk)
        conflicts = dict(document.import_conflicts or {})
        if field not in conflicts:
            raise ValidationError(f"The last import left no conflict on {field!r}.")
        names = accept_fields(document, field)
        dismissed = dict(document.dismissed_conflicts or {})
        for name in names:
            dismissed[name] = conflicts.pop(name)
        document.import_conflicts = conflicts
        document.dismissed_conflicts = dismissed
        bump_version(document)
        document._change_reason = "kept the current " + ", ".join(names)
        document.save()
        return names


def _write_imported_set(
    document: Document, name: str, value: list, conflicts: dict, imported: dict
) -> list:
    """Replace the document's set with the import's, as the importer writes it; returns the
    value as the import records it. A person or organization merged since the import is
    its survivor; one deleted since is left out."""
    from catalogue.importer.load import replace_imported_set

    translators: list[int] = []
    if name in ("people", "organizations"):
        value = live_links(name, value)
    elif name == "texts":
        # The importer credits every translation to the page's translators: the people the
        # same import links as translators.
        people = conflicts["people"] if "people" in conflicts else imported.get("people") or []
        translators = [pk for pk, role in live_links("people", people)
                       if role == PersonRole.TRANSLATOR]  # fmt: skip
    return replace_imported_set(document, name, value, translators=translators)


def live_links(name: str, pairs: Iterable[Sequence]) -> list[list]:
    """An import's [id, role] links with merged-away ids as their survivors, deleted ones out."""
    model, redirects, key = (
        (Person, PersonRedirect, "person_id")
        if name == "people"
        else (Organization, OrganizationRedirect, "organization_id")
    )
    pairs = [(int(pk), role) for pk, role in pairs]
    ids = {pk for pk, _ in pairs}
    live = set(model.objects.filter(pk__in=ids).values_list("pk", flat=True))
    moved = dict(
        redirects.objects.filter(old_id__in=ids - live).values_list("old_id", key)
    ) if ids - live else {}  # fmt: skip
    found = {(pk if pk in live else moved[pk], role) for pk, role in pairs
             if pk in live or pk in moved}  # fmt: skip
    return sorted([pk, role] for pk, role in found)


# --- publishing --------------------------------------------------------------------------------


def documents_set_status(*, documents: Iterable[Document], status: str) -> int:
    """Publish, unpublish or withdraw documents in bulk, one history entry per changed document."""
    if status not in Status.values:
        raise ValidationError(f"Unknown status {status!r}.")
    with transaction.atomic():
        ids = [d.pk for d in documents]
        changed = list(
            Document.objects.select_for_update().filter(pk__in=ids).exclude(status=status)
        )
        for document in changed:
            document.status = status
            document.version += 1
        bulk_update_with_history(
            changed,
            Document,
            ["status", "version"],
            batch_size=500,
            default_change_reason=f"status set to {status}",
        )
        return len(changed)


# --- repositories ------------------------------------------------------------------------------


def _repository_plan(keep: Repository, remove: Sequence[Repository]) -> MergePlan:
    if not remove:
        raise MergeError("Choose at least one repository to merge into the survivor.")
    if any(r.pk == keep.pk for r in remove):
        raise MergeError("The survivor cannot also be merged away.")
    plan = MergePlan(keep=keep, remove=list(remove))
    references = ArchivalReference.objects.filter(repository__in=remove).select_related("document")
    plan.moved_links = [f"“{ref.document}”: {ref}" for ref in references]
    for name in ("name", "country", "description"):
        if not getattr(keep, name):
            for record in remove:
                if getattr(record, name):
                    plan.filled_fields[name] = getattr(record, name)
                    break
    plan.redirects = [f"/repositories/{r.code}/ → /repositories/{keep.code}/" for r in remove]
    return plan


def repository_merge_plan(*, keep: Repository, remove: Sequence[Repository]) -> MergePlan:
    return _repository_plan(keep, remove)


def repository_merge(*, keep: Repository, remove: Iterable[Repository]) -> MergePlan:
    """Fold `remove` into `keep`: references move, old codes redirect, the rest is deleted."""
    remove = list(remove)
    with transaction.atomic():
        ids = [keep.pk, *(r.pk for r in remove)]
        locked = {r.pk: r for r in Repository.objects.select_for_update().filter(pk__in=ids)}
        if len(locked) != len(set(ids)):
            raise MergeError("One of the repositories was deleted meanwhile; nothing was merged.")
        keep = locked[keep.pk]
        remove = [locked[r.pk] for r in remove]
        plan = _repository_plan(keep, remove)
        reason = f"merged into #{keep.pk}"
        documents = set()
        for reference in ArchivalReference.objects.filter(repository__in=remove):
            reference.repository = keep
            reference._change_reason = reason
            reference.save()
            documents.add(reference.document_id)
        _retarget_imported_references(documents, {r.code for r in remove}, keep.code)
        # A code merged away once may be in use again (a repository created or recovered
        # with it since): its old redirect is replaced, not duplicated against the unique code.
        codes = [keep.code, *(r.code for r in remove)]
        RepositoryRedirect.objects.filter(old_code__in=codes).delete()
        RepositoryRedirect.objects.filter(repository__in=remove).update(repository=keep)
        RepositoryRedirect.objects.bulk_create(
            RepositoryRedirect(old_code=r.code, repository=keep) for r in remove
        )
        for name, value in plan.filled_fields.items():
            setattr(keep, name, value)
        keep.needs_review = False
        bump_version(keep)
        keep._change_reason = merge_reason(", ".join(r.code for r in remove))
        keep.save()
        for record in remove:
            record._change_reason = reason
            record.delete()
        return plan


def _retarget_imported_references(documents, old_codes: set[str], code: str) -> None:
    # As for people: the import's record of its references must follow the merge, or the
    # next import would take the new code for a curator's edit.
    from django.db.models import F

    for document in Document.objects.select_for_update().filter(pk__in=documents):
        values = dict(document.imported_values or {})
        for ref in values.get("references") or []:
            if ref.get("repository") in old_codes:
                ref["repository"] = code
        Document.objects.filter(pk=document.pk).update(
            imported_values=values, version=F("version") + 1
        )


def similar_repositories(repository: Repository, *, limit: int = 5):
    """Repositories whose code or full name is closest to `repository`'s (AVPRF / AVP RF …)."""
    from people.services import Similar, _score

    scored = []
    for other in Repository.objects.exclude(pk=repository.pk):
        pairs = [(repository.code, other.code), (repository.name, other.name)]
        score, name = max(((_score(a, b), b) for a, b in pairs if a and b), default=(0.0, ""))
        if score >= 0.5:
            scored.append(Similar(other, name, round(score, 2)))
    return sorted(scored, key=lambda s: (-s.score, s.record.code))[:limit]
