"""The curators' admin for documents and repositories."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from simple_history.admin import SimpleHistoryAdmin

from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    Repository,
    Translation,
)


class ArchivalReferenceInline(admin.StackedInline):
    model = ArchivalReference
    extra = 0
    autocomplete_fields = ["repository"]
    fields = [
        ("repository", "is_copy", "position"),
        ("fond", "opis", "delo", "papka", "folios"),
        ("collection", "call_number"),
        "text",
    ]


class TranslationInline(admin.StackedInline):
    model = Translation
    extra = 0
    autocomplete_fields = ["translators"]
    fields = [("kind", "language", "position"), "translators", "text"]


class DocumentPersonInline(admin.TabularInline):
    model = DocumentPerson
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role", "origin"]


class DocumentOrganizationInline(admin.TabularInline):
    model = DocumentOrganization
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "origin"]


class RepositoryListFilter(admin.SimpleListFilter):
    title = "repository"
    parameter_name = "repository"

    def lookups(self, request, model_admin):
        return list(Repository.objects.values_list("code", "code"))

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(references__repository__code=self.value()).distinct()
        return queryset


@admin.register(Document)
class DocumentAdmin(SimpleHistoryAdmin):
    list_display = [
        "title_short",
        "date_text",
        "language",
        "document_type",
        "status",
        "needs_review",
    ]
    list_display_links = ["title_short"]
    list_filter = [
        "status",
        "language",
        RepositoryListFilter,
        "document_type",
        "classification",
        "needs_review",
    ]
    search_fields = ["title", "summary", "citation", "=external_id"]
    date_hierarchy = "date"
    readonly_fields = [
        "source_file",
        "sha256",
        "layout",
        "encoding",
        "imported_at",
        "created_at",
        "updated_at",
    ]
    inlines = [
        ArchivalReferenceInline,
        TranslationInline,
        DocumentPersonInline,
        DocumentOrganizationInline,
    ]
    fieldsets = [
        (None, {"fields": ["title", "slug", "status", "needs_review", "review_notes"]}),
        (
            "Date",
            {"fields": [("date", "date_precision"), "date_text"]},
        ),
        (
            "Description",
            {
                "fields": [
                    ("document_type", "classification"),
                    "original_languages",
                    "summary",
                    "citation",
                    ("source_url", "external_id"),
                ]
            },
        ),
        (
            "Provenance",
            {
                "classes": ["collapse"],
                "fields": [
                    ("source_file", "layout", "encoding"),
                    "sha256",
                    ("imported_at", "created_at", "updated_at"),
                ],
            },
        ),
    ]
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description="title", ordering="title")
    def title_short(self, obj: Document) -> str:
        return obj.title if len(obj.title) <= 100 else obj.title[:99] + "…"


@admin.register(Repository)
class RepositoryAdmin(SimpleHistoryAdmin):
    list_display = ["code", "name", "country", "document_count", "needs_review"]
    list_filter = ["needs_review", "country"]
    search_fields = ["code", "name"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(document_count=Count("references__document", distinct=True))
        )

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj: Repository) -> int:
        return obj.document_count


@admin.register(ArchivalReference)
class ArchivalReferenceAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "repository", "fond", "opis", "delo", "folios", "is_copy"]
    list_select_related = ["repository"]
    list_filter = ["is_copy", "repository"]
    search_fields = ["text", "fond", "delo", "call_number"]
    autocomplete_fields = ["document", "repository"]


@admin.register(Translation)
class TranslationAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "document", "kind", "language"]
    list_select_related = ["document"]
    list_filter = ["kind", "language"]
    search_fields = ["document__title"]
    autocomplete_fields = ["document", "translators"]


@admin.register(DocumentPerson)
class DocumentPersonAdmin(SimpleHistoryAdmin):
    list_display = ["document", "person", "role", "origin"]
    list_select_related = ["document", "person"]
    list_filter = ["role", "origin"]
    search_fields = ["person__name", "document__title"]
    autocomplete_fields = ["document", "person"]


@admin.register(DocumentOrganization)
class DocumentOrganizationAdmin(SimpleHistoryAdmin):
    list_display = ["document", "organization", "role", "origin"]
    list_select_related = ["document", "organization"]
    list_filter = ["role", "origin"]
    search_fields = ["organization__name", "document__title"]
    autocomplete_fields = ["document", "organization"]
