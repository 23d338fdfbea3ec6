"""The curators' admin for documents and repositories.

History, locking, recovery, review and bulk import/export come from
`catalogue.admin_base`; this module says what each page shows.
"""

from __future__ import annotations

import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.db.models.functions import Lower
from django.http import Http404, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from catalogue import services
from catalogue.admin_base import (
    BulkImportExportMixin,
    CuratorAdmin,
    CuratorInlineMixin,
    MergeAdminMixin,
    admin_urlname,
    documents_html,
)
from catalogue.citations import format_reference
from catalogue.concurrency import locked_version
from catalogue.models import (
    ArchivalReference,
    Document,
    DocumentOrganization,
    DocumentPerson,
    OrganizationRole,
    PersonRole,
    Repository,
    Status,
    TextKind,
    Translation,
)
from catalogue.resources import DocumentResource, RepositoryResource
from people.models import Organization, Person


class ArchivalReferenceInline(CuratorInlineMixin, admin.StackedInline):
    model = ArchivalReference
    extra = 0
    autocomplete_fields = ["repository"]
    fields = [
        ("repository", "is_copy", "position"),
        ("fond", "opis", "delo", "papka", "folios"),
        ("collection", "call_number"),
        "text",
    ]


class TranslationInline(CuratorInlineMixin, admin.StackedInline):
    model = Translation
    extra = 0
    autocomplete_fields = ["translators"]
    fields = [("kind", "language", "position"), "translators", "text"]


class DocumentPersonInline(CuratorInlineMixin, admin.TabularInline):
    model = DocumentPerson
    extra = 0
    autocomplete_fields = ["person"]
    fields = ["person", "role", "origin"]


class DocumentOrganizationInline(CuratorInlineMixin, admin.TabularInline):
    model = DocumentOrganization
    extra = 0
    autocomplete_fields = ["organization"]
    fields = ["organization", "role", "origin"]


