"""What every curators' admin page shares: history, locking, recovery, review, merge, import.

`CuratorAdmin` is the base of every ModelAdmin of the catalogue and the authority:
simple-history's history and revert pages, a "Deleted records" page with
recovery, and — for the versioned records (documents, people, organizations,
repositories) — the optimistic-locking form. `MergeAdminMixin` adds the merge
action and the review panel's "merge into …" / "add as variant of …" pages.
The pages are plain HTML forms posting with CSRF, so they work without JavaScript.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ImportExportMixin
from import_export.formats.base_formats import CSV, JSON, XLSX
from simple_history.admin import SimpleHistoryAdmin

from catalogue.concurrency import (
    PartOfVersionedForm,
    VersionedModelForm,
    bump_version,
    next_version,
)
from catalogue.history import RecoveryError, deleted_records, record_recover
from people.services import MergeError


class LosslessTextField(forms.CharField):
    """A textarea's value exactly as the page showed it.

    Browsers submit line breaks as CRLF, and Django's CharField strips surrounding space.
    Either would make every text of a document "changed" on any save — new history entries,
    and texts the importer then takes for a curator's edit. So line breaks are compared and
    stored as LF, and nothing is stripped.
    """

    def __init__(self, *args, **kwargs):
        kwargs["strip"] = False
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


TEXT_OVERRIDES = {models.TextField: {"form_class": LosslessTextField}}


class CuratorInlineMixin:
    formfield_overrides = TEXT_OVERRIDES


def _is_versioned(model) -> bool:
    return any(f.name == "version" for f in model._meta.concrete_fields)


def admin_urlname(model, view: str) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}"


class CuratorAdmin(SimpleHistoryAdmin):
    change_list_template = "admin/curator/change_list.html"
    formfield_overrides = TEXT_OVERRIDES
    # The review queue: flagged records first (where the model has the flag).
    review_first = True

    # --- optimistic locking ----------------------------------------------------------------

    def get_form(self, request, obj=None, change=False, **kwargs):
        if _is_versioned(self.model) and "form" not in kwargs:
            kwargs["form"] = self.form if issubclass(self.form, VersionedModelForm) else (
                VersionedModelForm
            )  # fmt: skip
        if self.parent_field is not None and "form" not in kwargs:
            parent_admin = self.admin_site._registry.get(
                self.model._meta.get_field(self.parent_field).related_model
            )
            histories = tuple(parent_admin._related_histories()) if parent_admin else ()
            kwargs["form"] = type(
                self.form.__name__,
                (PartOfVersionedForm, self.form),
                {"parent_field": self.parent_field, "parent_histories": histories},
            )
        form = super().get_form(request, obj, change=change, **kwargs)
        if issubclass(form, VersionedModelForm):
            related = tuple(self._related_histories())
            form = type(
                form.__name__,
                (form,),
                {
                    "related_histories": related,
                    "loads_current_version": getattr(request, "_reverting", False),
                },
            )
        return form

    def _related_histories(self):
        for inline in self.inlines:
            model = inline.model
            if not hasattr(model, "history"):
                continue
            fk = next(
                f
                for f in model._meta.concrete_fields
                if f.is_relation and f.related_model is self.model
            )
            yield str(model._meta.verbose_name_plural), model.history.model, fk.attname

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        if _is_versioned(self.model):
            hidden = "loaded_version"
        elif self.parent_field is not None:
            hidden = "loaded_parent_version"
        else:
            return fieldsets
        # The hidden version rides in the first fieldset; a row of hidden fields is not shown.
        first_name, first_options = fieldsets[0]
        fields = list(first_options.get("fields", []))
        if hidden not in fields:
            fields.append(hidden)
        return [(first_name, {**first_options, "fields": fields}), *fieldsets[1:]]

    def save_model(self, request, obj, form, change):
        if change and _is_versioned(self.model):
            obj.version = next_version(form, obj)
        parents = self._lock_parents([obj], also_stored=change)
        super().save_model(request, obj, form, change)
        self._touch_parents(parents, f"{self.model._meta.verbose_name} “{obj}” changed")

    # --- records that are part of another --------------------------------------------------

    # A record shown in another's form (a document's texts, references and links; a person's
    # or organization's name variants) names that record here. Saving or deleting it on its
    # own page is a change to the parent too: the parent's version moves, so a form open on
    # the parent, whose inlines hold the old copy, is refused instead of saving over it.
    parent_field: str | None = None

    def _lock_parents(self, objs, *, also_stored: bool) -> list:
        """The parents of `objs` (the stored ones too, when a save moves a record), locked.

        Locked before the record is written, in the order the parent's own form locks them
        (the parent first, then its inlines), so two saves wait for each other, never deadlock.
        """
        if self.parent_field is None:
            return []
        fk = self.model._meta.get_field(self.parent_field)
        ids = {getattr(obj, fk.attname) for obj in objs}
        if also_stored:
            pks = [obj.pk for obj in objs if obj.pk is not None]
            ids.update(
                self.model._default_manager.filter(pk__in=pks).values_list(fk.attname, flat=True)
            )
        ids.discard(None)
        rows = fk.related_model._default_manager.filter(pk__in=ids).order_by("pk")
        return list(rows.select_for_update())

    def _touch_parents(self, parents, reason: str) -> None:
        for parent in parents:
            bump_version(parent)
            # simple-history's reason column holds 100 characters.
            parent._change_reason = reason if len(reason) <= 100 else reason[:99] + "…"
            parent.save()

    def delete_model(self, request, obj):
        parents = self._lock_parents([obj], also_stored=False)
        label = f"{self.model._meta.verbose_name} “{obj}” deleted"
        super().delete_model(request, obj)
        self._touch_parents(parents, label)

    def delete_queryset(self, request, queryset):
        # The "delete selected" action runs outside the admin's transaction: take one, for
        # the locks and so that the parents' versions move with the deletion or not at all.
        with transaction.atomic(using=self.model._default_manager.db):
            parents = self._lock_parents(list(queryset), also_stored=False)
            super().delete_queryset(request, queryset)
            self._touch_parents(parents, f"{self.model._meta.verbose_name_plural} deleted")

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # simple-history lets anyone who may *view* the record post its revert form. Posting it
        # is a save: it needs the permission to change the record, and to add it when the row
        # is gone (a revert of an unversioned record re-creates a deleted row). Viewing an old
        # version stays open to those who may view the record.
        if request.method == "POST" and not self.has_revert_permission(request, object_id):
            raise PermissionDenied
        # Reverting is a save like any other: one transaction, the row locked, versions checked.
        request._reverting = True
        with transaction.atomic(using=self.model._default_manager.db):
            return super().history_form_view(request, object_id, version_id, extra_context)

    def has_revert_permission(self, request, object_id) -> bool:
        if not self.has_change_permission(request):
            return False
        if self.has_add_permission(request):
            return True
        # Without the permission to add, only a record that still exists may be reverted.
        return self.get_object(request, unquote(object_id)) is not None

    def revert_disabled(self, request, obj=None):
        # The page's "Revert" button follows the same rule as the POST behind it.
        if super().revert_disabled(request, obj):
            return True
        return obj is not None and not self.has_revert_permission(request, str(obj.pk))

    # --- the review queue ------------------------------------------------------------------

    def get_ordering(self, request):
        ordering = list(super().get_ordering(request) or self.model._meta.ordering or [])
        if self.review_first and any(f.name == "needs_review" for f in self.model._meta.fields):
            ordering = ["-needs_review", *[o for o in ordering if o.lstrip("-") != "needs_review"]]
        return ordering

    @admin.action(description="Mark selected as reviewed", permissions=["change"])
    def mark_reviewed(self, request, queryset):
        from people.services import record_mark_reviewed

        count = record_mark_reviewed(records=queryset.filter(needs_review=True))
        self.message_user(request, f"{count} marked as reviewed.", messages.SUCCESS)

    def mark_reviewed_view(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        if request.method == "POST":
            from people.services import record_mark_reviewed

            record_mark_reviewed(records=[obj])
            self.message_user(request, f"“{obj}” marked as reviewed.", messages.SUCCESS)
            return HttpResponseRedirect(reverse(admin_urlname(self.model, "change"), args=[obj.pk]))
        return self._render(request, "admin/curator/confirm.html", {
            "title": f"Mark “{obj}” as reviewed?",
            "object": obj,
            "question": "The record leaves the review queue. Nothing else changes.",
            "button": "Mark reviewed",
        })  # fmt: skip

    # --- deleted records -------------------------------------------------------------------

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        wrap = self.admin_site.admin_view
        urls = [
            path("deleted/", wrap(self.deleted_view), name="{}_{}_deleted".format(*info)),
            path(
                "deleted/<str:object_id>/recover/",
                wrap(self.recover_view),
                name="{}_{}_recover".format(*info),
            ),
        ]
        if any(f.name == "needs_review" for f in self.model._meta.fields):
            urls.append(
                path(
                    "<path:object_id>/mark-reviewed/",
                    wrap(self.mark_reviewed_view),
                    name="{}_{}_mark_reviewed".format(*info),
                )
            )
        return urls + super().get_urls()

    def has_recover_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def changelist_view(self, request, extra_context=None):
        extra_context = extra_context or {}
        if self.has_view_or_change_permission(request):
            extra_context["deleted_url"] = reverse(admin_urlname(self.model, "deleted"))
        return super().changelist_view(request, extra_context)

    def deleted_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        rows = deleted_records(self.model)
        return self._render(request, "admin/curator/deleted.html", {
            "title": f"Deleted {self.model._meta.verbose_name_plural}",
            "rows": rows,
            "can_recover": self.has_recover_permission(request),
            "history_urlname": admin_urlname(self.model, "simple_history"),
            "recover_urlname": admin_urlname(self.model, "recover"),
        })  # fmt: skip

    def recover_view(self, request, object_id):
        if not self.has_recover_permission(request):
            raise PermissionDenied
        pk = self.model._meta.pk.to_python(unquote(object_id))
        deletion = self.model.history.filter(id=pk, history_type="-").order_by(
            "-history_date"
        ).first()  # fmt: skip
        if deletion is None:
            raise Http404
        if request.method == "POST":
            try:
                recovery = record_recover(model=self.model, pk=pk)
            except RecoveryError as exc:
                self.message_user(request, str(exc), messages.ERROR)
                return HttpResponseRedirect(reverse(admin_urlname(self.model, "deleted")))
            also = ", ".join(f"{n} {label}" for label, n in recovery.children.items())
            self.message_user(
                request,
                f"Recovered “{recovery.record}”" + (f" with {also}" if also else "") + ".",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(
                reverse(admin_urlname(self.model, "change"), args=[recovery.record.pk])
            )
        return self._render(request, "admin/curator/confirm.html", {
            "title": f"Recover “{deletion.history_object}”?",
            "object": None,
            "question": (
                f"Deleted {deletion.history_date:%Y-%m-%d %H:%M} by "
                f"{deletion.history_user or 'unknown'}. It comes back as it was then, "
                "with the records its deletion removed (references, texts, links, variants)."
            ),
            "button": "Recover",
        })  # fmt: skip

    def _render(self, request, template: str, context: dict):
        opts = self.model._meta
        request.current_app = self.admin_site.name
        return TemplateResponse(request, template, {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "changelist_url": reverse(admin_urlname(self.model, "changelist")),
            **context,
        })  # fmt: skip


class BulkImportExportMixin(ImportExportMixin):
    """django-import-export's import (preview, then confirm) and export, CSV/XLSX/JSON."""

    formats = [CSV, XLSX, JSON]
    import_error_display = ("message", "row")

    def has_import_permission(self, request):
        # Importing adds and changes records: a Viewer may export but never import.
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request):
        return self.has_view_or_change_permission(request)


