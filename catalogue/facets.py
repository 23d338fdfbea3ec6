"""Facets of the search page: counts that ignore their own selection, as plain links.

Each facet costs one GROUP BY query over the results filtered by every other
facet (so picking "ru" still shows how many "en" documents there are), limited
to the top values plus the selected ones: the number of queries depends on
neither the number of results nor the number of values. On PostgreSQL the facets
of the documents' own columns share one GROUPING SETS query (`column_counts`), and
the counts are kept until the catalogue changes (`cached_counts`). Links add or
remove one `key=value` pair, as datasette's facets do, so everything works without JS.
"""

from __future__ import annotations

import functools
import hashlib
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.cache import cache
from django.db import connections
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractYear
from django.http import QueryDict

from catalogue.budget import Attempt, statement_budget
from catalogue.filters import DocumentFilter
from catalogue.models import ArchivalReference, DocumentOrganization, DocumentPerson
from catalogue.pagination import planned_rows
from catalogue.search import AnyId, IdArray, links_of
from people.models import OrganizationName, PersonName, search_key

TOP = 10
# Keys a facet link keeps from the current query string; `page` is dropped because
# the results change under it.
KEPT_KEYS = (
    "q",
    "language",
    "repository",
    "type",
    "classification",
    "person",
    "organization",
    "date_from",
    "date_to",
    "sort",
)


def language_name(code: str) -> str:
    info = LANG_INFO.get(code)
    return info["name"] if info else code


def query_string(params: QueryDict, *, add=(), remove=(), drop=()) -> str:
    """`params` with (key, value) pairs added or removed, `drop` keys gone, no `page`."""
    pairs = [
        (key, value)
        for key in KEPT_KEYS
        if key not in drop
        for value in params.getlist(key)
        if value != "" and (key, value) not in remove
    ]
    pairs += [pair for pair in add if pair not in pairs]
    return "?" + urlencode(pairs) if pairs else "?"


@dataclass
class FacetValue:
    value: str
    label: str
    count: int | None  # None: the facet was left out, its counts unknown
    selected: bool
    url: str  # toggles the value


@dataclass
class Facet:
    name: str
    label: str
    values: list[FacetValue] = field(default_factory=list)
    has_more: bool = False
    filterable: bool = False  # person and organization: a filter box, never a <select>
    left_out: bool = False  # its counts took longer than the budget
    # Its counts are estimates from a sample: (documents counted, results they stand for).
    estimated: tuple[int, int] | None = None

    @property
    def selected(self) -> list[FacetValue]:
        return [v for v in self.values if v.selected]


@dataclass(frozen=True)
class FacetSpec:
    name: str
    label: str
    # Rows of (value, label, count) for documents in `base`: one GROUP BY query.
    rows: Callable[[QuerySet], QuerySet]
    value_field: str
    coerce: Callable = str
    filterable: bool = False
    # Narrow the rows to labels containing the text typed in the facet's filter box.
    search: Callable[[QuerySet, str], QuerySet] | None = None


def _document_field(column: str) -> Callable[[QuerySet], QuerySet]:
    def rows(base: QuerySet) -> QuerySet:
        return (
            base.exclude(**{column: ""})
            .order_by()
            .values(value=F(column))
            .annotate(count=Count("pk"), label=F(column))
        )

    return rows


def _documents(base: QuerySet) -> QuerySet | IdArray:
    """`base`'s documents for `links_of`: the search's ids themselves when `base` is
    nothing but them (`hit_ids`, see DocumentFilter.filtered), else its ids' subquery."""
    ids = getattr(base, "hit_ids", None)
    return ids if ids is not None else base.values("pk")


def _repository_rows(base: QuerySet) -> QuerySet:
    return (
        links_of(ArchivalReference, _documents(base))
        .filter(repository__isnull=False)
        .order_by()
        .values(value=F("repository__code"))
        .annotate(label=F("repository__name"), count=Count("document", distinct=True))
    )