class LanguagesField(forms.CharField):
    """The document's languages as "ru, en" rather than a JSON list to type by hand."""

    def prepare_value(self, value):
        if isinstance(value, list):
            return ", ".join(value)
        if isinstance(value, str) and value.startswith("["):
            return ", ".join(json.loads(value))
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value) or ""
        return [code.strip() for code in text.replace(";", ",").split(",") if code.strip()]

    def has_changed(self, initial, data):
        return (initial or []) != self.to_python(data)


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
class DocumentAdmin(BulkImportExportMixin, CuratorAdmin):
    resource_classes = [DocumentResource]
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
        "curation",
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
            "Curated fields and the last import",
            {
                "fields": ["curation"],
                "description": "A field a curator changed is never overwritten by a re-import; "
                "the import's value is kept beside it until accepted.",
            },
        ),
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
    actions = ["publish", "make_draft", "withdraw", "mark_reviewed"]

    @admin.display(description="title", ordering=Lower("title"))  # as the public sort
    def title_short(self, obj: Document) -> str:
        return obj.title if len(obj.title) <= 100 else obj.title[:99] + "…"

    # Rows sized to what the fields usually hold, so the curated-fields panel stays in view.
    textarea_rows = {"title": 2, "review_notes": 2, "summary": 4, "citation": 3}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "original_languages":
            return LanguagesField(
                required=False, label="Original languages", help_text="ISO codes: ru, en"
            )
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in self.textarea_rows and field is not None:
            field.widget.attrs["rows"] = self.textarea_rows[db_field.name]
        return field

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            # A new document has no import to compare with.
            return [fs for fs in fieldsets if "curation" not in fs[1]["fields"]]
        return fieldsets

    def save_model(self, request, obj, form, change):
        if change:
            # Compare with the row as stored (locked by the form's version check), not with the
            # form's initial data: a revert starts from an old copy and still changes fields.
            stored = Document.objects.filter(pk=obj.pk).values(
                "curated_fields", *services.IMPORTED_FIELDS
            ).first() or {}  # fmt: skip
            obj.curated_fields = stored.get("curated_fields") or []
            changed = [
                name
                for name in services.IMPORTED_FIELDS
                if name in stored and stored[name] != getattr(obj, name)
            ]
            services.document_mark_curated(obj, changed)
        super().save_model(request, obj, form, change)

    # --- curated fields -------------------------------------------------------------------

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            # The panel (`curation`, which sees no request) offers its accept buttons only
            # to who may use them: a Viewer sees the conflicts without them.
            obj.may_accept = self.has_change_permission(request, obj)
        return obj

    @admin.display(description="curated fields")
    def curation(self, obj: Document) -> str:
        if obj is None or obj.pk is None:
            return "—"
        curated = obj.curated_fields or []
        conflicts = obj.import_conflicts or {}
        dismissed = obj.dismissed_conflicts or {}
        current_sets, changed_sets = services.document_sets(obj)
        names = [
            name
            for name in (*services.IMPORTED_FIELDS, *services.IMPORTED_SETS)
            if name in curated or name in conflicts or name in changed_sets or name in dismissed
        ]
        if not names:
            return (
                "No field is curated and no import is held back: "
                "the next import may update every field, text and link."
            )
        labels = _RecordNames(current_sets, conflicts, dismissed)
        rows = []
        for name in names:
            found, _ = services.imported_value(obj, name)
            decisions = []
            if found and getattr(obj, "may_accept", False):
                decisions.append(("accept_imported", "Accept imported value…"))
                if name in conflicts:
                    decisions.append(("keep_current", "Keep current value…"))
            accept = format_html_join(
                " ",
                # inline-block: two buttons wrapped onto two lines would overlap as inline
                # boxes (their padding does not count in the line's height).
                '<a class="button" style="white-space: nowrap; display: inline-block;'
                ' margin: 0 0 4px" href="{}">{}</a>',
                (
                    (reverse(admin_urlname(Document, view), args=[obj.pk, name]), label)
                    for view, label in decisions
                ),
            )
            if name in services.IMPORTED_SETS:
                state = (
                    "yes"
                    if name in changed_sets
                    else "no: held back, the import would drop most of it"
                )
                now = _set_html(name, current_sets.get(name) or [], labels)
            else:
                state = "yes" if name in curated else "no"
                now = _short(getattr(obj, name))
            if name in conflicts:
                incoming = _imported_html(name, conflicts[name], labels)
            elif name in dismissed:
                incoming = format_html(
                    "— (dismissed: {})", _imported_html(name, dismissed[name], labels)
                )
            else:
                incoming = "— (no conflict)"
            rows.append((_field_label(name), state, now, incoming, accept))
        body = format_html_join(
            "",
            '<tr><th scope="row">{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            rows,
        )
        return format_html(
            '<table id="curated-fields"><thead><tr><th scope="col">field</th>'
            '<th scope="col">curated</th><th scope="col">current value</th>'
            '<th scope="col">last import’s value</th><th scope="col"></th></tr></thead>'
            "<tbody>{}</tbody></table>"
            '<p class="help">The next import keeps these fields as they are; '
            "the texts and links it brings for a held-back field wait here. "
            "A value kept against the import’s is not raised again until the page "
            "brings another.</p>",
            body,
        )

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/accept-imported/<str:field>/",
                self.admin_site.admin_view(self.accept_imported_view),
                name="{}_{}_accept_imported".format(*info),
            ),
            path(
                "<path:object_id>/keep-current/<str:field>/",
                self.admin_site.admin_view(self.keep_current_view),
                name="{}_{}_keep_current".format(*info),
            ),
        ] + super().get_urls()

    def accept_imported_view(self, request, object_id, field):
        return self._conflict_view(request, object_id, field, keep_current=False)

    def keep_current_view(self, request, object_id, field):
        return self._conflict_view(request, object_id, field, keep_current=True)

    def _conflict_view(self, request, object_id, field, *, keep_current: bool):
        """Confirm, then take the import's value for `field` or keep the current one."""
        document = self.get_object(request, unquote(object_id))
        if document is None or (
            field not in services.IMPORTED_FIELDS and field not in services.IMPORTED_SETS
        ):
            raise Http404
        if not self.has_change_permission(request, document):
            raise PermissionDenied
        change_url = reverse(admin_urlname(Document, "change"), args=[document.pk])
        found, value = services.imported_value(document, field)
        # Keeping the current value answers a conflict; with none open there is nothing to keep.
        if not found or (keep_current and field not in (document.import_conflicts or {})):
            raise Http404
        verb, decide = (
            ("Kept the current", services.document_keep_current)
            if keep_current
            else ("Accepted the imported", services.document_accept_imported)
        )
        if request.method == "POST":
            loaded = request.POST.get("loaded_version", "")
            if loaded != str(locked_version(Document, document.pk)):
                self.message_user(
                    request,
                    "Nothing changed: the document changed since you opened this page. "
                    "Look at it again, then decide.",
                    messages.ERROR,
                )
                return HttpResponseRedirect(change_url)
            try:
                names = decide(document=document, field=field)
            except ValidationError as exc:
                self.message_user(request, f"Nothing changed: {exc}", messages.ERROR)
                return HttpResponseRedirect(change_url)
            self.message_user(request, f"{verb} {', '.join(names)}.", messages.SUCCESS)
            return HttpResponseRedirect(change_url)
        names = services.accept_fields(document, field)
        if field in services.IMPORTED_SETS:
            current, _ = services.document_sets(document)
            labels = _RecordNames(current, {field: value})
            rows = [(
                _field_label(field),
                _set_html(field, current.get(field) or [], labels, 2000),
                _set_html(field, value, labels, 2000),
            )]  # fmt: skip
        else:
            rows = [
                (
                    _field_label(name),
                    _short(getattr(document, name), 2000),
                    _short(services.imported_value(document, name)[1], 2000),
                )
                for name in names
            ]
        question = "Keep the current" if keep_current else "Accept the imported"
        return self._render(request, "admin/curator/accept_imported.html", {
            "title": f"{question} {_field_label(field)}?",
            "object": document,
            "rows": rows,
            "is_set": field in services.IMPORTED_SETS,
            "keep_current": keep_current,
            "version": document.version,
        })  # fmt: skip

    # --- publishing ------------------------------------------------------------------------

    def _set_status(self, request, queryset, status: str) -> None:
        count = services.documents_set_status(documents=queryset, status=status)
        label = Status(status).label.lower()
        self.message_user(request, f"{count} document(s) set to {label}.", messages.SUCCESS)

    @admin.action(description="Publish selected documents", permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED)

    @admin.action(description="Unpublish selected documents (draft)", permissions=["change"])
    def make_draft(self, request, queryset):
        self._set_status(request, queryset, Status.DRAFT)

    @admin.action(
        description="Withdraw selected documents (their page answers 410 Gone)",
        permissions=["change"],
    )
    def withdraw(self, request, queryset):
        self._set_status(request, queryset, Status.WITHDRAWN)


