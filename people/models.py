"""The name authority: people and organizations with every spelling they go by."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from archive.url_cache import cached_reverse
from people.accents import strip_latin_accents
from people.querysets import OrganizationQuerySet, PersonQuerySet


class VariantKind(models.TextChoices):
    TRANSLITERATION = "transliteration", "Transliteration"
    NATIVE = "native", "Native script"
    ALIAS = "alias", "Alias"
    INITIALS = "initials", "Initials form"
    ABBREVIATION = "abbreviation", "Abbreviation"


class OrganizationKind(models.TextChoices):
    PARTY = "party", "Party"
    STATE = "state", "State or government"
    MINISTRY = "ministry", "Ministry"
    EMBASSY = "embassy", "Embassy"
    INTERNATIONAL = "international", "International body"
    FOUNDATION = "foundation", "Foundation"
    ARCHIVE = "archive", "Archive or programme"
    MILITARY = "military", "Military"
    OTHER = "other", "Other"


def variant_key(name: str) -> str:
    """What makes two spellings the same variant: case and surrounding space do not count."""
    return " ".join(name.split()).casefold()


def search_key(name: str) -> str:
    """What the name searches compare: the variant key without Latin accents, ё as е.

    Researchers type "Gero" for Gerő, "Gomulka" for Gomułka and "Петр" for Пётр, as the
    full-text search on PostgreSQL folds them; the name lookups beside it fold alike.
    """
    return strip_latin_accents(variant_key(name)).replace("ё", "е")[:255]


def variant_keys(name: str) -> dict[str, str]:
    """A variant's keys, as `save()` sets them, for the bulk writes that bypass it."""
    return {"name_key": variant_key(name), "search_key": search_key(name)}


# Derived from the name on every save (and by the importer's bulk writes): no history of its own.
SEARCH_KEY_HELP = "The name as searches compare it (set from the name)."


def validate_variant_constraints(variant, owner: str, exclude, validate_others) -> None:
    """A variant's constraints, the one on (owner, name_key) with a message on the name.

    `name_key` follows the name and is no form field, so a model form leaves it out of its
    validation and with it the unique constraint: a spelling the record already had reached
    the database and failed there (500). Here the key is computed from the name and checked
    whenever the name and the owner are; `validate_others` checks the remaining constraints.
    """
    exclude = set(exclude or ())
    errors: dict = {}
    try:
        validate_others(exclude | {"name_key"})
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    variant.name_key = variant_key(variant.name or "")
    owner_id = getattr(variant, f"{owner}_id")
    # The owner is not looked at in `exclude`: an inline form leaves its parent key out of
    # validation, though it is set. An owner that failed validation is left as it was.
    if not ("name" in exclude or owner_id is None or not variant.name_key):
        same = (
            type(variant)
            ._default_manager.filter(**{f"{owner}_id": owner_id, "name_key": variant.name_key})
            .exclude(pk=variant.pk)
            # Rows the same save deletes first (`people.admin.VariantFormSet`).
            .exclude(pk__in=getattr(variant, "deleted_alongside", ()))
            .values_list("name", flat=True)
            .first()
        )
        if same is not None:
            errors.setdefault("name", []).append(ValidationError(
                "This %(owner)s already has the variant “%(same)s”; spellings that differ "
                "only in case or spacing count as the same variant.",
                code="unique",
                params={"owner": variant._meta.get_field(owner).verbose_name, "same": same},
            ))  # fmt: skip
    if errors:
        raise ValidationError(errors)


def unique_slug(model: type[models.Model], text: str, *, exclude_pk: int | None = None) -> str:
    """A slug for `text` not yet used by another row of `model` (suffixes -2, -3 …)."""
    base = slugify(text, allow_unicode=False)[:80] or "record"
    slug, n = base, 1
    taken = model._default_manager.filter(slug__startswith=base)
    if exclude_pk is not None:
        taken = taken.exclude(pk=exclude_pk)
    used = set(taken.values_list("slug", flat=True))
    while slug in used:
        n += 1
        slug = f"{base}-{n}"
    return slug