def _person_rows(base: QuerySet) -> QuerySet:
    return (
        links_of(DocumentPerson, _documents(base))
        .order_by()
        .values(value=F("person_id"))
        .annotate(label=F("person__name"), count=Count("document", distinct=True))
    )


def _organization_rows(base: QuerySet) -> QuerySet:
    return (
        links_of(DocumentOrganization, _documents(base))
        .order_by()
        .values(value=F("organization_id"))
        .annotate(label=F("organization__name"), count=Count("document", distinct=True))
    )


def _search_people(rows: QuerySet, text: str) -> QuerySet:
    """The box finds a name by any part of any spelling, accents or none ("Gero": Gerő)."""
    key = search_key(text)
    variants = PersonName.objects.filter(person=OuterRef("person_id"), search_key__contains=key)
    return rows.filter(Q(person__search_key__contains=key) | Exists(variants))


def _search_organizations(rows: QuerySet, text: str) -> QuerySet:
    """As `_search_people`, and by abbreviation."""
    key = search_key(text)
    variants = OrganizationName.objects.filter(
        organization=OuterRef("organization_id"), search_key__contains=key
    )
    return rows.filter(
        Q(organization__search_key__contains=key)
        | Q(organization__abbreviation__icontains=text)
        | Exists(variants)
    )


def _search_languages(rows: QuerySet, text: str) -> QuerySet:
    # The page shows "Russian", not "ru": the box finds a language by the name shown.
    wanted = text.casefold()
    named = [code for code, info in LANG_INFO.items() if wanted in info.get("name", "").casefold()]
    return rows.filter(Q(language__iexact=text) | Q(language__in=named))


def _search_repositories(rows: QuerySet, text: str) -> QuerySet:
    # "APRF — Archive of the President…": by the code or by the name.
    return rows.filter(Q(repository__code__icontains=text) | Q(repository__name__icontains=text))


FACETS: dict[str, FacetSpec] = {
    spec.name: spec
    for spec in (
        FacetSpec(
            "language",
            "Original language",
            _document_field("language"),
            "language",
            search=_search_languages,
        ),
        FacetSpec(
            "repository",
            "Archive",
            _repository_rows,
            "repository__code",
            search=_search_repositories,
        ),
        FacetSpec("type", "Document type", _document_field("document_type"), "document_type"),
        FacetSpec(
            "classification",
            "Classification",
            _document_field("classification"),
            "classification",
        ),
        FacetSpec(
            "person",
            "Person",
            _person_rows,
            "person_id",
            coerce=int,
            filterable=True,
            search=_search_people,
        ),
        FacetSpec(
            "organization",
            "Organization",
            _organization_rows,
            "organization_id",
            coerce=int,
            filterable=True,
            search=_search_organizations,
        ),
    )
}


def _label(spec: FacetSpec, row: dict) -> str:
    if spec.name == "language":
        return language_name(row["value"])
    if spec.name == "repository":
        return f"{row['value']} — {row['label']}" if row["label"] else row["value"]
    return row["label"] or str(row["value"])


def _labels(spec: FacetSpec, values: list) -> list[tuple]:
    from catalogue.models import Repository
    from people.models import Organization, Person

    models = {
        "person": (Person, "pk", "name"),
        "organization": (Organization, "pk", "name"),
        "repository": (Repository, "code", "name"),
    }
    if spec.name not in models:
        return [(v, v) for v in values]
    model, key, label = models[spec.name]
    found = dict(model.objects.filter(**{f"{key}__in": values}).values_list(key, label))
    # A selected id that names nothing (deleted, or mistyped) keeps a chip, so that it
    # can be removed: left out, it hid why the search found nothing.
    return [(v, found.get(v, f"{v} (not in the catalogue)")) for v in values]


