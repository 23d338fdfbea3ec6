"""Bulk import and export (django-import-export) of documents and repositories.

An import is a curator's edit like any other: each saved row gets a history
entry under the curator's name (simple-history's middleware), its version is
checked and incremented (an export carries the version; a row exported before
someone else changed the record is refused, naming what changed), and a
document field changed this way becomes curated, so a re-import of the scraped
pages does not undo it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from import_export import fields, resources, widgets

from catalogue.concurrency import changes_since, locked_version
from catalogue.models import Document, Repository
from catalogue.services import IMPORTED_FIELDS, document_mark_curated

BULK_IMPORT = "bulk import"


class ListWidget(widgets.Widget):
    """A list of short codes in one cell: "ru; en"."""

    def clean(self, value, row=None, **kwargs):
        if value is None or value == "":
            return []
        if isinstance(value, list):
            return [str(v).strip() for v in value if str(v).strip()]
        return [part.strip() for part in str(value).replace(",", ";").split(";") if part.strip()]

    def render(self, value, obj=None, **kwargs):
        return "; ".join(value or [])


class VersionedResource(resources.ModelResource):
    """Refuses rows based on an older version of a record; every save increments the version."""

    version = fields.Field(attribute="version", column_name="version", readonly=True)

    class Meta:
        abstract = True

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if instance.pk is not None and not instance._state.adding:
            current = locked_version(type(instance), instance.pk)
            given = row.get("version")
            if given not in (None, ""):
                try:
                    given = int(float(given))
                except (TypeError, ValueError):
                    errors["version"] = [f"“{given}” is not a version number."]
                else:
                    if current is not None and given != current:
                        story = changes_since(type(instance), instance.pk, given)
                        errors["version"] = [
                            f"The file has version {given}, the record is at {current}: {story}. "
                            "Export again and redo the change on the new file."
                        ]
            instance._loaded_version = current
        if errors:
            raise ValidationError(errors)

    def before_save_instance(self, instance, row, **kwargs):
        loaded = getattr(instance, "_loaded_version", None)
        if loaded is not None:
            instance.version = loaded + 1
        instance._change_reason = BULK_IMPORT
        super().before_save_instance(instance, row, **kwargs)


class DocumentResource(VersionedResource):
    original_languages = fields.Field(
        attribute="original_languages", column_name="original_languages", widget=ListWidget()
    )
    curated_fields = fields.Field(
        attribute="curated_fields", column_name="curated_fields", widget=ListWidget(),
        readonly=True,
    )  # fmt: skip

    class Meta:
        model = Document
        fields = (
            "id",
            *IMPORTED_FIELDS,
            "status",
            "needs_review",
            "review_notes",
            "curated_fields",
            "version",
        )
        export_order = fields
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_save_instance(self, instance, row, **kwargs):
        if instance.pk is not None and not instance._state.adding:
            stored = Document.objects.filter(pk=instance.pk).values(*IMPORTED_FIELDS).first()
            if stored:
                document_mark_curated(
                    instance, [n for n in IMPORTED_FIELDS if stored[n] != getattr(instance, n)]
                )
        super().before_save_instance(instance, row, **kwargs)


class RepositoryResource(VersionedResource):
    class Meta:
        model = Repository
        fields = ("id", "code", "name", "country", "description", "needs_review", "version")
        export_order = fields
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
