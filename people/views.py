"""Public pages of the name authority: A–Z lists, people and organizations with their documents."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from catalogue.models import DocumentOrganization, DocumentPerson, Status
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
ROLE_ORDER = ("author", "recipient", "participant", "mentioned", "translator", "contributor")


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


def _documents_by_role(link_model, **owner) -> tuple[list[tuple[str, int, list]], int]:
    """[(role label, documents in that role, the first PER_ROLE by date)], documents in all.

    Three queries whatever the number of documents: the count per role, the count of
    distinct documents, and the first rows of every role at once (a window function).
    """
    links = _published_links(link_model, **owner)
    per_role = dict(
        links.order_by().values_list("role").annotate(n=Count("document", distinct=True))
    )
    total = links.aggregate(n=Count("document", distinct=True))["n"]
    first = (
        links.select_related("document")
        .only("role", "document__title", "document__slug", "document__date_text")
        .annotate(
            position=Window(
                RowNumber(),
                partition_by=[F("role")],
                order_by=[F("document__date").asc(nulls_last=True), F("document_id").asc()],
            )
        )
        .filter(position__lte=PER_ROLE)
        .order_by("role", "position")
    )
    groups: dict[str, tuple[str, int, list]] = {}
    for link in first:
        label = link.get_role_display()
        groups.setdefault(link.role, (label, per_role.get(link.role, 0), []))[2].append(
            link.document
        )
    return list(groups.values()), total


def _companions(link_model, field: str, document_ids, exclude_pk=None, limit: int = 20) -> list:
    """Who is most often named in the same documents (one GROUP BY query)."""
    rows = (
        link_model.objects.filter(document__in=document_ids)
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


def _published_links(link_model, **owner) -> QuerySet:
    return link_model.objects.filter(document__status=Status.PUBLISHED, **owner)


def _published_ids(link_model, **owner) -> QuerySet:
    return _published_links(link_model, **owner).values("document")


@require_safe
def person_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        moved = PersonRedirect.objects.select_related("person").filter(old_id=pk).first()
        if moved is None:
            raise Http404("No such person.")
        return redirect(moved.person, permanent=True)
    if slug != person.slug:
        return redirect(person, permanent=True)
    roles, document_count = _documents_by_role(DocumentPerson, person=person)
    ids = _published_ids(DocumentPerson, person=person)
    return render(
        request,
        "people/person_detail.html",
        {
            "person": person,
            "variants": list(person.variants.all()),
            "roles": roles,
            "document_count": document_count,
            "companions": _companions(DocumentPerson, "person", ids, exclude_pk=person.pk),
            "organizations": _companions(DocumentOrganization, "organization", ids),
        },
    )


@require_safe
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
    roles, document_count = _documents_by_role(DocumentOrganization, organization=organization)
    ids = _published_ids(DocumentOrganization, organization=organization)
    return render(
        request,
        "people/organization_detail.html",
        {
            "organization": organization,
            "variants": list(organization.variants.all()),
            "roles": roles,
            "document_count": document_count,
            "companions": _companions(DocumentPerson, "person", ids),
            "organizations": _companions(
                DocumentOrganization, "organization", ids, exclude_pk=organization.pk
            ),
        },
    )
