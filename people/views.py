"""Public pages of the name authority: A–Z lists, people and organizations with their documents."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Mod
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from archive.routers import reads_from_replica
from catalogue.models import Document, DocumentOrganization, DocumentPerson, Status
from catalogue.page_cache import kept_until_the_catalogue_changes
from catalogue.search import IdArray, IdsFirst, links_of
from people.models import (
    Organization,
    OrganizationName,
    OrganizationRedirect,
    Person,
    PersonName,
    PersonRedirect,
    variant_key,
)

PAGE_SIZE = 50
# Word similarity above which a misspelt name still finds its person (PostgreSQL).
TRIGRAM_THRESHOLD = 0.45
PUBLISHED = Q(document_links__document__status=Status.PUBLISHED)


def _name_search(records: QuerySet, variant_model, owner: str, q: str, extra: Q) -> QuerySet:
    """Records whose name or any variant contains `q`; on PostgreSQL also near-misses."""
    key = variant_key(q)
    variants = variant_model.objects.filter(**{owner: OuterRef("pk"), "name_key__contains": key})
    match = Q(name__icontains=q) | Exists(variants) | extra
    if connection.vendor != "postgresql":
        return records.filter(match)
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce, Greatest

    best_variant = (
        variant_model.objects.filter(**{owner: OuterRef("pk")})
        .annotate(similarity=TrigramWordSimilarity(key, "name_key"))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    records = records.annotate(
        similarity=Greatest(TrigramWordSimilarity(q, "name"), Coalesce(Subquery(best_variant), 0.0))
    )
    return records.filter(match | Q(similarity__gte=TRIGRAM_THRESHOLD)).order_by(
        "-similarity", *records.model._meta.ordering
    )


def _letters(records: QuerySet, field: str) -> list[str]:
    initials = {(name or "?")[:1].upper() for name in records.values_list(field, flat=True)}
    return sorted(initials)


def _list(
    request: HttpRequest, records: QuerySet, variant_model, owner, sort_field, extra, template
):
    records = (
        records.annotate(
            document_count=Count("document_links__document", filter=PUBLISHED, distinct=True)
        )
        .filter(document_count__gt=0)
        .order_by(sort_field, "name", "pk")
    )
    q = request.GET.get("q", "").strip()[:100]
    letter = request.GET.get("letter", "").strip()[:1].upper()
    letters = _letters(records, sort_field)
    if q:
        records = _name_search(records, variant_model, owner, q, extra(q))
    elif letter:
        records = records.filter(**{f"{sort_field}__istartswith": letter})
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        template,
        {"page": page, "q": q, "letter": letter, "letters": letters, "count": page.paginator.count},
    )


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def person_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        Person.objects.all(),
        PersonName,
        "person",
        "sort_name",
        lambda q: Q(sort_name__icontains=q),
        "people/person_list.html",
    )


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def organization_list(request: HttpRequest) -> HttpResponse:
    return _list(
        request,
        Organization.objects.all(),
        OrganizationName,
        "organization",
        "name",
        lambda q: Q(abbreviation__iexact=q),
        "people/organization_list.html",
    )


# A person named in 30,000 documents must not cost 30,000 rows: each role lists its
# first documents by date, and the search page (filtered by the person) has them all.
PER_ROLE = 50
# A role with up to this many documents has them sorted by date; beyond, the documents
# are walked in date order (see _first_by_date).
SORTED_MAX = 5_000
# "Often named with" is counted over at most about this many of someone's documents: at
# a million documents, the busiest person's half million would take seconds to join
# to their links. Below it (most people) the counts are exact.
COMPANION_SAMPLE = 1_000


@dataclass
class LinkedDocuments:
    """What a person's or organization's page says of the published documents linked to
    them: how many in all and in each role, the first of each role, and the sample of
    them over which "often named with" is counted."""

    roles: list[tuple[str, int, list]]  # (role label, documents in it, the first PER_ROLE)
    count: int
    # The ids of the documents "often named with" counts over: a subquery, or the
    # sample's ids themselves.
    sample: QuerySet | IdArray
    every: int = 1  # the sample is every `every`-th of them by id (1: all of them)

    @property
    def sample_size(self) -> int:
        return len(self.sample.ids()) if isinstance(self.sample, IdArray) else self.count


def linked_documents(link_model, **owner) -> LinkedDocuments:
    """Five queries whatever the number of documents, each reading the owner's index
    entries (the role is in the index) and the few unpublished documents, never every
    linked document's row: the links per role and in all, the same of the unpublished
    documents (taken from them), and the first rows of every role at once; and a sixth
    for more than COMPANION_SAMPLE documents, the ids of the sample.
    """
    links = link_model.objects.filter(**owner).order_by()
    # A person appears once per role in a document: per role, links are documents.
    unpublished = links.exclude(document__status=Status.PUBLISHED)
    # Counting document ids (not link ids) reads the index alone.
    per_role = Counter(dict(links.values_list("role").annotate(n=Count("document"))))
    per_role.subtract(dict(unpublished.values_list("role").annotate(n=Count("document"))))
    distinct = Count("document", distinct=True)
    count = links.aggregate(n=distinct)["n"] - unpublished.aggregate(n=distinct)["n"]
    roles = [role for role in link_model._meta.get_field("role").choices if per_role[role[0]] > 0]
    first = _first_by_date(link_model, {role: per_role[role] for role, _ in roles}, **owner)
    groups = [(label, per_role[role], first.get(role, [])) for role, label in roles]
    published = links.filter(document__status=Status.PUBLISHED).values("document")
    if count <= COMPANION_SAMPLE:
        return LinkedDocuments(groups, count, published)
    # Every k-th document by id, k chosen for about COMPANION_SAMPLE of them: the
    # owner's index entries are read once (the sample's ids fetched, not re-read by both
    # companion queries: 130 ms each for half a million), only the sample's documents
    # are joined.
    every = -(-count // COMPANION_SAMPLE)
    sample = published.alias(bucket=Mod("document_id", every)).filter(bucket=0)
    ids = IdArray.of(sample.values_list("document_id", flat=True))
    return LinkedDocuments(groups, count, ids, every)


class FirstDocument(NamedTuple):
    """One of a role's first documents, as the page lists it: a row, not a model
    instance: Documents with all but four fields deferred took about 1.5 ms more for
    the 150 rows of a busy person's page."""

    pk: int
    title: str
    slug: str
    date_text: str
    date: datetime.date | None
    role: str

    def get_absolute_url(self) -> str:
        return Document.get_absolute_url(self)  # it reads the pk and slug alone


