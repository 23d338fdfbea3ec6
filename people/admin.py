"""The curators' admin for the name authority: review queue, merges, variants, bulk files."""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.db.models import Count
from django.forms import CheckboxInput
from django.forms.models import BaseInlineFormSet

from catalogue.admin_base import (
    BulkImportExportMixin,
    CuratorAdmin,
    CuratorInlineMixin,
    MergeAdminMixin,
    documents_html,
)
from people import services
from people.models import Organization, OrganizationName, Person, PersonName, variant_key
from people.resources import OrganizationResource, PersonResource


class VariantFormSet(BaseInlineFormSet):
    """Two rows of one save that are the same spelling: an error on the second, not a 500.

    Each row is checked against the stored variants by the model (`validate_variant_constraints`);
    rows added together are checked against each other here, as the formset does for the unique
    constraints its forms can see (`name_key` is not one of their fields).
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        # The rows this save deletes go before the new ones are written (the formset saves
        # the existing rows first), so a spelling deleted and added back in one save is
        # no duplicate: the model's check leaves them out.
        form.instance.deleted_alongside = self._deleted_pks
        return form

    @cached_property
    def _deleted_pks(self) -> frozenset[int]:
        """The ids of the rows ticked for deletion, as posted (each form checks its own)."""
        if not self.is_bound:
            return frozenset()
        pk_name = self.model._meta.pk.name
        deleted = set()
        for i in range(self.total_form_count()):
            prefix = self.add_prefix(i)
            pk = str(self.data.get(f"{prefix}-{pk_name}", ""))
            ticked = CheckboxInput().value_from_datadict(self.data, self.files, f"{prefix}-DELETE")
            if ticked and pk.isascii() and pk.isdigit():
                deleted.add(int(pk))
        return frozenset(deleted)

    def clean(self):
        super().clean()
        seen: dict[str, str] = {}
        for form in self.forms:
            if self._should_delete_form(form) or not getattr(form, "cleaned_data", None):
                continue
            name = form.cleaned_data.get("name")
            if not name or "name" in form.errors:
                continue
            key = variant_key(name)
            if key in seen:
                form.add_error(
                    "name",
                    f"“{seen[key]}” is already in this list; spellings that differ only in "
                    "case or spacing count as the same variant.",
                )
            else:
                seen[key] = name


class PersonNameInline(CuratorInlineMixin, admin.TabularInline):
    model = PersonName
    formset = VariantFormSet
    extra = 1
    fields = ["name", "language", "kind"]


class OrganizationNameInline(CuratorInlineMixin, admin.TabularInline):
    model = OrganizationName
    formset = VariantFormSet
    extra = 1
    fields = ["name", "language", "kind"]


class AuthorityAdmin(MergeAdminMixin, BulkImportExportMixin, CuratorAdmin):
    """People and organizations: a document count per row, counted in the changelist's query."""

    readonly_fields = ["review_panel"]
    actions = ["merge_selected", "mark_reviewed"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_document_count()

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj) -> int:
        return obj.document_count

    def merge_candidates(self, queryset):
        return queryset.with_document_count().annotate(
            variant_count=Count("variants", distinct=True)
        )

    def merge_columns(self, records):
        return [
            ("documents", {r.pk: r.document_count for r in records}),
            ("variants", {r.pk: r.variant_count for r in records}),
        ]

    def similar(self, obj):
        return services.similar_records(obj)

    def mentions_html(self, obj) -> str:
        links = obj.document_links.select_related("document").order_by(
            "document__date", "document_id", "role"
        )[: self.review_document_limit]
        return documents_html(
            ((link.document, link.role) for link in links), getattr(obj, "document_count", None)
        )


@admin.register(Person)
class PersonAdmin(AuthorityAdmin):
    resource_classes = [PersonResource]
    merge_plan = services.person_merge_plan
    merge_run = services.person_merge
    list_display = [
        "name",
        "sort_name",
        "birth_year",
        "death_year",
        "document_count",
        "needs_review",
    ]
    list_filter = ["needs_review"]
    # search_key: "Gero" finds Gerő, as on the public pages.
    search_fields = ["name", "sort_name", "variants__name", "search_key", "variants__search_key"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PersonNameInline]
    fields = [
        ("name", "sort_name"),
        "slug",
        ("birth_year", "death_year"),
        "description",
        "needs_review",
        "review_panel",
    ]


@admin.register(Organization)
class OrganizationAdmin(AuthorityAdmin):
    resource_classes = [OrganizationResource]
    merge_plan = services.organization_merge_plan
    merge_run = services.organization_merge
    list_display = ["name", "abbreviation", "kind", "parent", "document_count", "needs_review"]
    list_select_related = ["parent"]
    list_filter = ["needs_review", "kind"]
    search_fields = ["name", "abbreviation", "variants__name", "search_key", "variants__search_key"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["parent"]
    inlines = [OrganizationNameInline]
    fields = [
        ("name", "abbreviation"),
        "slug",
        ("kind", "parent"),
        "description",
        "needs_review",
        "review_panel",
    ]


@admin.register(PersonName)
class PersonNameAdmin(CuratorAdmin):
    parent_field = "person"
    list_display = ["name", "person", "language", "kind"]
    list_select_related = ["person"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "person__name"]
    autocomplete_fields = ["person"]


@admin.register(OrganizationName)
class OrganizationNameAdmin(CuratorAdmin):
    parent_field = "organization"
    list_display = ["name", "organization", "language", "kind"]
    list_select_related = ["organization"]
    list_filter = ["kind", "language"]
    search_fields = ["name", "organization__name"]
    autocomplete_fields = ["organization"]