def _values(spec: FacetSpec, rows, selected: list, params: QueryDict) -> list[FacetValue]:
    values = []
    for row in rows:
        value = str(row["value"])
        is_selected = spec.coerce(row["value"]) in selected
        pair = (spec.name, value)
        url = (
            query_string(params, remove=[pair]) if is_selected else query_string(params, add=[pair])
        )
        values.append(FacetValue(value, _label(spec, row), row["count"], is_selected, url))
    return values


def _ordered(rows: QuerySet, spec: FacetSpec, selected: list) -> QuerySet:
    # Selected values first, so that the LIMIT never hides one; then by count.
    first = Case(
        When(**{f"{spec.value_field}__in": selected}, then=Value(0)),
        default=Value(1),
        output_field=IntegerField(),
    )
    return rows.annotate(first=first).order_by("first", "-count", "label", "value")


def facet_rows(
    spec: FacetSpec, filterset: DocumentFilter, limit: int = TOP, attempt: Attempt | None = None
) -> list[dict] | None:
    """Rows (value, label, count) of the top `limit` values and every selected one, most
    first (one query), or None when it ran past `attempt`'s budget."""
    selected = filterset.selected(spec.name)
    rows = _ordered(spec.rows(filterset.filtered(exclude=spec.name)), spec, selected)
    fetch = lambda: list(rows[: limit + len(selected) + 1])  # noqa: E731
    return attempt(fetch) if attempt is not None else fetch()


def _facet_of_rows(
    spec: FacetSpec,
    fetched: list[dict] | None,
    selected: list,
    params: QueryDict,
    limit: int,
    estimated: tuple[int, int] | None = None,
) -> Facet:
    """The facet of its rows (selected values first, then by count), or left out (None)."""
    if fetched is None:
        # Too slow: left out, but its selected values stay listed so they can be removed.
        chosen = [
            {"value": v, "label": label, "count": None} for v, label in _labels(spec, selected)
        ]
        return Facet(
            spec.name, spec.label, _values(spec, chosen, selected, params),
            filterable=spec.filterable, left_out=True,
        )  # fmt: skip
    chosen = [r for r in fetched if spec.coerce(r["value"]) in selected]
    missing = [v for v in selected if v not in {spec.coerce(r["value"]) for r in chosen}]
    if missing:
        # Selected, but no document left once the other facets apply: still shown
        # (with 0, or no count when absent from a sample only) so that it can be removed.
        none = None if estimated else 0
        chosen += [
            {"value": v, "label": label, "count": none} for v, label in _labels(spec, missing)
        ]
    others = [r for r in fetched if spec.coerce(r["value"]) not in selected]
    return Facet(
        spec.name,
        spec.label,
        _values(spec, chosen + others[:limit], selected, params),
        has_more=len(others) > limit,
        filterable=spec.filterable,
        estimated=estimated,
    )


# Counts of every facet ({name: rows, or None when left out}) and of the histogram
# ("date": {year: count}, or None), and when they are estimates, "sample": (documents
# counted, results they stand for): what all_facets keeps in the cache.
Counts = dict[str, object]


def all_facets(
    filterset: DocumentFilter, params: QueryDict
) -> tuple[list[Facet], list[YearBar] | None]:
    """The facets and the year histogram, their counts from the cache when they can be."""
    counts = cached_counts(filterset, params)
    estimated = counts.get("sample")
    facets = [
        _facet_of_rows(
            spec, counts[spec.name], filterset.selected(spec.name), params, TOP, estimated
        )
        for spec in FACETS.values()
    ]
    if counts["date"] is None:
        return facets, None
    selection = (filterset.cleaned.get("date_from"), filterset.cleaned.get("date_to"))
    return facets, _year_bars(counts["date"], params, selection)


