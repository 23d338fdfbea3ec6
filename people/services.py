"""Writes across several models for the name authority: merging, review, similar names.

Every function runs in one transaction and leaves a history entry on each row it
touches (attributed to the request's user by simple-history's middleware, or to
whoever `catalogue.importer.load.recorded_as` names).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db import models, transaction

from catalogue.concurrency import bump_version
from catalogue.models import Document, DocumentOrganization, DocumentPerson, Translation
from people.models import (
    Organization,
    OrganizationName,
    OrganizationRedirect,
    Person,
    PersonName,
    PersonRedirect,
    VariantKind,
    variant_key,
)


class MergeError(ValueError):
    pass


def merge_reason(merged: str) -> str:
    """The survivor's history reason; simple-history's column holds 100 characters."""
    reason = f"merged {merged} into this"
    return reason if len(reason) <= 100 else f"merged {merged[:70]}… into this"


@dataclass
class MergePlan:
    """What a merge will do (the preview) or did (the result)."""

    keep: models.Model
    remove: list[models.Model]
    moved_links: list[str] = field(default_factory=list)
    collapsed_links: list[str] = field(default_factory=list)
    moved_variants: list[str] = field(default_factory=list)
    new_variants: list[str] = field(default_factory=list)
    dropped_variants: list[str] = field(default_factory=list)
    translations: int = 0
    filled_fields: dict[str, object] = field(default_factory=dict)
    redirects: list[str] = field(default_factory=list)
    children: list[str] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return len(self.moved_links) + len(self.collapsed_links)


@dataclass(frozen=True)
class _Authority:
    """The parts that differ between people and organizations."""

    model: type[models.Model]
    link_model: type[models.Model]
    link_field: str
    variant_model: type[models.Model]
    variant_field: str
    redirect_model: type[models.Model]
    redirect_field: str
    # Fields filled on the survivor from a removed record when the survivor has none.
    fillable: tuple[str, ...]


PEOPLE = _Authority(
    Person, DocumentPerson, "person", PersonName, "person", PersonRedirect, "person",
    ("description", "birth_year", "death_year"),
)  # fmt: skip
ORGANIZATIONS = _Authority(
    Organization, DocumentOrganization, "organization", OrganizationName, "organization",
    OrganizationRedirect, "organization", ("abbreviation", "description", "parent"),
)  # fmt: skip


def _variant_kind(name: str) -> str:
    # A spelling outside the Latin blocks (Cyrillic, Hangul, Han …) is a native-script form.
    return VariantKind.NATIVE if any(ord(ch) > 0x24F for ch in name) else VariantKind.ALIAS


def _empty(value) -> bool:
    return value is None or value == ""


def _plan(kind: _Authority, keep, remove: Sequence) -> tuple[MergePlan, dict]:
    """Compute the merge without writing; returns the plan and the work list that executes it."""
    if not remove:
        raise MergeError("Choose at least one record to merge into the survivor.")
    if any(r.pk == keep.pk for r in remove):
        raise MergeError("The survivor cannot also be merged away.")
    plan = MergePlan(keep=keep, remove=list(remove))
    remove_ids = [r.pk for r in remove]
    work: dict = {"move_links": [], "delete_links": [], "curate_links": [], "move_variants": [],
                  "delete_variants": [], "create_variants": []}  # fmt: skip

    links = kind.link_model._default_manager.filter(
        **{f"{kind.link_field}_id__in": [keep.pk, *remove_ids]}
    ).select_related("document", kind.link_field)
    taken: dict[tuple, models.Model] = {}
    for link in links:
        if getattr(link, f"{kind.link_field}_id") == keep.pk:
            taken[(link.document_id, link.role)] = link
    for link in sorted(links, key=lambda lk: lk.pk):
        if getattr(link, f"{kind.link_field}_id") == keep.pk:
            continue
        label = f"“{link.document}” ({link.role})"
        key = (link.document_id, link.role)
        if key in taken:
            # The survivor already plays this role in this document: one link, not two.
            plan.collapsed_links.append(label)
            work["delete_links"].append(link)
            if link.origin == "curator" and taken[key].origin != "curator":
                # A curator vouched for the removed link; the surviving one inherits that.
                work["curate_links"].append(taken[key])
        else:
            plan.moved_links.append(label)
            work["move_links"].append(link)
            taken[key] = link

    keys = {variant_key(keep.name)}
    keys.update(
        kind.variant_model._default_manager.filter(**{kind.variant_field: keep}).values_list(
            "name_key", flat=True
        )
    )
    variants = kind.variant_model._default_manager.filter(
        **{f"{kind.variant_field}_id__in": remove_ids}
    ).order_by(f"{kind.variant_field}_id", "id")
    by_owner: dict[int, list] = {}
    for variant in variants:
        by_owner.setdefault(getattr(variant, f"{kind.variant_field}_id"), []).append(variant)
    for record in remove:
        # The removed record's own name first: it is how the sources spelled this person.
        name_key = variant_key(record.name)
        own_variant = None
        for variant in by_owner.get(record.pk, []):
            if variant.name_key == name_key:
                own_variant = variant
        if name_key not in keys and own_variant is None:
            keys.add(name_key)
            plan.new_variants.append(record.name)
            work["create_variants"].append(record.name)
        for variant in by_owner.get(record.pk, []):
            if variant.name_key in keys:
                plan.dropped_variants.append(variant.name)
                work["delete_variants"].append(variant)
            else:
                keys.add(variant.name_key)
                plan.moved_variants.append(variant.name)
                work["move_variants"].append(variant)
        plan.redirects.append(f"{record.get_absolute_url()} → {keep.get_absolute_url()}")

    for name in kind.fillable:
        if _empty(getattr(keep, name if name != "parent" else "parent_id")):
            for record in remove:
                value = getattr(record, name if name != "parent" else "parent_id")
                if not _empty(value) and not (name == "parent" and value in {*remove_ids, keep.pk}):
                    plan.filled_fields[name] = getattr(record, name)
                    break
    if kind.model is Person:
        birth = plan.filled_fields.get("birth_year", keep.birth_year)
        death = plan.filled_fields.get("death_year", keep.death_year)
        if birth is not None and death is not None and birth > death:
            # Dates from two different records that contradict each other: take neither.
            plan.filled_fields.pop("birth_year", None)
            plan.filled_fields.pop("death_year", None)
        plan.translations = (
            Translation.objects.filter(translators__in=remove_ids).distinct().count()
        )
    else:
        plan.children = [
            str(child)
            for child in Organization.objects.filter(parent_id__in=remove_ids).exclude(pk=keep.pk)
        ]
    return plan, work


def _merge(kind: _Authority, *, keep, remove: Iterable) -> MergePlan:
    remove = list(remove)
    with transaction.atomic():
        ids = [keep.pk, *(r.pk for r in remove)]
        # Lock every record taking part, so no edit or import slips in between plan and write.
        locked = {
            r.pk: r for r in kind.model._default_manager.select_for_update().filter(pk__in=ids)
        }
        if len(locked) != len(set(ids)):
            raise MergeError("One of the records was deleted meanwhile; nothing was merged.")
        keep = locked[keep.pk]
        remove = [locked[r.pk] for r in remove]
        plan, work = _plan(kind, keep, remove)
        remove_ids = [r.pk for r in remove]
        reason = f"merged into #{keep.pk}"

        touched_documents = set()
        for link in work["delete_links"]:
            touched_documents.add(link.document_id)
            link._change_reason = reason
            link.delete()
        for link in work["move_links"]:
            touched_documents.add(link.document_id)
            setattr(link, kind.link_field, keep)
            link._change_reason = reason
            link.save()
        for link in work["curate_links"]:
            link.origin = "curator"
            link._change_reason = reason
            link.save()
        for variant in work["delete_variants"]:
            variant._change_reason = reason
            variant.delete()
        for variant in work["move_variants"]:
            setattr(variant, kind.variant_field, keep)
            variant._change_reason = reason
            variant.save()
        for name in work["create_variants"]:
            variant = kind.variant_model(
                **{kind.variant_field: keep}, name=name, kind=_variant_kind(name)
            )
            variant._change_reason = reason
            variant.save()

        if kind.model is Person:
            for translation in Translation.objects.filter(translators__in=remove_ids).distinct():
                translation._change_reason = reason
                translation.translators.remove(*remove_ids)
                translation.translators.add(keep)
                touched_documents.add(translation.document_id)
        else:
            for child in Organization.objects.filter(parent_id__in=remove_ids).exclude(pk=keep.pk):
                child.parent = keep
                bump_version(child)
                child._change_reason = reason
                child.save()

        _retarget_imported_values(kind, touched_documents, remove_ids, keep.pk)

        redirects = kind.redirect_model._default_manager
        # A redirect from an id that names a live record is stale (left by a recovery before
        # recoveries removed it): the merge replaces it rather than fail on the unique old id,
        # and never turns the survivor's into a redirect to itself.
        redirects.filter(old_id__in=[keep.pk, *remove_ids]).delete()
        redirects.filter(**{f"{kind.redirect_field}_id__in": remove_ids}).update(
            **{kind.redirect_field: keep}
        )
        redirects.bulk_create(
            kind.redirect_model(old_id=r.pk, **{kind.redirect_field: keep}) for r in remove
        )

        for name, value in plan.filled_fields.items():
            setattr(keep, name, value)
        if getattr(keep, "parent_id", None) in remove_ids:
            keep.parent = None
        keep.needs_review = False
        bump_version(keep)
        keep._change_reason = merge_reason(", ".join(f"#{pk}" for pk in remove_ids))
        keep.save()
        for record in remove:
            record._change_reason = reason
            record.delete()
        return plan


def _retarget_imported_values(kind: _Authority, documents, remove_ids, keep_id) -> None:
    """Point the last import's links at the survivor, and count the change as a new version.

    The importer compares the links it made with those it last recorded; without this a merge
    would look like a curator's edit of every document involved.
    """
    key = "people" if kind.model is Person else "organizations"
    for document in Document.objects.select_for_update().filter(pk__in=documents):
        values = dict(document.imported_values or {})
        if values.get(key):
            pairs = {(keep_id if pk in remove_ids else pk, role) for pk, role in values[key]}
            values[key] = sorted([pk, role] for pk, role in pairs)
        Document.objects.filter(pk=document.pk).update(
            imported_values=values, version=models.F("version") + 1
        )


def person_merge_plan(*, keep: Person, remove: Sequence[Person]) -> MergePlan:
    return _plan(PEOPLE, keep, remove)[0]


def person_merge(*, keep: Person, remove: Iterable[Person]) -> MergePlan:
    """Fold `remove` into `keep`: links, translations, variants and URLs move; duplicates go."""
    return _merge(PEOPLE, keep=keep, remove=remove)


def organization_merge_plan(*, keep: Organization, remove: Sequence[Organization]) -> MergePlan:
    return _plan(ORGANIZATIONS, keep, remove)[0]


def organization_merge(*, keep: Organization, remove: Iterable[Organization]) -> MergePlan:
    return _merge(ORGANIZATIONS, keep=keep, remove=remove)


def record_mark_reviewed(*, records: Iterable[models.Model]) -> int:
    """Clear the review flag (with a history entry per record); returns how many changed."""
    count = 0
    with transaction.atomic():
        for record in records:
            record = type(record)._default_manager.select_for_update().get(pk=record.pk)
            if not record.needs_review:
                continue
            record.needs_review = False
            bump_version(record)
            record._change_reason = "marked reviewed"
            record.save()
            count += 1
    return count


# --- the closest existing records ---------------------------------------------------------------


@dataclass(frozen=True)
class Similar:
    record: models.Model
    name: str  # the spelling that matched
    score: float


def _names_of(model: type[models.Model], variant_model, variant_field: str, exclude_pk):
    names: list[tuple[int, str]] = list(
        model._default_manager.exclude(pk=exclude_pk).values_list("pk", "name")
    )
    names += list(
        variant_model._default_manager.exclude(**{f"{variant_field}_id": exclude_pk}).values_list(
            f"{variant_field}_id", "name"
        )
    )
    if model is Organization:
        names += [
            (pk, abbreviation)
            for pk, abbreviation in model._default_manager.exclude(pk=exclude_pk)
            .exclude(abbreviation="")
            .values_list("pk", "abbreviation")
        ]
    return names


def _score(a: str, b: str) -> float:
    a, b = variant_key(a), variant_key(b)
    matcher = difflib.SequenceMatcher(None, a, b)
    if matcher.real_quick_ratio() < 0.4 or matcher.quick_ratio() < 0.4:
        return 0.0
    # Word order differs between sources ("Gromyko, Andrei" / "Andrei Gromyko").
    reordered = difflib.SequenceMatcher(
        None, " ".join(sorted(a.split())), " ".join(sorted(b.split()))
    )
    return max(matcher.ratio(), reordered.ratio())


def _candidates(
    entries: list[tuple[int, str]], name: str, limit: int, *, person: bool = True
) -> list[tuple[int, str, float]]:
    """Ids, matched spelling and score of the entries closest to `name`, best first.

    Uses people.names.NameIndex (transliteration- and inflection-aware) when it is there;
    plain difflib otherwise, so the review queue never depends on it.
    """
    try:
        from people.names import NameIndex

        grouped: dict[int, list[str]] = {}
        for pk, spelling in entries:
            grouped.setdefault(pk, []).append(spelling)
        found = NameIndex(grouped.items(), person=person).candidates(name, limit * 3)
        return [(c.id, c.name, float(c.score)) for c in found if c.score >= 0.3]
    except Exception:  # noqa: BLE001 - any shape mismatch falls back to difflib
        pass
    best: dict[int, tuple[str, float]] = {}
    for pk, candidate in entries:
        score = _score(name, candidate)
        if score >= 0.5 and score > best.get(pk, ("", 0.0))[1]:
            best[pk] = (candidate, score)
    ranked = sorted(best.items(), key=lambda item: (-item[1][1], item[0]))
    return [(pk, spelling, score) for pk, (spelling, score) in ranked[: limit * 3]]


def similar_records(record: models.Model, *, limit: int = 5) -> list[Similar]:
    """The existing people or organizations whose names (any variant) are closest to `record`'s."""
    if isinstance(record, Person):
        model, variant_model, fk = Person, PersonName, "person"
    else:
        model, variant_model, fk = Organization, OrganizationName, "organization"
    entries = _names_of(model, variant_model, fk, record.pk)
    own = [record.name, *record.variants.values_list("name", flat=True)]
    best: dict[int, tuple[str, float]] = {}
    for name in own:
        for pk, spelling, score in _candidates(entries, name, limit, person=model is Person):
            if pk != record.pk and score > best.get(pk, ("", 0.0))[1]:
                best[pk] = (spelling, score)
    ranked = sorted(best.items(), key=lambda item: (-item[1][1], item[0]))[:limit]
    records = model._default_manager.in_bulk([pk for pk, _ in ranked])
    return [
        Similar(records[pk], spelling, round(score, 2))
        for pk, (spelling, score) in ranked
        if pk in records
    ]