class MergeAdminMixin:
    """The merge action and the review panel's pages; subclasses name the service functions."""

    merge_plan = None  # (keep, remove) -> MergePlan
    merge_run = None  # (keep, remove) -> MergePlan
    review_document_limit = 25

    @admin.action(description="Merge selected records…", permissions=["merge"])
    def merge_selected(self, request, queryset):
        records = list(self.merge_candidates(queryset))
        if len(records) < 2:
            self.message_user(request, "Select two or more records to merge.", messages.WARNING)
            return None
        hidden = [("action", "merge_selected")] + [
            (helpers.ACTION_CHECKBOX_NAME, r.pk) for r in records
        ]
        return self._merge_page(request, records, hidden=hidden, form_url="")

    def has_merge_permission(self, request) -> bool:
        # A merge changes the survivor and deletes the others.
        return self.has_change_permission(request) and self.has_delete_permission(request)

    def merge_candidates(self, queryset):
        return queryset

    def merge_into_view(self, request, object_id, target_id):
        records = list(self.merge_candidates(
            self.model._default_manager.filter(pk__in=[unquote(object_id), unquote(target_id)])
        ))  # fmt: skip
        if len(records) != 2:
            raise Http404
        if not self.has_merge_permission(request):
            raise PermissionDenied
        target = next(r for r in records if str(r.pk) == str(unquote(target_id)))
        return self._merge_page(request, records, hidden=[], form_url="", default=target)

    def variant_of_view(self, request, object_id, target_id):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        record = get_object_or_404(self.model, pk=unquote(object_id))
        target = get_object_or_404(self.model, pk=unquote(target_id))
        if record.pk == target.pk:
            raise Http404
        plan = type(self).merge_plan(keep=target, remove=[record])
        if request.method == "POST":
            return self._do_merge(request, target, [record])
        return self._render(request, "admin/curator/variant_of.html", {
            "title": f"Add “{record}” as a variant of “{target}”?",
            "record": record,
            "target": target,
            "plan": plan,
        })  # fmt: skip

    def _merge_page(self, request, records, *, hidden, form_url, default=None):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        by_pk = {str(r.pk): r for r in records}
        chosen = by_pk.get(request.POST.get("survivor", ""))
        previewed = request.POST.get("previewed", "")
        if chosen is not None and "confirm" in request.POST and previewed == str(chosen.pk):
            return self._do_merge(request, chosen, [r for r in records if r.pk != chosen.pk])
        survivor = chosen or default
        plan = None
        if survivor is not None:
            try:
                plan = type(self).merge_plan(
                    keep=survivor, remove=[r for r in records if r.pk != survivor.pk]
                )
            except MergeError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        return self._render(request, "admin/curator/merge.html", {
            "title": f"Merge {len(records)} {self.model._meta.verbose_name_plural}",
            "records": records,
            "survivor": survivor,
            "plan": plan,
            "hidden": hidden,
            "form_url": form_url,
            "columns": self.merge_columns(records),
        })  # fmt: skip

    def merge_columns(self, records):
        return []

    def _do_merge(self, request, keep, remove):
        try:
            plan = type(self).merge_run(keep=keep, remove=remove)
        except (MergeError, ValidationError) as exc:
            self.message_user(request, f"Nothing was merged: {exc}", messages.ERROR)
            return HttpResponseRedirect(reverse(admin_urlname(self.model, "changelist")))
        self.message_user(
            request,
            f"Merged {len(plan.remove)} into “{plan.keep}”: {len(plan.moved_links)} links moved, "
            f"{len(plan.collapsed_links)} duplicates collapsed, "
            f"{len(plan.moved_variants) + len(plan.new_variants)} variants added.",
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse(admin_urlname(self.model, "change"), args=[keep.pk]))

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        wrap = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/merge-into/<str:target_id>/",
                wrap(self.merge_into_view),
                name="{}_{}_merge_into".format(*info),
            ),
            path(
                "<path:object_id>/variant-of/<str:target_id>/",
                wrap(self.variant_of_view),
                name="{}_{}_variant_of".format(*info),
            ),
        ] + super().get_urls()

    # --- the review panel on the change page ----------------------------------------------

    @admin.display(description="review")
    def review_panel(self, obj) -> str:
        if obj is None or obj.pk is None:
            return "—"
        parts = []
        if obj.needs_review:
            parts.append(format_html(
                '<p><strong>Flagged for review.</strong> <a class="button" href="{}">'
                "Mark reviewed</a></p>",
                reverse(admin_urlname(self.model, "mark_reviewed"), args=[obj.pk]),
            ))  # fmt: skip
        parts.append(self.mentions_html(obj))
        similar = self.similar(obj)
        if similar:
            rows = format_html_join(
                "",
                '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>'
                '<a href="{}">Merge into …</a> · <a href="{}">Add as variant of …</a></td></tr>',
                (
                    (
                        reverse(admin_urlname(self.model, "change"), args=[s.record.pk]),
                        s.record,
                        s.name,
                        f"{s.score:.2f}",
                        reverse(
                            admin_urlname(self.model, "merge_into"), args=[obj.pk, s.record.pk]
                        ),
                        reverse(
                            admin_urlname(self.model, "variant_of"), args=[obj.pk, s.record.pk]
                        ),
                    )
                    for s in similar
                ),
            )
            parts.append(format_html(
                '<h4>Closest existing records</h4><table class="review-similar"><thead><tr>'
                "<th>record</th><th>matching name</th><th>similarity</th><th></th>"
                "</tr></thead><tbody>{}</tbody></table>",
                rows,
            ))  # fmt: skip
        else:
            parts.append(format_html("<p>{}</p>", "No similar records."))
        return format_html_join("", "{}", ((p,) for p in parts))

    def similar(self, obj):
        return []

    def mentions_html(self, obj) -> str:
        return ""


def documents_html(pairs, total=None) -> str:
    items = format_html_join(
        "",
        '<li><a href="{}">{}</a> <small>{}</small></li>',
        (
            (reverse("admin:catalogue_document_change", args=[doc.pk]), doc, note)
            for doc, note in pairs
        ),
    )
    if not items:
        return format_html("<p>{}</p>", "No document mentions this record.")
    more = f" (of {total})" if total else ""
    return format_html("<h4>Documents that mention it{}</h4><ul>{}</ul>", more, items)