def cached_counts(filterset: DocumentFilter, params: QueryDict) -> Counts:
    """`counted(filterset)`, kept in the cache while the catalogue does not change.

    Counts change neither from one page of results to the next, nor with the sort
    order, nor between two readers asking the same thing; they change when the
    catalogue does. So, for settings.FACET_CACHE_SECONDS at most (0: never), each
    process keeps them under a key made of the selection and, where the database tells
    one (`catalogue_version`, PostgreSQL), a stamp of its last write: any write makes
    the next request count afresh. Without a stamp (SQLite) nothing is kept, since
    nothing would tell when the counts went stale. A facet left out is kept left
    out: with the same data it would run past its budget again.
    """
    using = filterset.queryset.db
    version = counts_version(using)
    if version is None:
        return counted(filterset)
    selection = query_string(params, drop=("sort",))
    key = f"facet-counts:{using}:{version}:{hashlib.sha256(selection.encode()).hexdigest()}"
    found = cache.get(key)
    if found is None:
        found = counted(filterset, version)
        cache.set(key, found, settings.FACET_CACHE_SECONDS)
    return found


def counts_version(using: str) -> str | None:
    """The stamp counts are kept under (`catalogue_version`), or None when they are not
    kept: FACET_CACHE_SECONDS is 0, or the database tells no stamp."""
    return catalogue_version(using) if settings.FACET_CACHE_SECONDS else None


def catalogue_version(using: str) -> str | None:
    """A stamp that changes whenever a row the search page reads is written, or None.

    PostgreSQL counts the rows inserted, updated and deleted in each table (cumulative
    statistics, which a session publishes within about a second of its commit): their
    sum over the catalogue's tables, plus this transaction's own writes, is such a
    stamp, unmoved by other databases of the same server. A replica keeps no such
    counts of what it replays: there the stamp is the position in the write-ahead log
    replayed so far, which any write on the primary moves on. Other databases: None.

    The counts start again from zero when they are reset (`pg_stat_reset()` and its
    kin) and when the server restarts after a crash: a sum could then come back to a
    value it had before, and pages kept under it would be taken for fresh. So the
    stamp also holds the time the database's counts were last reset and the time the
    server started, which move on at each of those.
    """
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL, [list(_catalogue_tables())])
        return cursor.fetchone()[0]


_CHANGE_COUNTERS = " + ".join(
    f"pg_stat_get{scope}_tuples_{change}(t)"
    for scope in ("", "_xact")
    for change in ("inserted", "updated", "deleted")
)
_VERSION_SQL = (
    "SELECT concat_ws(':', extract(epoch FROM pg_postmaster_start_time()),"
    " CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text"
    " ELSE concat_ws(':', extract(epoch FROM pg_stat_get_db_stat_reset_time("
    "(SELECT oid FROM pg_database WHERE datname = current_database()))),"
    f" (SELECT sum({_CHANGE_COUNTERS}) FROM unnest(%s::regclass[]) AS t)) END)"
)


@functools.cache
def _catalogue_tables() -> tuple[str, ...]:
    """The (quoted) tables whose rows decide what a search finds and how its facets count."""
    from catalogue.models import Document, Repository, Translation
    from people.models import Organization, Person

    models = (
        Document,
        Translation,
        ArchivalReference,
        Repository,
        DocumentPerson,
        DocumentOrganization,
        Person,
        PersonName,
        Organization,
        OrganizationName,
    )
    return tuple(f'"{model._meta.db_table}"' for model in models)


