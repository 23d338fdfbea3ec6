"""The search page's query string, validated: `q`, the facets, dates and `sort`.

`?person=7&person=9&language=ru&date_from=1950-10`: several values of one
facet combine with OR, different facets with AND. Facets ask for the results
with every filter but their own (`filtered(exclude=…)`), so that their counts
ignore their own selection.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from functools import cached_property

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.db.models.functions import Lower

from catalogue.models import (
    ArchivalReference,
    DatePrecision,
    Document,
    DocumentOrganization,
    DocumentPerson,
)
from catalogue.search import (
    HIT_LIST_MAX,
    RANK_MAX,
    AnyId,
    IdArray,
    NameMatches,
    expected_text_matches,
    matching_ids,
    matching_names,
    search_documents,
)

SORTS = {
    # key: (label, ordering); relevance needs `q` (without it, date order).
    "relevance": ("Relevance", ("-rank", "date", "id")),
    "date": ("Date, oldest first", (F("date").asc(nulls_last=True), "id")),
    "-date": ("Date, newest first", (F("date").desc(nulls_last=True), "-id")),
    "title": ("Title", (Lower("title"), "id")),  # document_title_lower_idx
}
MAX_VALUES = 50


class MultipleValueField(forms.Field):
    """Every value of a repeated query-string key, checked one by one."""

    widget = forms.MultipleHiddenInput

    # A stored value is matched by equality, so any text without control characters
    # is safe to look up; a narrower set refused values the catalogue holds (a type
    # "Note verbale — draft", a classification "Secret; eyes only") and their facet
    # links led to "not a valid value" and the whole collection.
    def __init__(self, *, pattern: str = r"^[^\x00-\x1f\x7f]{1,200}$", coerce=str, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.pattern = re.compile(pattern)
        self.coerce = coerce

    def to_python(self, value) -> list:
        if value in (None, "", []):
            return []
        values = value if isinstance(value, list | tuple) else [value]
        cleaned = []
        for item in values:
            item = str(item).strip()
            if not item:
                continue
            if not self.pattern.match(item):
                raise ValidationError(f"“{item[:40]}” is not a valid value.", code="invalid")
            coerced = self.coerce(item)
            if coerced not in cleaned:
                cleaned.append(coerced)
        if len(cleaned) > MAX_VALUES:
            raise ValidationError(f"At most {MAX_VALUES} values.", code="too_many")
        return cleaned


class MultipleValueFilter(django_filters.Filter):
    field_class = MultipleValueField

    def filter(self, qs, value):
        if not value:
            return qs
        if self.method is not None:
            return self.method(qs, self.field_name, value)
        return qs.filter(**{f"{self.field_name}__in": value})


@dataclass(frozen=True)
class PartialDate:
    """A date written as YYYY, YYYY-MM or YYYY-MM-DD: the first and last day it covers."""

    text: str
    first: datetime.date
    last: datetime.date
    precision: str


def parse_partial_date(text: str) -> PartialDate:
    match = re.fullmatch(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?", text.strip())
    if not match:
        raise ValidationError("Write a date as YYYY, YYYY-MM or YYYY-MM-DD.", code="invalid")
    year, month, day = (int(part) if part else None for part in match.groups())
    try:
        if month is None:
            return PartialDate(
                text, datetime.date(year, 1, 1), datetime.date(year, 12, 31), DatePrecision.YEAR
            )
        if day is None:
            last = calendar.monthrange(year, month)[1]
            return PartialDate(
                text,
                datetime.date(year, month, 1),
                datetime.date(year, month, last),
                DatePrecision.MONTH,
            )
        exact = datetime.date(year, month, day)
    except ValueError as exc:
        raise ValidationError("That date does not exist.", code="invalid") from exc
    return PartialDate(text, exact, exact, DatePrecision.DAY)


class PartialDateField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return parse_partial_date(value) if value else None


class PartialDateFilter(django_filters.Filter):
    field_class = PartialDateField

    def filter(self, qs, value):
        if value is None:
            return qs
        return self.method(qs, self.field_name, value)


class SortFilter(django_filters.Filter):
    # A plain ChoiceField: an unknown sort key is an error shown to the reader.
    field_class = forms.ChoiceField


class DocumentFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_q", max_length=500, label="Search")
    language = MultipleValueFilter(field_name="language", pattern=r"^[a-z]{2,3}$")
    repository = MultipleValueFilter(method="filter_repository")
    type = MultipleValueFilter(field_name="document_type")
    classification = MultipleValueFilter(field_name="classification")
    person = MultipleValueFilter(method="filter_person", pattern=r"^\d{1,18}$", coerce=int)
    organization = MultipleValueFilter(
        method="filter_organization", pattern=r"^\d{1,18}$", coerce=int
    )
    date_from = PartialDateFilter(method="filter_date_from", label="From")
    date_to = PartialDateFilter(method="filter_date_to", label="To")
    sort = SortFilter(
        choices=[(key, label) for key, (label, _) in SORTS.items()],
        method="filter_nothing",
        required=False,
        label="Sort by",
    )

    # Facet name → the query-string keys its selection uses.
    FACET_KEYS = {"date": ("date_from", "date_to")}

    def filter_nothing(self, qs, name, value):
        return qs  # Ordering is applied by results(), after all filters.

    def filter_q(self, qs, name, value):
        if not value.strip():
            return qs
        if self.hits is not None:
            return qs.filter(AnyId(self.hit_array))
        return search_documents(qs, value, self.names, rank=False)

    @cached_property
    def hits(self) -> list[int] | None:
        """The search's document ids when there are few (PostgreSQL, one query), else None.

        The page, the count and every facet then filter on the ids instead of each
        running the full-text match again.
        """
        if connection.vendor != "postgresql" or not self.query:
            return None
        # A word in most of a million documents: fetching 100,001 of its ids to learn
        # that there are too many would cost a third of a second (its whole index
        # bitmap is built first). The estimate costs a millisecond, and only counts the
        # text's matches: the people the query names can only add to them.
        if (expected_text_matches(self.queryset, self.query) or 0) > HIT_LIST_MAX:
            return None
        listed = matching_ids(self.queryset, self.query, self.names, HIT_LIST_MAX + 1)
        ids = listed.ids()
        if len(ids) > HIT_LIST_MAX:
            return None
        self.__dict__["hit_array"] = listed  # the same ids, already written as an array
        return ids

    def sampled(self, size: int) -> DocumentFilter:
        """This search with every k-th of its hits by id, about `size` of them (k chosen
        for that): facets counted over it estimate those of the whole."""
        sample = type(self)(self.data, queryset=self.queryset, request=self.request)
        ids = sorted(self.hits or [])
        sample.__dict__["hits"] = ids[:: max(1, -(-len(ids) // size))]
        sample.__dict__["names"] = self.names
        return sample

    @cached_property
    def hit_array(self) -> IdArray:
        """`hits` as one array literal, written once for every query of the request."""
        return IdArray.of(self.hits or [])

    def filter_repository(self, qs, name, value):
        refs = ArchivalReference.objects.filter(repository__code__in=value)
        return qs.filter(pk__in=refs.values("document_id"))

    def filter_person(self, qs, name, value):
        return qs.filter(pk__in=DocumentPerson.objects.filter(person__in=value).values("document"))

    def filter_organization(self, qs, name, value):
        links = DocumentOrganization.objects.filter(organization__in=value)
        return qs.filter(pk__in=links.values("document"))

    def filter_date_from(self, qs, name, value: PartialDate):
        # A document whose period ends on or after the start: "1950" (a year) is in
        # date_from=1950-06 too, as is "October 1950" in date_from=1950-10-25.
        start = value.first
        return qs.filter(
            Q(date__gte=start)
            | Q(date_precision=DatePrecision.MONTH, date__gte=start.replace(day=1))
            | Q(date_precision=DatePrecision.YEAR, date__gte=start.replace(month=1, day=1))
        )

    def filter_date_to(self, qs, name, value: PartialDate):
        return qs.filter(date__lte=value.last)

    class Meta:
        model = Document
        fields: list[str] = []

    @cached_property
    def cleaned(self) -> dict:
        """The valid part of the query string; invalid keys are reported and ignored."""
        self.form.is_valid()
        return {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "", [])}

    @property
    def query(self) -> str:
        return (self.cleaned.get("q") or "").strip()

    @cached_property
    def names(self) -> NameMatches:
        """People and organizations that `q` names (two queries, once per request)."""
        return matching_names(self.query) if self.query else NameMatches()

    @property
    def too_many_to_rank(self) -> bool:
        """PostgreSQL: more hits than RANK_MAX, whose ranking would unpack every one's
        stored text (half a second for 75,000): such a search is sorted by date, and the
        page says so."""
        return (
            connection.vendor == "postgresql"
            and bool(self.query)
            and (self.hits is None or len(self.hits) > RANK_MAX)
        )

    @property
    def ordering(self) -> str:
        """The sort key in force: relevance needs a query, and is the default with one."""
        sort = self.cleaned.get("sort")
        if sort in (None, "relevance") and self.query and self.too_many_to_rank:
            return "date"
        if sort == "relevance" and not self.query:
            return "date"
        return sort or ("relevance" if self.query else "date")

    @property
    def exact_count(self) -> int | None:
        """The number of results when the search's ids already tell it (no query needed)."""
        if self.hits is None or not self.selects_only("q", "sort"):
            return None
        return len(self.hits)

    def selects_only(self, *keys: str) -> bool:
        """Whether the query string sets nothing but these keys."""
        return not set(self.cleaned) - set(keys)

    def selected(self, key: str) -> list:
        value = self.cleaned.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]

    def filtered(self, exclude: str | None = None) -> QuerySet:
        """The queryset with every valid filter applied but `exclude`'s (a facet name)."""
        skip = set(self.FACET_KEYS.get(exclude, (exclude,))) if exclude else set()
        applied = {k: v for k, v in self.cleaned.items() if k not in skip and k in self.filters}
        by_ids = "q" in applied and self.hits is not None
        # The hits were found among self.queryset's documents (the published ones): their
        # ids say all it does. Asked again, its condition made the planner read every
        # document's index entry to test it against the ids (26 ms at 100,000 documents
        # for 5,000 ids, where looking them up takes 3).
        qs = self.queryset.model._default_manager.all() if by_ids else self.queryset.all()
        for name, value in applied.items():
            qs = self.filters[name].filter(qs, value)
        if by_ids and set(applied) <= {"q", "sort"}:
            # Nothing but the ids: the facets of linked records look the ids up in their
            # link tables without a join to the documents (search.links_of).
            qs.hit_ids = self.hit_array
        return qs

    def results(self) -> QuerySet:
        qs = self.filtered()
        if self.ordering == "relevance":
            qs = search_documents(qs, self.query, self.names, narrow=False)
        return qs.order_by(*SORTS[self.ordering][1])