class Person(models.Model):
    name = models.CharField("display name", max_length=255)
    sort_name = models.CharField(max_length=255, blank=True, help_text="e.g. “Gromyko, Andrei”")
    slug = models.SlugField(max_length=100)
    search_key = models.CharField(
        max_length=255, editable=False, default="", help_text=SEARCH_KEY_HELP
    )
    description = models.TextField(blank=True)
    birth_year = models.SmallIntegerField(null=True, blank=True)
    death_year = models.SmallIntegerField(null=True, blank=True)
    needs_review = models.BooleanField(
        default=False,
        help_text="Created or left unresolved by the importer; a curator should check it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_key"])
    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["sort_name", "name", "id"]
        verbose_name_plural = "people"
        constraints = [
            # URLs /people/<id>/<slug>/ stay unambiguous and readable.
            models.UniqueConstraint(fields=["slug"], name="person_unique_slug"),
            models.CheckConstraint(
                condition=models.Q(birth_year__isnull=True)
                | models.Q(death_year__isnull=True)
                | models.Q(birth_year__lte=models.F("death_year")),
                name="person_born_before_death",
            ),
        ]
        indexes = [
            # The A–Z list and the admin sort by sort name.
            models.Index(fields=["sort_name", "name"], name="person_sort_idx"),
            # The review queue lists flagged records first.
            models.Index(fields=["needs_review"], name="person_review_idx"),
            # The names beside search results, by the display name.
            models.Index(fields=["search_key"], name="person_search_key_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.search_key = search_key(self.name)
        if not self.sort_name:
            parts = self.name.split()
            self.sort_name = f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else self.name
        if not self.slug:
            self.slug = unique_slug(Person, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("people:person", self.pk, self.slug)


class PersonName(models.Model):
    # No index of its own: the unique constraint's (person, name_key) begins with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="variants", db_index=False
    )
    name = models.CharField(max_length=255)
    # Case-folded in Python: SQLite's LOWER() folds ASCII only, and Cyrillic must fold too.
    name_key = models.CharField(max_length=255, editable=False)
    search_key = models.CharField(
        max_length=255, editable=False, default="", help_text=SEARCH_KEY_HELP
    )
    language = models.CharField(max_length=8, blank=True, help_text="ISO 639 code, e.g. ru, ko, zh")
    kind = models.CharField(max_length=20, choices=VariantKind.choices, default=VariantKind.ALIAS)

    history = HistoricalRecords(excluded_fields=["search_key"])

    class Meta:
        ordering = ["person", "name"]
        verbose_name = "person name variant"
        constraints = [
            # A person lists each spelling once (case-insensitively).
            models.UniqueConstraint(
                fields=["person", "name_key"], name="personname_unique_per_person"
            ),
        ]
        indexes = [
            # Name search by any spelling, accents or none.
            models.Index(fields=["search_key"], name="personname_search_key_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        for field, value in variant_keys(self.name).items():
            setattr(self, field, value)
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        validate_variant_constraints(self, "person", exclude, super().validate_constraints)


class Organization(models.Model):
    name = models.CharField(max_length=255)
    abbreviation = models.CharField(max_length=50, blank=True)
    slug = models.SlugField(max_length=100)
    search_key = models.CharField(
        max_length=255, editable=False, default="", help_text=SEARCH_KEY_HELP
    )
    kind = models.CharField(
        max_length=20, choices=OrganizationKind.choices, default=OrganizationKind.OTHER
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    description = models.TextField(blank=True)
    needs_review = models.BooleanField(
        default=False,
        help_text="Created or left unresolved by the importer; a curator should check it.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["search_key"])
    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="organization_unique_slug"),
        ]
        indexes = [
            models.Index(fields=["name"], name="organization_name_idx"),
            models.Index(fields=["needs_review"], name="organization_review_idx"),
            models.Index(fields=["search_key"], name="organization_search_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})" if self.abbreviation else self.name

    def save(self, *args, **kwargs) -> None:
        self.search_key = search_key(self.name)
        if not self.slug:
            self.slug = unique_slug(Organization, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("people:organization", self.pk, self.slug)


class OrganizationName(models.Model):
    # No index of its own, as PersonName's.
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="variants", db_index=False
    )
    name = models.CharField(max_length=255)
    name_key = models.CharField(max_length=255, editable=False)
    search_key = models.CharField(
        max_length=255, editable=False, default="", help_text=SEARCH_KEY_HELP
    )
    language = models.CharField(max_length=8, blank=True)
    kind = models.CharField(max_length=20, choices=VariantKind.choices, default=VariantKind.ALIAS)

    history = HistoricalRecords(excluded_fields=["search_key"])

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = "organization name variant"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name_key"], name="organizationname_unique_per_org"
            ),
        ]
        indexes = [models.Index(fields=["search_key"], name="orgname_search_key_idx")]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        for field, value in variant_keys(self.name).items():
            setattr(self, field, value)
        super().save(*args, **kwargs)

    def validate_constraints(self, exclude=None) -> None:
        validate_variant_constraints(self, "organization", exclude, super().validate_constraints)


class PersonRedirect(models.Model):
    """A merged-away person's id, so that its old public URL answers 301 to the survivor."""

    old_id = models.PositiveBigIntegerField()
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_id"]
        constraints = [
            models.UniqueConstraint(fields=["old_id"], name="personredirect_unique_old_id")
        ]

    def __str__(self) -> str:
        return f"{self.old_id} → {self.person_id}"


class OrganizationRedirect(models.Model):
    """A merged-away organization's id, so that its old public URL answers 301."""

    old_id = models.PositiveBigIntegerField()
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="redirects"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_id"]
        constraints = [
            models.UniqueConstraint(fields=["old_id"], name="organizationredirect_unique_old_id")
        ]

    def __str__(self) -> str:
        return f"{self.old_id} → {self.organization_id}"