def counted(filterset: DocumentFilter, version: str | None = None) -> Counts:
    """Every facet's rows and the histogram's counts, each within the time budget.

    Browsing, and a search that matches most of the collection, take the collection's
    counts (`collection_tallies`, kept until the catalogue changes) — for the search,
    minus those of the few documents it does not match (`counted_by_complement`);
    `version` is the catalogue's (`catalogue_version`), under which they are kept.
    A search too large to list its hits, expected to return more than
    UNCOUNTED_OVER documents, has every facet left out without trying. Otherwise each
    facet is counted over the results:

    A facet that takes longer than settings.FACET_BUDGET_MS, or than what is left of
    settings.FACETS_TOTAL_BUDGET_MS for all of them, is left out (None) instead of
    slowing the page. Those counted together (see `counted_together`) run first, then
    the others in the order of FACETS, then the histogram.
    """
    if filterset.query and filterset.hits == []:
        # The search matched nothing (PostgreSQL lists its hits): every count is zero,
        # whatever else is selected, without asking.
        return {**{name: [] for name in FACETS}, "date": {}}
    by_complement = counted_by_complement(filterset, version) if version else None
    if by_complement is not None:
        return by_complement
    if filterset.query and filterset.hits is None and _beyond_counting(filterset):
        return {**{name: None for name in FACETS}, "date": None}
    if (
        filterset.hits
        and len(filterset.hits) > FACET_SAMPLE
        and filterset.selects_only("q", "sort")
    ):
        return estimated_counts(filterset)
    using = filterset.queryset.db
    with statement_budget(
        using, settings.FACET_BUDGET_MS, settings.FACETS_TOTAL_BUDGET_MS
    ) as attempt:
        together = counted_together(filterset)
        counts: Counts = {}
        if together:
            base = filterset.filtered()
            # One pass does the work of several facets: it gets their budgets together.
            found = attempt(lambda: column_counts(base, together), weight=len(together))
            counts = {name: None if found is None else found[name] for name in together}
        for spec in FACETS.values():
            if spec.name not in counts:
                counts[spec.name] = facet_rows(spec, filterset, attempt=attempt)
        if "date" not in counts:
            documents = filterset.filtered(exclude="date")
            counts["date"] = attempt(lambda: year_counts(documents))
        return counts


# A search with more hits than HIT_LIST_MAX has no list of them: each facet query runs
# its full-text match again. Expected to return more than this many documents, none
# would finish within its budget (a million documents, two cores: a common word's
# language counts alone take seconds), so none is tried: all are left out at once,
# instead of after FACETS_TOTAL_BUDGET_MS spent on the first.
UNCOUNTED_OVER = 100_000


# A search (`q` alone) listing more hits than this has its facets counted over a sample
# of about this many of them, and the counts scaled up: the page calls them estimates.
# At a million documents a name's search has tens of thousands of hits, whose person
# facet alone reads hundreds of thousands of links (seconds); over 5,000 hits each facet
# takes tens of milliseconds, and a value in 2 % of the results is counted within about
# 20 %. Narrowed by a facet, the search is counted exactly (within the time budget): a
# sample of its hits might hold too few of the narrowed results to tell anything.
FACET_SAMPLE = 5_000


def estimated_counts(filterset: DocumentFilter) -> Counts:
    """`counted` over a sample of about FACET_SAMPLE of the search's hits (every k-th
    by id), each count scaled by hits ÷ sample and rounded to two significant digits."""
    sample = filterset.sampled(FACET_SAMPLE)
    found = counted(sample)
    scale = len(filterset.hits) / len(sample.hits)
    estimates: Counts = {"sample": (len(sample.hits), len(filterset.hits))}
    for name in FACETS:
        rows = found[name]
        estimates[name] = (
            None
            if rows is None
            else [{**row, "count": _about(row["count"] * scale)} for row in rows]
        )
    years = found["date"]
    estimates["date"] = (
        None if years is None else {year: _about(n * scale) for year, n in years.items()}
    )
    return estimates


def _about(estimate: float) -> int:
    """`estimate` to two significant digits (12,345 → 12,000): no false precision."""
    rounded = round(estimate)
    digits = len(str(rounded))
    return round(rounded, -(digits - 2)) if digits > 2 else rounded


def _beyond_counting(filterset: DocumentFilter) -> bool:
    return (planned_rows(filterset.filtered()) or 0) > UNCOUNTED_OVER


# Facets of the documents' own columns (their FacetSpec.value_field), which can be
# counted together.
COLUMN_FACETS = ("language", "type", "classification")


