"""Documents, the archives that hold them, their references, texts and role links."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models.functions import Lower
from simple_history.models import HistoricalRecords

from archive.url_cache import cached_reverse
from catalogue.history import KeepsImportBaseline, related_or_gone
from catalogue.querysets import DocumentQuerySet
from people.models import Organization, Person


class Status(models.TextChoices):
    PUBLISHED = "published", "Published"
    DRAFT = "draft", "Draft"
    WITHDRAWN = "withdrawn", "Withdrawn"


class DatePrecision(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    YEAR = "year", "Year"


class TextKind(models.TextChoices):
    ORIGINAL = "original", "Original transcription"
    TRANSLATION = "translation", "Translation"


class PersonRole(models.TextChoices):
    AUTHOR = "author", "Author"
    RECIPIENT = "recipient", "Recipient"
    PARTICIPANT = "participant", "Participant"
    MENTIONED = "mentioned", "Mentioned"
    TRANSLATOR = "translator", "Translator"
    CONTRIBUTOR = "contributor", "Contributor"


class OrganizationRole(models.TextChoices):
    AUTHOR = "author", "Author"
    RECIPIENT = "recipient", "Recipient"
    PARTICIPANT = "participant", "Participant"
    MENTIONED = "mentioned", "Mentioned"
    FUNDER = "funder", "Funder"
    PUBLISHER = "publisher", "Publisher"


class LinkOrigin(models.TextChoices):
    # Re-imports replace only the links they made; a curator's links stay.
    IMPORT = "import", "Importer"
    CURATOR = "curator", "Curator"


class Repository(models.Model):
    code = models.CharField(max_length=40, help_text="Short form used in citations: APRF, AVPRF …")
    name = models.CharField("full name", max_length=255, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2")
    description = models.TextField(blank=True)
    needs_review = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "repositories"
        constraints = [
            # The `repository` facet and /repositories/<code>/ address archives by code.
            models.UniqueConstraint(fields=["code"], name="repository_unique_code"),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return cached_reverse("catalogue:repository", self.code)


class RepositoryRedirect(models.Model):
    """A merged-away repository's code, so that /repositories/<old code>/ answers 301."""

    old_code = models.CharField(max_length=40)
    repository = models.ForeignKey(Repository, on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["old_code"]
        constraints = [
            models.UniqueConstraint(fields=["old_code"], name="repositoryredirect_unique_code")
        ]

    def __str__(self) -> str:
        return f"{self.old_code} → {self.repository}"


class Document(models.Model):
    title = models.TextField()
    slug = models.SlugField(max_length=120, blank=True)
    date = models.DateField(
        null=True,
        blank=True,
        help_text="First day of the period when the precision is a month or year.",
    )
    date_precision = models.CharField(
        max_length=5, choices=DatePrecision.choices, blank=True, default=""
    )
    date_text = models.CharField("date as written", max_length=255, blank=True)
    document_type = models.CharField(max_length=100, blank=True)
    classification = models.CharField(max_length=100, blank=True)
    summary = models.TextField(blank=True)
    citation = models.TextField(blank=True, help_text="The citation as the source gives it.")
    source_url = models.URLField(max_length=500, blank=True)
    external_id = models.CharField(max_length=64, blank=True, help_text="The source's record id.")
    original_languages = models.JSONField(default=list, blank=True)
    # Denormalised first original language: the `language` facet and its index need a column.
    language = models.CharField(max_length=8, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PUBLISHED)
    needs_review = models.BooleanField(default=False)
    review_notes = models.TextField(blank=True, help_text="What the importer could not understand.")

    # Provenance, kept by the importer.
    source_file = models.CharField(max_length=255, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    layout = models.CharField(max_length=40, blank=True)
    encoding = models.CharField(max_length=20, blank=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    # The values of the last import, for the three-way merge of the next one.
    imported_values = models.JSONField(default=dict, blank=True, editable=False)
    # Fields whose current value a curator chose; a re-import does not overwrite them.
    curated_fields = models.JSONField(default=list, blank=True, editable=False)
    # Field → the imported value that was not applied because the field is curated.
    import_conflicts = models.JSONField(default=dict, blank=True, editable=False)
    # Field → an imported value a curator dismissed ("keep current"): an import bringing
    # that value again raises no conflict; another value does.
    dismissed_conflicts = models.JSONField(default=dict, blank=True, editable=False)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    # PostgreSQL's weighted full-text vector, written by catalogue.search.update_search_index
    # (SQLite keeps its FTS5 table instead and leaves this column empty).
    search_vector = SearchVectorField(null=True, blank=True, editable=False)

    people = models.ManyToManyField(Person, through="DocumentPerson", related_name="documents")
    organizations = models.ManyToManyField(
        Organization, through="DocumentOrganization", related_name="documents"
    )

    # The import baseline stays out of the history rows (their size, and a revert must not
    # roll it back), but a deletion's row keeps it so that a recovery restores it: see
    # catalogue.history.KeepsImportBaseline. The search vector is rebuilt, never kept.
    history = HistoricalRecords(
        excluded_fields=[*KeepsImportBaseline.KEPT_FIELDS, "search_vector"],
        bases=[KeepsImportBaseline],
    )
    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        constraints = [
            # The importer identifies a re-scraped page by its source id.
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~models.Q(external_id=""),
                name="document_unique_external_id",
            ),
            models.CheckConstraint(
                condition=models.Q(date__isnull=True, date_precision="")
                | models.Q(date__isnull=False) & ~models.Q(date_precision=""),
                name="document_date_has_precision",
            ),
        ]
        indexes = [
            # Date sort and the date range filter.
            models.Index(fields=["date", "id"], name="document_date_idx"),
            models.Index(fields=["status", "date"], name="document_status_date_idx"),
            # The home page's recent additions: read newest first, not sorted whole (66 ms
            # at 100,000 documents on PostgreSQL, 125 at 16,000 on SQLite).
            models.Index(fields=["created_at", "id"], name="document_created_idx"),
            # Newest first (`sort=-date`): descending with undated documents last.
            models.Index(
                models.F("date").desc(nulls_last=True),
                models.F("id").desc(),
                name="document_date_desc_idx",
            ),
            # Title sort (`sort=title`), without regard to case: under the C collation
            # the bytes put "Charles Kraus" before "Charles de Gaulle".
            models.Index(Lower("title"), "id", name="document_title_lower_idx"),
            # Facets.
            models.Index(fields=["language"], name="document_language_idx"),
            models.Index(fields=["document_type"], name="document_type_idx"),
            models.Index(fields=["classification"], name="document_classification_idx"),
            # Facet counts over many results read these few columns from the index alone
            # (an index-only scan) instead of the whole rows, which hold the texts' vector:
            # at 100,000 documents 5 MB instead of 200 MB.
            models.Index(
                fields=["status", "id", "language", "document_type", "classification", "date"],
                name="document_facets_idx",
            ),
            # The importer's lookups by file name and content hash.
            models.Index(fields=["source_file"], name="document_source_file_idx"),
            models.Index(fields=["sha256"], name="document_sha256_idx"),
            models.Index(fields=["needs_review"], name="document_review_idx"),
            # The few documents not published: a person's page counts their links apart
            # and takes them from the whole (reading every link's document costs seconds
            # for someone named in half a million).
            models.Index(
                fields=["id"],
                condition=~models.Q(status="published"),
                name="document_unpublished_idx",
            ),
            # Full-text search on PostgreSQL (migration 0002 creates it there only).
            GinIndex(fields=["search_vector"], name="document_search_idx"),
        ]

    def __str__(self) -> str:
        return self.title[:120]

    def save(self, *args, **kwargs) -> None:
        from django.utils.text import slugify

        self.language = self.original_languages[0] if self.original_languages else ""
        if not self.slug:
            self.slug = slugify(self.title)[:100].strip("-") or "document"
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return cached_reverse("catalogue:document", self.pk, self.slug)

    @property
    def date_iso(self) -> str | None:
        """The date cut to its precision, as RECORD.md has it."""
        if self.date is None:
            return None
        if self.date_precision == DatePrecision.YEAR:
            return f"{self.date.year:04d}"
        if self.date_precision == DatePrecision.MONTH:
            return f"{self.date.year:04d}-{self.date.month:02d}"
        return self.date.isoformat()


class ArchivalReference(models.Model):
    # Indexed with the repository (Meta), not alone: see reference_document_idx.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="references", db_index=False
    )
    # Indexed with the document (Meta), not alone: reference_repository_idx serves.
    repository = models.ForeignKey(
        Repository,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="references",
        db_index=False,
    )
    fond = models.CharField(max_length=50, blank=True)
    opis = models.CharField(max_length=50, blank=True)
    delo = models.CharField(max_length=50, blank=True)
    papka = models.CharField(max_length=50, blank=True)
    folios = models.CharField(max_length=100, blank=True, help_text="Listy or pages, e.g. 141-143")
    collection = models.CharField(max_length=255, blank=True)
    call_number = models.CharField(max_length=255, blank=True)
    is_copy = models.BooleanField(
        default=False, help_text="A copy held elsewhere, not the original."
    )
    text = models.TextField("reference as written", blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "position", "id"]
        indexes = [
            # The repository facet joins through references.
            models.Index(fields=["repository", "document"], name="reference_repository_idx"),
            # A document's references, and the repository facet over a search's hits:
            # with the repository in the index (PostgreSQL) the facet reads it alone,
            # not a page of the table per reference — at a million documents a medium
            # word's facet read 6,800 pages from outside the buffers, 3,000 this way
            # (29 → 18 ms).
            models.Index(fields=["document", "repository"], name="reference_document_idx"),
        ]

    def __str__(self) -> str:
        if self.text:
            return self.text
        return f"{related_or_gone(self, 'repository')}, f. {self.fond}"


class Translation(models.Model):
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="texts")
    kind = models.CharField(max_length=12, choices=TextKind.choices, default=TextKind.TRANSLATION)
    language = models.CharField(max_length=8)
    text = models.TextField()
    translators = models.ManyToManyField(Person, blank=True, related_name="translations")
    position = models.PositiveSmallIntegerField(default=0)

    history = HistoricalRecords(m2m_fields=[translators])

    class Meta:
        ordering = ["document", "position", "id"]
        verbose_name = "text"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class DocumentPerson(models.Model):
    # No index of its own: the unique constraint's (document, person, role) serves a
    # document's links, and the person facet over a search's hits reads it alone
    # (PostgreSQL: an index-only scan). With a document index beside it the planner
    # took that one and a page of the table per link: at a million documents a medium
    # word's person facet read 8,000 pages from outside the buffers, 4,200 this way.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="person_links", db_index=False
    )
    # Nor the person: documentperson_person_role_idx begins with it.
    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="document_links", db_index=False
    )
    role = models.CharField(max_length=12, choices=PersonRole.choices)
    origin = models.CharField(max_length=8, choices=LinkOrigin.choices, default=LinkOrigin.CURATOR)

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "role", "person"]
        verbose_name = "person in document"
        verbose_name_plural = "people in document"
        constraints = [
            # RECORD.md: a person appears once per role.
            models.UniqueConstraint(
                fields=["document", "person", "role"], name="documentperson_unique_role"
            ),
        ]
        indexes = [
            # The person facet and a person's page go from person to documents; with the
            # role in the index (PostgreSQL), a person's counts per role read it alone.
            models.Index(
                fields=["person", "document"],
                include=["role"],
                name="documentperson_person_role_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{related_or_gone(self, 'person')} ({self.role})"


class DocumentOrganization(models.Model):
    # No index of its own on either key, as DocumentPerson's: the unique constraint's
    # and documentorg_org_role_idx serve.
    document = models.ForeignKey(
        Document, on_delete=models.CASCADE, related_name="organization_links", db_index=False
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="document_links", db_index=False
    )
    role = models.CharField(max_length=12, choices=OrganizationRole.choices)
    origin = models.CharField(max_length=8, choices=LinkOrigin.choices, default=LinkOrigin.CURATOR)

    history = HistoricalRecords()

    class Meta:
        ordering = ["document", "role", "organization"]
        verbose_name = "organization in document"
        verbose_name_plural = "organizations in document"
        constraints = [
            models.UniqueConstraint(
                fields=["document", "organization", "role"],
                name="documentorganization_unique_role",
            ),
        ]
        indexes = [
            models.Index(
                fields=["organization", "document"],
                include=["role"],
                name="documentorg_org_role_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{related_or_gone(self, 'organization')} ({self.role})"