def _first_by_date(link_model, per_role: dict[str, int], **owner) -> dict[str, list]:
    """{role: its first PER_ROLE published documents by date}, one query (UNION ALL).

    How each role's part finds them depends on how many documents the role has (counted
    already): up to SORTED_MAX, they are listed from the owner's index and sorted; more,
    the documents are walked in date order until PER_ROLE linked ones are found (about
    PER_ROLE × collection ÷ role documents probed). Left to itself, the planner guesses
    a role's size from the person's and the role's frequencies apart, and walked a
    hundred thousand documents for a role with 29.
    """
    parts = []
    for role, count in per_role.items():
        if count <= SORTED_MAX:
            ids = link_model.objects.filter(role=role, **owner).order_by().values("document_id")
            linked = IdsFirst(ids)
        else:
            linked = Exists(link_model.objects.filter(document=OuterRef("pk"), role=role, **owner))
        earliest = Document.objects.filter(linked, status=Status.PUBLISHED).order_by(
            F("date").asc(nulls_last=True), "pk"
        )
        if connection.features.supports_slicing_ordering_in_compound:
            part = earliest[:PER_ROLE]  # the part's own LIMIT: a subquery less to build
        else:  # SQLite allows no LIMIT on a UNION's own parts: inside a subquery, then.
            part = Document.objects.filter(pk__in=earliest.values("pk")[:PER_ROLE]).order_by()
        parts.append(part.annotate(role=Value(role)).values_list(*FirstDocument._fields))
    if not parts:
        return {}
    first: dict[str, list] = {}
    rows = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    undated_last = lambda row: (row.date is None, row.date, row.pk)  # noqa: E731
    for row in sorted(map(FirstDocument._make, rows), key=undated_last):
        first.setdefault(row.role, []).append(row)
    return first


def _companions(link_model, field: str, document_ids, exclude_pk=None, limit: int = 20) -> list:
    """Who is most often named in the same documents (one GROUP BY query)."""
    rows = (
        links_of(link_model, document_ids)
        .exclude(**{f"{field}_id": exclude_pk})
        .order_by()
        .values(f"{field}_id", f"{field}__name", f"{field}__slug")
        .annotate(count=Count("document", distinct=True))
        .order_by("-count", f"{field}__name")[:limit]
    )
    return [
        {
            "pk": r[f"{field}_id"],
            "name": r[f"{field}__name"],
            "slug": r[f"{field}__slug"],
            "count": r["count"],
        }
        for r in rows
    ]


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def person_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        moved = PersonRedirect.objects.select_related("person").filter(old_id=pk).first()
        if moved is None:
            raise Http404("No such person.")
        return redirect(moved.person, permanent=True)
    if slug != person.slug:
        return redirect(person, permanent=True)
    linked = linked_documents(DocumentPerson, person=person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "variants": list(person.variants.all()),
            "linked": linked,
            "companions": _companions(
                DocumentPerson, "person", linked.sample, exclude_pk=person.pk
            ),
            "organizations": _companions(DocumentOrganization, "organization", linked.sample),
        },
    )


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def organization_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        moved = (
            OrganizationRedirect.objects.select_related("organization").filter(old_id=pk).first()
        )
        if moved is None:
            raise Http404("No such organization.")
        return redirect(moved.organization, permanent=True)
    if slug != organization.slug:
        return redirect(organization, permanent=True)
    linked = linked_documents(DocumentOrganization, organization=organization)
    return render(
        request,
        "people/organization_detail.html",
        {
            "organization": organization,
            "variants": list(organization.variants.all()),
            "linked": linked,
            "companions": _companions(DocumentPerson, "person", linked.sample),
            "organizations": _companions(
                DocumentOrganization, "organization", linked.sample, exclude_pk=organization.pk
            ),
        },
    )