# The related sets' names on the curators' pages.
SET_LABELS = {
    "references": "archival references",
    "texts": "texts",
    "people": "people",
    "organizations": "organizations",
}


def _field_label(name: str) -> str:
    return SET_LABELS.get(name) or str(Document._meta.get_field(name).verbose_name)


class _RecordNames:
    """The names of the people and organizations a panel's sets link to: one query each."""

    def __init__(self, *values: dict) -> None:
        ids: dict[str, set[int]] = {"people": set(), "organizations": set()}
        for sets in values:
            for name, wanted in ids.items():
                wanted.update(int(pk) for pk, _ in sets.get(name) or [])
        self.people = (
            dict(Person.objects.filter(pk__in=ids["people"]).values_list("pk", "name"))
            if ids["people"] else {}
        )  # fmt: skip
        self.organizations = (
            dict(Organization.objects.filter(pk__in=ids["organizations"]).values_list("pk", "name"))
            if ids["organizations"] else {}
        )  # fmt: skip

    def name(self, kind: str, pk) -> str:
        found = getattr(self, kind).get(int(pk))
        return found if found is not None else f"#{pk} (no longer in the catalogue)"


def _imported_html(name: str, value, names: _RecordNames) -> str:
    """An import's value for a field or a related set, as the curation panel shows it."""
    return _set_html(name, value, names) if name in services.IMPORTED_SETS else _short(value)