# A search matching more than this share of the collection has its facets counted as the
# collection's counts minus those of the documents it does not match.
COMPLEMENT_SHARE = 0.5
# Counting the whole collection (every value of every facet) may take longer than a
# page's facets are allowed: done once per change of the catalogue, it serves browsing
# and every common word until then. About 9 s at a million documents (15 s at 365,000
# while an import ran); kept under gunicorn's 30-s worker timeout. With CACHE_DIR one
# process counts them for all.
TALLY_BUDGET_MS = 25_000
# The tallies are kept under the catalogue's version, which any write changes: they
# cannot go stale, so they are kept a day rather than FACET_CACHE_SECONDS. Kept ten
# minutes, one reader in every ten minutes waited for their recount (1.3 s at 100,000
# documents in the benchmark, ~9 s at a million).
TALLIES_KEPT_SECONDS = 86_400


def counted_by_complement(filterset: DocumentFilter, version: str) -> Counts | None:
    """`complement_counts` cut to the values a page shows (`_top`), or None."""
    complete = complement_counts(filterset, version)
    return None if complete is None else _top(complete)


def complement_counts(filterset: DocumentFilter, version: str) -> Counts | None:
    """The counts of browsing (no selection), or of a search (`q` alone) matching more
    than COMPLEMENT_SHARE of the collection, from the collection's tallies; else None.
    Every value of every facet (`complete_counts`).

    A common word's results are nearly the whole collection: counting them reads
    nearly every link row (at 100,000 documents, over a second for the person,
    organization and archive facets). The collection's own counts, kept until the
    catalogue changes, less the counts of the few documents the word is missing from
    (some 20 ms), are the same numbers. Only where counts are cached
    (PostgreSQL, FACET_CACHE_SECONDS > 0): without the cache the tallies would be
    counted on every request; `version` is the catalogue's, under which they are kept.
    """
    if not filterset.selects_only("q", "sort"):
        return None
    if filterset.query and not filterset.hits:  # None: too many to list; or none at all
        return None
    using = filterset.queryset.db
    # A word in few documents: its own counts cost less than the collection's would.
    # (Counting the collection's documents, when its tallies are not at hand, ~10 ms.)
    tallies = collection_tallies(filterset.queryset, version, count=False)
    if filterset.query:
        total = tallies["total"] if tallies is not None else filterset.queryset.count()
        if len(filterset.hits) <= COMPLEMENT_SHARE * total:
            return None
    tallies = tallies or collection_tallies(filterset.queryset, version)
    if tallies is None:
        return None
    if not filterset.query:
        return tallies
    hits = set(filterset.hits)
    unmatched = IdArray.of(pk for pk in _ids(tallies) if pk not in hits)
    with statement_budget(
        using, settings.FACET_BUDGET_MS, settings.FACETS_TOTAL_BUDGET_MS
    ) as attempt:
        missing = attempt(
            lambda: complete_counts(filterset.queryset.filter(AnyId(unmatched))),
            weight=len(FACETS) + 1,
        )
    if missing is None:
        return None
    return _subtracted(tallies, missing)


def collection_tallies(documents: QuerySet, version: str, *, count: bool = True) -> Counts | None:
    """`complete_counts` of `documents` (the collection: no filter), kept in the cache
    under the catalogue's `version`; None when they took longer than TALLY_BUDGET_MS,
    or (`count=False`) are not in the cache."""
    key = f"facet-tallies:{documents.db}:{version}"
    found = cache.get(key)
    if found is None and count:
        with statement_budget(documents.db, TALLY_BUDGET_MS) as attempt:
            found = attempt(lambda: complete_counts(documents))
        if found is None:
            return None
        # The collection's ids, from which a search's leave those it does not match: in
        # Python ~10 ms for 100,000, against ~80 ms for the database to take them apart.
        found["ids"] = array("q", documents.order_by("pk").values_list("pk", flat=True)).tobytes()
        cache.set(key, found, TALLIES_KEPT_SECONDS)
    return found


