"""Facets of the search page: counts that ignore their own selection, as plain links.

Each facet costs one GROUP BY query over the results filtered by every other
facet (so picking "ru" still shows how many "en" documents there are), limited
to the top values plus the selected ones: the number of queries depends on
neither the number of results nor the number of values. Links add or remove one
`key=value` pair, as datasette's facets do, so everything works without JS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.core.cache import cache
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
from people.models import OrganizationName, PersonName, variant_key

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


def _repository_rows(base: QuerySet) -> QuerySet:
    return (
        ArchivalReference.objects.filter(document__in=base.values("pk"), repository__isnull=False)
        .order_by()
        .values(value=F("repository__code"))
        .annotate(label=F("repository__name"), count=Count("document", distinct=True))
    )


def _person_rows(base: QuerySet) -> QuerySet:
    return (
        DocumentPerson.objects.filter(document__in=base.values("pk"))
        .order_by()
        .values(value=F("person_id"))
        .annotate(label=F("person__name"), count=Count("document", distinct=True))
    )


def _organization_rows(base: QuerySet) -> QuerySet:
    return (
        DocumentOrganization.objects.filter(document__in=base.values("pk"))
        .order_by()
        .values(value=F("organization_id"))
        .annotate(label=F("organization__name"), count=Count("document", distinct=True))
    )


def _search_people(rows: QuerySet, text: str) -> QuerySet:
    variants = PersonName.objects.filter(
        person=OuterRef("person_id"), name_key__contains=variant_key(text)
    )
    return rows.filter(Q(person__name__icontains=text) | Exists(variants))


def _search_organizations(rows: QuerySet, text: str) -> QuerySet:
    variants = OrganizationName.objects.filter(
        organization=OuterRef("organization_id"), name_key__contains=variant_key(text)
    )
    return rows.filter(
        Q(organization__name__icontains=text)
        | Q(organization__abbreviation__icontains=text)
        | Exists(variants)
    )


FACETS: dict[str, FacetSpec] = {
    spec.name: spec
    for spec in (
        FacetSpec("language", "Original language", _document_field("language"), "language"),
        FacetSpec("repository", "Archive", _repository_rows, "repository__code"),
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
    return [(v, found[v]) for v in values if v in found]


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


def facet(
    spec: FacetSpec,
    filterset: DocumentFilter,
    params: QueryDict,
    limit: int = TOP,
    attempt: Attempt | None = None,
) -> Facet:
    """The top `limit` values and every selected one (one query, within `attempt`'s budget)."""
    selected = filterset.selected(spec.name)
    rows = _ordered(spec.rows(filterset.filtered(exclude=spec.name)), spec, selected)
    fetch = lambda: list(rows[: limit + len(selected) + 1])  # noqa: E731
    fetched = attempt(fetch) if attempt is not None else fetch()
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
        # (with 0) so that it can be removed.
        chosen += [{"value": v, "label": label, "count": 0} for v, label in _labels(spec, missing)]
    others = [r for r in fetched if spec.coerce(r["value"]) not in selected]
    return Facet(
        spec.name,
        spec.label,
        _values(spec, chosen + others[:limit], selected, params),
        has_more=len(others) > limit,
        filterable=spec.filterable,
    )


def all_facets(
    filterset: DocumentFilter, params: QueryDict
) -> tuple[list[Facet], list[YearBar] | None]:
    """The facets; those of the whole collection from the cache (see collection_facets)."""
    if settings.COLLECTION_FACETS_SECONDS and filterset.selects_only("sort"):
        return collection_facets(filterset, params)
    return computed_facets(filterset, params)


def collection_facets(
    filterset: DocumentFilter, params: QueryDict
) -> tuple[list[Facet], list[YearBar] | None]:
    """Browse with no query or filter: the same counts for every reader, over every
    document — the costliest facets to count — so each process keeps them for
    settings.COLLECTION_FACETS_SECONDS (a new document shows in them that much later).
    A facet left out is kept left out as long: over the whole collection it would run
    past its budget again on the next request."""
    key = f"collection-facets:{filterset.queryset.db}:{filterset.cleaned.get('sort', '')}"
    found = cache.get(key)
    if found is None:
        found = computed_facets(filterset, params)
        cache.set(key, found, settings.COLLECTION_FACETS_SECONDS)
    return found


def computed_facets(
    filterset: DocumentFilter, params: QueryDict
) -> tuple[list[Facet], list[YearBar] | None]:
    """Every facet and the year histogram, each within the time budget.

    A facet that takes longer than settings.FACET_BUDGET_MS, or than what is left of
    settings.FACETS_TOTAL_BUDGET_MS for all of them, is left out (`left_out`; the
    histogram: None) instead of slowing the page. They run in the order of FACETS.
    """
    with statement_budget(
        filterset.queryset.db, settings.FACET_BUDGET_MS, settings.FACETS_TOTAL_BUDGET_MS
    ) as attempt:
        facets = [facet(spec, filterset, params, attempt=attempt) for spec in FACETS.values()]
        return facets, date_facet(filterset, params, attempt)


def facet_page(
    spec: FacetSpec,
    filterset: DocumentFilter,
    params: QueryDict,
    *,
    text: str = "",
    offset: int = 0,
    limit: int = 100,
) -> tuple[Facet, int]:
    """Every value of one facet, `limit` at a time, optionally those matching `text`."""
    selected = filterset.selected(spec.name)
    rows = spec.rows(filterset.filtered(exclude=spec.name))
    if text and spec.search is not None:
        rows = spec.search(rows, text)
    elif text:
        rows = rows.filter(**{f"{spec.value_field}__icontains": text})
    total = rows.count()
    page = list(_ordered(rows, spec, [])[offset : offset + limit])
    return (
        Facet(spec.name, spec.label, _values(spec, page, selected, params), offset + limit < total),
        total,
    )


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
    rows = (
        documents.exclude(date=None)
        .order_by()
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(count=Count("pk"))
        .order_by("year")
    )
    counts = {row["year"]: row["count"] for row in rows}
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


def date_facet(
    filterset: DocumentFilter, params: QueryDict, attempt: Attempt
) -> list[YearBar] | None:
    """The year histogram of the results, or None when it took longer than the budget."""
    selection = (filterset.cleaned.get("date_from"), filterset.cleaned.get("date_to"))
    documents = filterset.filtered(exclude="date")
    return attempt(lambda: year_histogram(documents, params, selection))