def _set_html(name: str, value: list, names: _RecordNames, limit: int = 300) -> str:
    """A related set as an import records it, readable: what each text, reference or link is."""
    if not value:
        return "(none)"
    if name == "texts":
        items = [
            format_html(
                "{} · {} · {} characters:<br>“{}”",
                _label(TextKind, text.get("kind")),
                text.get("language") or "?",
                len(text.get("text") or ""),
                _short(text.get("text") or "", limit),
            )
            for text in value
        ]
    elif name == "references":
        items = [
            format_html(
                "{}{}",
                format_reference(ref.get("repository"), ref, ref.get("text")) or "(empty)",
                " (copy)" if ref.get("is_copy") else "",
            )
            for ref in value
        ]
    else:
        roles = PersonRole if name == "people" else OrganizationRole
        items = [
            format_html("{} — {}", names.name(name, pk), _label(roles, role).lower())
            for pk, role in value
        ]
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((i,) for i in items)))


def _label(choices, value) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "?")


def _short(value, limit: int = 200) -> str:
    if value is None or value == "" or value == []:
        return "(empty)"
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@admin.register(Repository)
class RepositoryAdmin(MergeAdminMixin, BulkImportExportMixin, CuratorAdmin):
    resource_classes = [RepositoryResource]
    list_display = ["code", "name", "country", "document_count", "needs_review"]
    list_filter = ["needs_review", "country"]
    search_fields = ["code", "name"]
    readonly_fields = ["review_panel"]
    fields = [("code", "country"), "name", "description", "needs_review", "review_panel"]
    actions = ["merge_selected", "mark_reviewed"]
    merge_plan = services.repository_merge_plan
    merge_run = services.repository_merge

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(document_count=Count("references__document", distinct=True))
        )

    @admin.display(description="documents", ordering="document_count")
    def document_count(self, obj: Repository) -> int:
        return obj.document_count

    def merge_columns(self, records):
        return [("documents", {r.pk: r.document_count for r in records})]

    def merge_candidates(self, queryset):
        return queryset.annotate(document_count=Count("references__document", distinct=True))

    def similar(self, obj):
        return services.similar_repositories(obj)

    def mentions_html(self, obj) -> str:
        references = obj.references.select_related("document").order_by(
            "document__date", "document_id"
        )[: self.review_document_limit]
        return documents_html(
            ((ref.document, ref.text or str(ref)) for ref in references), obj.document_count
            if hasattr(obj, "document_count") else None,
        )  # fmt: skip


@admin.register(ArchivalReference)
class ArchivalReferenceAdmin(CuratorAdmin):
    parent_field = "document"
    list_display = ["__str__", "repository", "fond", "opis", "delo", "folios", "is_copy"]
    list_select_related = ["repository"]
    list_filter = ["is_copy", "repository"]
    search_fields = ["text", "fond", "delo", "call_number"]
    autocomplete_fields = ["document", "repository"]


@admin.register(Translation)
class TranslationAdmin(CuratorAdmin):
    parent_field = "document"
    list_display = ["__str__", "document", "kind", "language"]
    list_select_related = ["document"]
    list_filter = ["kind", "language"]
    search_fields = ["document__title"]
    autocomplete_fields = ["document", "translators"]


@admin.register(DocumentPerson)
class DocumentPersonAdmin(CuratorAdmin):
    parent_field = "document"
    list_display = ["document", "person", "role", "origin"]
    list_select_related = ["document", "person"]
    list_filter = ["role", "origin"]
    search_fields = ["person__name", "document__title"]
    autocomplete_fields = ["document", "person"]


@admin.register(DocumentOrganization)
class DocumentOrganizationAdmin(CuratorAdmin):
    parent_field = "document"
    list_display = ["document", "organization", "role", "origin"]
    list_select_related = ["document", "organization"]
    list_filter = ["role", "origin"]
    search_fields = ["organization__name", "document__title"]
    autocomplete_fields = ["document", "organization"]
