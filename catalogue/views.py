"""Public pages of the catalogue: thin GET views over QuerySet methods."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpRequest, HttpResponse, HttpResponseGone
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string

from catalogue.models import Document, Repository, Status


def home(request: HttpRequest) -> HttpResponse:
    published = Document.objects.published()
    context = {
        "document_count": published.count(),
        "languages": published.exclude(language="")
        .values("language")
        .annotate(count=Count("id"))
        .order_by("-count", "language"),
        "repositories": Repository.objects.filter(references__document__status=Status.PUBLISHED)
        .annotate(count=Count("references__document", distinct=True))
        .order_by("-count", "code"),
        "recent": published.order_by("-created_at", "-id")[:10],
    }
    return render(request, "catalogue/home.html", context)


def document_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    document = get_object_or_404(Document.objects.for_record().exclude(status=Status.DRAFT), pk=pk)
    if document.status == Status.WITHDRAWN:
        return HttpResponseGone(
            render_to_string("catalogue/document_gone.html", {"document": document}, request)
        )
    if slug != document.slug:
        return redirect(document, permanent=True)
    return render(request, "catalogue/document_detail.html", {"document": document})


def repository_detail(request: HttpRequest, code: str) -> HttpResponse:
    repository = get_object_or_404(Repository, code=code)
    documents = (
        Document.objects.published()
        .filter(references__repository=repository)
        .distinct()
        .order_by("date", "id")[:200]
    )
    return render(
        request,
        "catalogue/repository_detail.html",
        {"repository": repository, "documents": documents},
    )
