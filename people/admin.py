"""The curators' admin for the name authority."""

from __future__ import annotations

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from people.models import Organization, OrganizationName, Person, PersonName


class PersonNameInline(admin.TabularInline):
    model = PersonName
    extra = 1
    fields = ["name", "language", "kind"]


class OrganizationNameInline(admin.TabularInline):
    model = OrganizationName
    extra = 1
    fields = ["name", "language", "kind"]


class DocumentCountMixin:
    """A column with the number of linked documents, counted in the changelist's one query."""

    def get_queryset(self, request):
        return super().get_queryset(request).with_document_count()

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj) -> int:
        return obj.document_count


@admin.register(Person)
class PersonAdmin(DocumentCountMixin, SimpleHistoryAdmin):
    list_display = [
        "name",
        "sort_name",
        "birth_year",
        "death_year",
        "document_count",
        "needs_review",
    ]
    list_filter = ["needs_review"]
    search_fields = ["name", "sort_name", "variants__name"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PersonNameInline]
    fields = [
        ("name", "sort_name"),
        "slug",
        ("birth_year", "death_year"),
        "description",
        "needs_review",
    ]


@admin.register(Organization)
class OrganizationAdmin(DocumentCountMixin, SimpleHistoryAdmin):
    list_display = ["name", "abbreviation", "kind", "parent", "document_count", "needs_review"]
    list_select_related = ["parent"]
    list_filter = ["needs_review", "kind"]
    search_fields = ["name", "abbreviation", "variants__name"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [OrganizationNameInline]
    fields = [("name", "abbreviation"), "slug", ("kind", "parent"), "description", "needs_review"]


@admin.register(PersonName)
class PersonNameAdmin(SimpleHistoryAdmin):
    list_display = ["name", "person", "language", "kind"]
    list_select_related = ["person"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]


@admin.register(OrganizationName)
class OrganizationNameAdmin(SimpleHistoryAdmin):
    list_display = ["name", "organization", "language", "kind"]
    list_select_related = ["organization"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
