"""Public pages of the name authority: A–Z lists, people and organizations with their documents."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_safe

from archive.routers import reads_from_replica
from catalogue.page_cache import kept_until_the_catalogue_changes
from catalogue.querysets import of_published_documents
from catalogue.search import name_keys
from people.models import (
    Organization,
    OrganizationName,
    OrganizationRedirect,
    Person,
    PersonName,
    PersonRedirect,
    search_key,
)
from people.record_page import read_record_page

PAGE_SIZE = 50
# Word similarity above which a misspelt name still finds its person (PostgreSQL).
TRIGRAM_THRESHOLD = 0.45


def _name_search(records: QuerySet, variant_model, owner: str, q: str, extra: Q) -> QuerySet:
    """Records whose name or any variant contains `q`, accents or none ("Gero" finds Ernő
    Gerő); on PostgreSQL also near-misses."""
    key = search_key(q)
    variants = variant_model.objects.filter(**{owner: OuterRef("pk"), "search_key__contains": key})
    # The name in another order ("Громыко А.А." for "А.А. Громыко"), as the search finds it.
    spellings = {search_key(spelling) for spelling in name_keys(q)}
    reordered = variant_model.objects.filter(**{owner: OuterRef("pk"), "search_key__in": spellings})
    match = Q(search_key__contains=key) | Exists(variants) | Exists(reordered) | extra
    if connection.vendor != "postgresql":
        return records.filter(match)
    from django.contrib.postgres.search import TrigramWordSimilarity
    from django.db.models import Subquery
    from django.db.models.functions import Coalesce, Greatest

    best_variant = (
        variant_model.objects.filter(**{owner: OuterRef("pk")})
        .annotate(similarity=TrigramWordSimilarity(key, "search_key"))
        .order_by("-similarity")
        .values("similarity")[:1]
    )
    records = records.annotate(
        similarity=Greatest(
            TrigramWordSimilarity(key, "search_key"), Coalesce(Subquery(best_variant), 0.0)
        )
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
    # Those named in a published document: one found is enough (EXISTS). Counting every
    # record's documents to keep those with some took the whole link table, grouped, in
    # each of the page's three statements (the letters, the count, the rows): 150 ms
    # each at 16,000 documents on SQLite. The page's own 50 are counted apart (_counted).
    links = records.model._meta.get_field("document_links").related_model
    named = of_published_documents(links.objects.filter(**{owner: OuterRef("pk")}))
    records = records.filter(Exists(named)).order_by(
        # Whatever the database's collation ("C" sorts capitals first), "de Gaulle" is
        # among the Ds, not after "Zubok".
        Lower(sort_field),
        Lower("name"),
        "pk",
    )
    q = request.GET.get("q", "").strip()[:100]
    letter = request.GET.get("letter", "").strip()[:1].upper()
    letters = _letters(records, sort_field)
    if q:
        records = _name_search(records, variant_model, owner, q, extra(q))
    elif letter:
        records = records.filter(**{f"{sort_field}__istartswith": letter})
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    # A list, so that the template reads these very records with their counts.
    page.object_list = _counted(page.object_list, links, owner)
    return render(
        request,
        template,
        {"page": page, "q": q, "letter": letter, "letters": letters, "count": page.paginator.count},
    )


def _counted(records, links, owner: str) -> list:
    """The records, each with its `document_count`: the published documents naming it,
    in whatever roles (one statement for the page)."""
    records = list(records)
    counts = dict(
        of_published_documents(links.objects.filter(**{f"{owner}__in": [r.pk for r in records]}))
        .order_by()
        .values_list(owner)
        .annotate(count=Count("document", distinct=True))
    )
    for record in records:
        record.document_count = counts.get(record.pk, 0)
    return records


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
    return render(
        request,
        "people/person_detail.html",
        {"person": person, **vars(read_record_page(person))},
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
    return render(
        request,
        "people/organization_detail.html",
        {"organization": organization, **vars(read_record_page(organization))},
    )
