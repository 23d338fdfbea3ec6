"""Bulk import and export of people and organizations, their name variants in one column.

The `variants` cell lists every variant, "; "-separated. Importing it back makes the
record's variants exactly that list: a new spelling becomes a variant, a missing one is
deleted, a spelling that differs only in case is renamed — each a history entry.
"""

from __future__ import annotations

from import_export import fields, widgets

from catalogue.resources import BULK_IMPORT, VersionedResource
from people.models import Organization, Person, unique_slug, variant_key
from people.services import _variant_kind

SEPARATOR = "; "


class YearWidget(widgets.IntegerWidget):
    """A year; a cell that is not one is a row error that says so (not a decimal exception)."""

    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except (ArithmeticError, ValueError) as exc:
            raise ValueError(f"“{value}” is not a year.") from exc


def split_variants(value) -> list[str]:
    """The cell's names, in order, without blanks or case-insensitive repeats."""
    names: dict[str, str] = {}
    for part in str(value or "").split(";"):
        name = " ".join(part.split())
        if name and variant_key(name) not in names:
            names[variant_key(name)] = name
    return list(names.values())


class VariantsResource(VersionedResource):
    variants = fields.Field(column_name="variants", readonly=True)
    variant_model = None  # set by subclasses
    owner_field = ""

    class Meta:
        abstract = True

    def filter_export(self, queryset, **kwargs):
        return queryset.prefetch_related("variants")

    def dehydrate_variants(self, obj) -> str:
        return SEPARATOR.join(sorted((v.name for v in obj.variants.all()), key=str.casefold))

    def _wanted(self, row) -> list[str] | None:
        # None: the file has no variants column, so the variants are left alone.
        return split_variants(row["variants"]) if "variants" in row else None

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        if not instance.slug and instance.name:
            instance.slug = unique_slug(type(instance), instance.name, exclude_pk=instance.pk)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        wanted = self._wanted(row)
        if wanted is not None and instance.pk is not None:
            current = sorted(instance.variants.values_list("name", flat=True))
            if sorted(wanted) != current:
                return False
        return super().skip_row(instance, original, row, import_validation_errors)

    def after_save_instance(self, instance, row, **kwargs):
        super().after_save_instance(instance, row, **kwargs)
        wanted = self._wanted(row)
        if wanted is None or instance.pk is None:
            return
        wanted_by_key = {variant_key(name): name for name in wanted}
        for variant in self.variant_model._default_manager.filter(**{self.owner_field: instance}):
            target = wanted_by_key.pop(variant.name_key, None)
            variant._change_reason = BULK_IMPORT
            if target is None:
                variant.delete()
            elif target != variant.name:
                variant.name = target
                variant.save()
        for name in wanted_by_key.values():
            variant = self.variant_model(
                **{self.owner_field: instance}, name=name, kind=_variant_kind(name)
            )
            variant._change_reason = BULK_IMPORT
            variant.save()


class PersonResource(VariantsResource):
    variant_model = Person.variants.rel.related_model
    owner_field = "person"
    birth_year = fields.Field(attribute="birth_year", column_name="birth_year",
                              widget=YearWidget())  # fmt: skip
    death_year = fields.Field(attribute="death_year", column_name="death_year",
                              widget=YearWidget())  # fmt: skip

    class Meta:
        model = Person
        fields = (
            "id",
            "name",
            "sort_name",
            "slug",
            "birth_year",
            "death_year",
            "description",
            "needs_review",
            "variants",
            "version",
        )
        export_order = fields
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True


class OrganizationResource(VariantsResource):
    variant_model = Organization.variants.rel.related_model
    owner_field = "organization"
    parent = fields.Field(
        attribute="parent",
        column_name="parent",
        widget=widgets.ForeignKeyWidget(Organization, "pk"),
    )

    class Meta:
        model = Organization
        fields = (
            "id",
            "name",
            "abbreviation",
            "slug",
            "kind",
            "parent",
            "description",
            "needs_review",
            "variants",
            "version",
        )
        export_order = fields
        import_id_fields = ["id"]
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