def complete_counts(documents: QuerySet) -> Counts:
    """Every value of every facet with its count ({name: rows}), the histogram ("date":
    {year: count}) and the number of documents ("total") — PostgreSQL."""
    counts = column_counts(documents, [*COLUMN_FACETS, "date"])
    for spec in FACETS.values():
        if spec.name not in counts:
            # In the database's order of labels, which `_top` keeps among equal counts.
            counts[spec.name] = list(spec.rows(documents).order_by("label", "value"))
    counts["total"] = documents.order_by().count()
    return counts


def _ids(tallies: Counts) -> array:
    ids = array("q")
    ids.frombytes(tallies["ids"])
    return ids


def _subtracted(tallies: Counts, missing: Counts) -> Counts:
    """The tallies less `missing` (counts of some of the same documents), value by value."""
    result: Counts = {"total": tallies["total"] - missing["total"]}
    years = missing["date"]
    result["date"] = {
        year: count - years.get(year, 0)
        for year, count in tallies["date"].items()
        if count > years.get(year, 0)
    }
    for name in FACETS:
        less = {row["value"]: row["count"] for row in missing[name]}
        result[name] = [
            {**row, "count": row["count"] - less.get(row["value"], 0)}
            for row in tallies[name]
            if row["count"] > less.get(row["value"], 0)
        ]
    return result


def _top(counts: Counts) -> Counts:
    """Complete counts cut to what `counted` gives: the column facets whole, the others'
    first TOP + 1 values (most first, then by label, as their queries order them)."""
    top: Counts = {"date": counts["date"]}
    for name in FACETS:
        rows = _most_first(name, counts[name])
        top[name] = rows if name in COLUMN_FACETS else rows[: TOP + 1]
    return top


def _most_first(name: str, rows: list[dict]) -> list[dict]:
    """A facet's complete rows, most first, as its own query orders them."""
    if name in COLUMN_FACETS:
        return sorted(rows, key=lambda row: (-row["count"], str(row["value"])))
    # Stable: rows with the same count keep the database's order of labels
    # (`complete_counts`), as the facet's own query orders them.
    return sorted(rows, key=lambda row: -row["count"])


def counted_together(filterset: DocumentFilter) -> list[str]:
    """The facets (and "date", the histogram) that one GROUPING SETS query can count.

    On PostgreSQL, the column facets and the histogram without a selection of their own
    all count the same documents — the results — so one pass over them serves every
    one: at 100,000 documents a common word's results are read once instead of four
    times. A facet with a selection counts other documents and keeps its own query.
    SQLite has no GROUPING SETS: each facet has its query there.
    """
    if connections[filterset.queryset.db].vendor != "postgresql":
        return []
    names = [name for name in COLUMN_FACETS if not filterset.selected(name)]
    if not any(filterset.selected(key) for key in DocumentFilter.FACET_KEYS["date"]):
        names.append("date")
    return names if len(names) > 1 else []


def column_counts(documents: QuerySet, names: list[str]) -> Counts:
    """{facet: rows of value, label, count, most first} for these column facets and
    {"date": {year: count}}, counted in one GROUPING SETS query."""
    connection = connections[documents.db]
    columns = {name: FACETS[name].value_field for name in names if name != "date"}
    quote = connection.ops.quote_name
    fields = [*columns.values(), *(["date"] if "date" in names else [])]
    inner, params = documents.order_by().values(*fields).query.sql_with_params()
    keys = {name: quote(column) for name, column in columns.items()}
    if "date" in names:
        keys["date"] = "year"
    selected = ", ".join(
        [quote(column) for column in columns.values()]
        + (["EXTRACT(YEAR FROM date)::integer AS year"] if "date" in names else [])
    )
    sql = (
        f"SELECT {', '.join(keys.values())}, count(*), "
        f"{', '.join(f'GROUPING({key})' for key in keys.values())} "
        f"FROM (SELECT {selected} FROM ({inner}) AS results) AS results "
        f"GROUP BY GROUPING SETS ({', '.join(f'({key})' for key in keys.values())})"
    )
    found: dict[str, list[dict]] = {name: [] for name in keys}
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            values, count, grouped = row[: len(keys)], row[len(keys)], row[len(keys) + 1 :]
            # The row of the set whose GROUPING() is 0; blank values are not facet values.
            name, value = next(
                (name, value)
                for name, value, flag in zip(keys, values, grouped, strict=True)
                if not flag
            )
            if value not in ("", None):
                found[name].append({"value": value, "label": value, "count": count})
    for rows in found.values():
        rows.sort(key=lambda row: (-row["count"], str(row["value"])))
    if "date" in found:
        found["date"] = {row["value"]: row["count"] for row in found["date"]}
    return found


