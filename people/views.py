"""Public pages of the name authority."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from people.models import Organization, Person


def person_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    person = get_object_or_404(Person, pk=pk)
    if slug != person.slug:
        return redirect(person, permanent=True)
    links = (
        person.document_links.filter(document__status="published")
        .select_related("document")
        .order_by("role", "document__date", "document_id")
    )
    return render(
        request,
        "people/person_detail.html",
        {"person": person, "variants": person.variants.all(), "links": links},
    )


def organization_detail(request: HttpRequest, pk: int, slug: str | None = None) -> HttpResponse:
    organization = get_object_or_404(Organization, pk=pk)
    if slug != organization.slug:
        return redirect(organization, permanent=True)
    links = (
        organization.document_links.filter(document__status="published")
        .select_related("document")
        .order_by("role", "document__date", "document_id")
    )
    return render(
        request,
        "people/organization_detail.html",
        {"organization": organization, "variants": organization.variants.all(), "links": links},
    )
