"""Public pages of the catalogue: thin GET views over QuerySet methods."""

from __future__ import annotations

import csv
import json
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, InvalidPage
from django.db import router
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseGone, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_safe

from archive.routers import reads_from_replica
from catalogue import citations
from catalogue.facets import (
    FACETS,
    KEPT_KEYS,
    Facet,
    all_facets,
    facet_page,
    language_name,
    query_string,
    year_histogram,
)
from catalogue.filters import SORTS, DocumentFilter
from catalogue.merged_selection import follows_merges
from catalogue.models import (
    ArchivalReference,
    Document,
    OrganizationRole,
    PersonRole,
    Repository,
    RepositoryRedirect,
    Status,
)
from catalogue.one_statement import read_document
from catalogue.page_cache import kept_until_the_catalogue_changes
from catalogue.pagination import COUNT_CAP, CappedPaginator
from catalogue.querysets import of_published_documents
from catalogue.records import document_record
from catalogue.search import snippets

PAGE_SIZE = 20
# The most results a download of a whole search holds (CSV, citations): as many as its
# pages reach. Beyond, a narrower search gets the rest; an unbounded file would be built
# in a server process's memory (a million rows, a gigabyte) while the reader waits.
EXPORT_CAP = COUNT_CAP


def _repositories():
    """Every archive with its number of published documents (most first), each counted
    from its own references (the repository's index) apart from the others."""
    counted = (
        of_published_documents(ArchivalReference.objects.filter(repository=OuterRef("pk")))
        .order_by()
        .values("repository")
        .annotate(count=Count("document", distinct=True))
        .values("count")
    )
    return Repository.objects.annotate(
        document_count=Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    ).order_by("-document_count", "code")


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def home(request: HttpRequest) -> HttpResponse:
    published = Document.objects.published()
    bars = year_histogram(published)
    decades: dict[int, int] = {}
    for bar in bars:
        decades[bar.year // 10 * 10] = decades.get(bar.year // 10 * 10, 0) + bar.count
    languages = (
        published.exclude(language="")
        .order_by()
        .values("language")
        .annotate(count=Count("pk"))
        .order_by("-count", "language")
    )
    context = {
        "document_count": published.count(),
        "languages": [{**row, "name": language_name(row["language"])} for row in languages],
        # Filtered here: in SQL the count's subquery would run again in the WHERE.
        "repositories": [r for r in _repositories() if r.document_count][:12],
        "decades": [{"decade": d, "count": c} for d, c in sorted(decades.items()) if c],
        "years": bars,
        "recent": published.shown().order_by("-created_at", "-id")[:8],
    }
    return render(request, "catalogue/home.html", context)


def _search(request: HttpRequest) -> DocumentFilter:
    return DocumentFilter(request.GET, queryset=Document.objects.published())


def _refused(search: DocumentFilter) -> JsonResponse | None:
    """A 400 naming every invalid parameter and why, for the data views: a program that
    asked for `date_from=1950-13-40` must not be given the whole collection as its
    answer. (The HTML page shows the rest of the search and says what it ignored.)"""
    if search.form.is_valid():
        return None
    errors = {field: [str(e) for e in errors] for field, errors in search.form.errors.items()}
    return JsonResponse({"errors": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def _hidden(params, drop=()) -> list[tuple[str, str]]:
    """The current selection as hidden inputs, so that a form keeps what it does not edit."""
    return [
        (key, value)
        for key in KEPT_KEYS
        if key not in drop
        for value in params.getlist(key)
        if value != ""
    ]


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
@follows_merges
def document_list(request: HttpRequest) -> HttpResponse:
    search = _search(request)
    paginator = CappedPaginator(search.results().shown(), PAGE_SIZE, known_count=search.exact_count)
    page = paginator.get_page(request.GET.get("page"))
    documents = list(page.object_list)
    hits = snippets(documents, search.query)
    for document in documents:
        document.snippet = hits.get(document.pk)
    params = request.GET
    facets, years = all_facets(search, params)
    chips = [
        {"label": facet.label, "value": value.label, "url": value.url}
        for facet in facets
        for value in facet.selected
    ]
    chips += [
        {"label": label, "value": value.text, "url": query_string(params, drop=(key,))}
        for key, label in (("date_from", "From"), ("date_to", "To"))
        if (value := search.cleaned.get(key))
    ]
    context = {
        "search": search,
        "form": search.form,
        "page": page,
        "documents": documents,
        "count": paginator.estimate,
        "count_is_estimate": paginator.capped,
        "facets": facets,
        "chips": chips,
        "years": years,
        "years_left_out": years is None,
        "facets_estimated": next((f.estimated for f in facets if f.estimated), None),
        "hidden": _hidden(params),
        "hidden_without_q": _hidden(params, drop=("q",)),
        "hidden_without_sort": _hidden(params, drop=("sort",)),
        "hidden_without_dates": _hidden(params, drop=("date_from", "date_to")),
        "sorts": [
            (key, label) for key, (label, _) in SORTS.items() if key != "relevance" or search.query
        ],
        "current_sort": search.ordering,
        "unranked": search.too_many_to_rank and search.ordering == "date",
        "names": search.names,
        "query_string": query_string(params),
    }
    return render(request, "catalogue/document_list.html", context)


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
@follows_merges
def document_list_json(request: HttpRequest) -> JsonResponse:
    search = _search(request)
    if refused := _refused(search):
        return refused
    paginator = CappedPaginator(
        search.results().for_record(), PAGE_SIZE, known_count=search.exact_count
    )
    try:
        # Not get_page's "the last page instead": a program paging until it finds no
        # more would be given the last page for ever.
        page = paginator.page(request.GET.get("page") or 1)
    except InvalidPage as exc:
        status = 404 if isinstance(exc, EmptyPage) else 400
        return JsonResponse({"errors": {"page": [str(exc)]}}, status=status)
    next_url = None
    if page.has_next():
        next_url = request.build_absolute_uri(
            request.path + query_string(request.GET) + f"&page={page.next_page_number()}"
        )
    computed, years = all_facets(search, request.GET)
    facets = {
        facet.name: [{"value": v.value, "label": v.label, "count": v.count} for v in facet.values]
        for facet in computed
    }
    left_out = [facet.name for facet in computed if facet.left_out]
    if years is None:
        left_out.append("year")
    facets["year"] = [
        {"value": str(bar.year), "label": str(bar.year), "count": bar.count}
        for bar in years or ()
        if bar.count
    ]
    return JsonResponse(
        {
            "count": paginator.estimate,
            "count_is_estimate": paginator.capped,
            "results": [document_record(d) for d in page.object_list],
            "facets": facets,
            # Facets whose counts took longer than the time budget and were left out.
            "facets_left_out": left_out,
            # When the counts are estimates from a sample of a large search's results:
            # {"sample": documents counted, "of": results they stand for}; else null.
            "facets_estimated": next(
                ({"sample": f.estimated[0], "of": f.estimated[1]} for f in computed if f.estimated),
                None,
            ),
            "next": next_url,
        },
        json_dumps_params={"ensure_ascii": False},
    )


CSV_COLUMNS = (
    "id",
    "url",
    "title",
    "date",
    "date_precision",
    "date_text",
    "document_type",
    "classification",
    "original_languages",
    "repositories",
    "archival_references",
    "authors",
    "people",
    "organizations",
    "summary",
    "source_url",
)


def _csv_cell(value: str) -> str:
    # A cell starting with = + - @ is a formula to a spreadsheet: quote it out.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(record: dict, request: HttpRequest) -> list[str]:
    refs = record["archival_references"]
    row = {
        **record,
        "url": request.build_absolute_uri(record["url"]),
        "original_languages": "; ".join(record["original_languages"]),
        "repositories": "; ".join(dict.fromkeys(r["repository"] for r in refs if r["repository"])),
        "archival_references": "; ".join(
            citations.copy_labelled(
                citations.format_reference(r["repository"], r, r["text"]), r["is_copy"]
            )
            for r in refs
        ),
        "authors": "; ".join(p["name"] for p in record["people"] if p["role"] == "author"),
        "people": "; ".join(f"{p['name']} ({p['role']})" for p in record["people"]),
        "organizations": "; ".join(f"{o['name']} ({o['role']})" for o in record["organizations"]),
    }
    return [_csv_cell(str(row[key] if row[key] is not None else "")) for key in CSV_COLUMNS]


@require_safe
@reads_from_replica
@follows_merges
def document_list_csv(request: HttpRequest) -> HttpResponse:
    """Every result (to EXPORT_CAP), not one page: a researcher's working list for a
    spreadsheet."""
    search = _search(request)
    if refused := _refused(search):
        return refused
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="documents.csv"'
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for document in search.results().for_record()[:EXPORT_CAP].iterator(chunk_size=500):
        writer.writerow(_csv_row(document_record(document), request))
    return response


# Citation files a reference manager (Zotero, EndNote, Mendeley, JabRef) imports:
# {extension: (the file from the citation data of its documents, its content type)}.
# A document's own download (_download) is the file of that one document; a search's
# (document_list_citations) holds its results' same records one after another.
CITATION_FILES = {
    "ris": (
        lambda cited: "".join(map(citations.ris, cited)),
        "application/x-research-info-systems; charset=utf-8",
    ),
    "bib": (
        lambda cited: "\n".join(map(citations.bibtex, cited)),
        "application/x-bibtex; charset=utf-8",
    ),
    "csl.json": (
        lambda cited: json.dumps(
            [item for data in cited for item in citations.csl_json(data)],
            ensure_ascii=False,
            indent=2,
        ),
        "application/vnd.citationstyles.csl+json; charset=utf-8",
    ),
}


@require_safe
@reads_from_replica
@follows_merges
def document_list_citations(request: HttpRequest, extension: str) -> HttpResponse:
    """The results' citations (to EXPORT_CAP), in the page's order, as RIS, BibTeX or
    CSL-JSON: a whole search loaded into a reference manager at once."""
    search = _search(request)
    if refused := _refused(search):
        return refused
    write, content_type = CITATION_FILES[extension]
    results = search.results().for_citation()[:EXPORT_CAP].iterator(chunk_size=500)
    cited = (
        citations.citation_data(d, request.build_absolute_uri(d.get_absolute_url()))
        for d in results
    )
    response = HttpResponse(write(cited), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="documents.{extension}"'
    return response


MAX_FACET_OFFSET = 10**9


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
@follows_merges
def facet_values(request: HttpRequest, name: str) -> HttpResponse:
    """All values of one facet, 100 a page, with a filter box (a GET form)."""
    spec = FACETS.get(name)
    if spec is None:
        raise Http404("No such facet.")
    search = _search(request)
    text = request.GET.get("facet_q", "").strip()[:100]
    try:
        offset = int(request.GET.get("offset", 0))
    except ValueError:
        offset = 0
    # Past the last value the page is empty, with a link back; a number past what the
    # database's OFFSET takes was a 500.
    offset = min(max(offset, 0), MAX_FACET_OFFSET)
    found = facet_page(spec, search, request.GET, text=text, offset=offset)
    # None: too many documents to count every value in time; the page says so.
    facet, total = found or (Facet(spec.name, spec.label, left_out=True), None)
    base = query_string(request.GET)
    extra = "&" + urlencode({"facet_q": text}) if text else ""
    context = {
        "facet": facet,
        "total": total,
        "text": text,
        "search": search,
        "hidden": _hidden(request.GET),
        "back_url": base,
        "next_url": f"{base}{extra}&offset={offset + 100}" if facet.has_more else "",
        "previous_url": f"{base}{extra}&offset={max(offset - 100, 0)}" if offset else "",
    }
    return render(request, "catalogue/facet_values.html", context)


def _public_document(pk: int) -> Document:
    document = read_document(pk, router.db_for_read(Document))
    if document is None or document.status == Status.DRAFT:
        raise Http404("No such document.")
    if document.status == Status.WITHDRAWN:
        raise _Gone(document)
    return document


class _Gone(Exception):
    def __init__(self, document: Document):
        self.document = document


def _gone(request: HttpRequest, document: Document) -> HttpResponseGone:
    return HttpResponseGone(
        render_to_string("catalogue/document_gone.html", {"document": document}, request)
    )


# How a document's people are listed: who wrote it first, who is merely named last.
ROLE_ORDER = {"author": 0, "recipient": 1, "participant": 2, "mentioned": 3}
# Each role's label, as get_role_display() gives it, without its lookups on every call.
ROLE_LABELS = dict(PersonRole.choices) | dict(OrganizationRole.choices)


def _grouped_by_record(links: list, attribute: str) -> list[dict]:
    """One entry per person (or organization) with all its roles, FRUS-style."""
    entries: dict[int, dict] = {}
    for link in sorted(links, key=lambda link: ROLE_ORDER.get(link.role, 9)):
        record = getattr(link, attribute)
        entry = entries.setdefault(record.pk, {"record": record, "roles": []})
        entry["roles"].append(ROLE_LABELS.get(link.role, link.role).lower())
    return sorted(
        entries.values(),
        key=lambda entry: (ROLE_ORDER.get(entry["roles"][0], 9), str(entry["record"])),
    )


@require_safe
@reads_from_replica
def document_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    try:
        document = _public_document(pk)
    except _Gone as gone:
        return _gone(request, gone.document)
    if slug != document.slug:
        return redirect(document, permanent=True)
    url = request.build_absolute_uri(document.get_absolute_url())
    data = citations.citation_data(document, url)
    links = list(document.person_links.all())
    org_links = list(document.organization_links.all())
    credit_roles = {"translator", "contributor", "funder", "publisher"}
    texts = list(document.texts.all())
    for text in texts:
        text.language_name = language_name(text.language)
    context = {
        "document": document,
        "people": _grouped_by_record(
            [link for link in links if link.role not in credit_roles], "person"
        ),
        "organizations": _grouped_by_record(
            [link for link in org_links if link.role not in credit_roles], "organization"
        ),
        "credits": [link for link in links if link.role in credit_roles]
        + [link for link in org_links if link.role in credit_roles],
        "role_labels": ROLE_LABELS,
        "references": list(document.references.all()),
        "originals": [t for t in texts if t.kind == "original"],
        "translations": [t for t in texts if t.kind != "original"],
        "original_languages": [language_name(code) for code in document.original_languages],
        "citation": citations.chicago(data),
        "meta_tags": citations.meta_tags(data),
        "json_ld": citations.json_for_script(citations.json_ld(data, document)),
    }
    return render(request, "catalogue/document_detail.html", context)


def _download(request: HttpRequest, pk: int, extension: str) -> HttpResponse:
    try:
        document = _public_document(pk)
    except _Gone as gone:
        return _gone(request, gone.document)
    data = citations.citation_data(
        document, request.build_absolute_uri(document.get_absolute_url())
    )
    write, content_type = CITATION_FILES[extension]
    response = HttpResponse(write([data]), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="document-{document.pk}.{extension}"'
    return response


@require_safe
@reads_from_replica
def document_ris(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "ris")


@require_safe
@reads_from_replica
def document_bibtex(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "bib")


@require_safe
@reads_from_replica
def document_csl(request: HttpRequest, pk: int) -> HttpResponse:
    return _download(request, pk, "csl.json")


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def document_json(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        document = _public_document(pk)
    except _Gone as gone:
        return _gone(request, gone.document)
    return JsonResponse(document_record(document), json_dumps_params={"ensure_ascii": False})


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def repository_list(request: HttpRequest) -> HttpResponse:
    repositories = _repositories()
    q = request.GET.get("q", "").strip()[:100]
    if q:
        repositories = repositories.filter(Q(code__icontains=q) | Q(name__icontains=q))
    return render(request, "catalogue/repository_list.html", {"repositories": repositories, "q": q})


@require_safe
@reads_from_replica
@kept_until_the_catalogue_changes
def repository_detail(request: HttpRequest, code: str) -> HttpResponse:
    repository = Repository.objects.filter(code=code).first()
    if repository is None:
        moved = (
            RepositoryRedirect.objects.select_related("repository").filter(old_code=code).first()
        )
        if moved is None:
            raise Http404("No such repository.")
        return redirect(moved.repository, permanent=True)
    # EXISTS rather than a join and DISTINCT, which compared whole rows (their search
    # vectors too) to drop a document cited twice; counted as the search page counts.
    cited = ArchivalReference.objects.filter(document=OuterRef("pk"), repository=repository)
    documents = Document.objects.published().shown().filter(Exists(cited))
    paginator = CappedPaginator(documents.order_by("date", "id"), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "catalogue/repository_detail.html",
        {
            "repository": repository,
            "page": page,
            "count": paginator.estimate,
            "count_is_estimate": paginator.capped,
            "search_url": reverse("catalogue:documents") + "?" + urlencode({"repository": code}),
        },
    )