# The page of every value of one facet counts them all over the search's results: at a
# million documents browsing's people took 6–9 s, a common word's 11–21 s. Browsing and
# common words take them from the collection's tallies (`complement_counts`); any other
# search's are counted within this budget (each of its two statements), or the page
# says there are too many to count and asks for a narrower search or a filter.
FACET_PAGE_BUDGET_MS = 1_000


def facet_page(
    spec: FacetSpec,
    filterset: DocumentFilter,
    params: QueryDict,
    *,
    text: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[Facet, int] | None:
    """Every value of one facet, `limit` at a time, optionally those matching `text`;
    None when they could not be counted within FACET_PAGE_BUDGET_MS."""
    selected = filterset.selected(spec.name)
    complete = None if text else _complete_rows(spec, filterset)
    if complete is not None:
        total, page = len(complete), complete[offset : offset + limit]
    else:
        rows = spec.rows(filterset.filtered(exclude=spec.name))
        if text and spec.search is not None:
            rows = spec.search(rows, text)
        elif text:
            rows = rows.filter(**{f"{spec.value_field}__icontains": text})
        ordered = _ordered(rows, spec, [])[offset : offset + limit]
        with statement_budget(filterset.queryset.db, FACET_PAGE_BUDGET_MS) as attempt:
            found = attempt(lambda: (rows.count(), list(ordered)))
        if found is None:
            return None
        total, page = found
    return (
        Facet(spec.name, spec.label, _values(spec, page, selected, params), offset + limit < total),
        total,
    )


def _complete_rows(spec: FacetSpec, filterset: DocumentFilter) -> list[dict] | None:
    """Every value of the facet with its count, most first, from the collection's
    tallies where they serve (browsing, a common word: `complement_counts`); else None."""
    # Not kept, the tallies would be counted on every request.
    version = counts_version(filterset.queryset.db)
    complete = complement_counts(filterset, version) if version else None
    return None if complete is None else _most_first(spec.name, complete[spec.name])


@dataclass
class YearBar:
    year: int
    count: int
    percent: int
    url: str
    selected: bool


def year_histogram(
    documents: QuerySet, params: QueryDict | None = None, selection=(None, None)
) -> list[YearBar]:
    """Documents per year (one query), every year between the first and last shown."""
    return _year_bars(year_counts(documents), params, selection)


def year_counts(documents: QuerySet) -> dict[int, int]:
    rows = (
        documents.exclude(date=None)
        .order_by()
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("year")
    )
    return {row["year"]: row["count"] for row in rows}


def _year_bars(counts: dict[int, int], params: QueryDict | None, selection) -> list[YearBar]:
    if not counts:
        return []
    first, last = min(counts), max(counts)
    # Over two centuries the chart would be unreadable: only years that have documents.
    years = sorted(counts) if last - first > 200 else range(first, last + 1)
    top = max(counts.values())
    start, end = selection
    bars = []
    for year in years:
        count = counts.get(year, 0)
        url = ""
        if params is not None:
            url = query_string(
                params,
                drop=("date_from", "date_to"),
                add=[("date_from", str(year)), ("date_to", str(year))],
            )
        selected = bool(start or end) and (
            (start is None or year >= start.first.year) and (end is None or year <= end.last.year)
        )
        bars.append(YearBar(year, count, round(100 * count / top), url, selected))
    return bars
