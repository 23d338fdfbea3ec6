"""Chainable reads over documents, exposed as `Document.objects`."""

from __future__ import annotations

from django.db import models

from catalogue.history import KeepsImportBaseline


def of_published_documents(rows: models.QuerySet) -> models.QuerySet:
    """`rows` (of a table with a `document` key: references, role links) that belong to
    published documents: all but those of the few unpublished ones, which a partial
    index lists (document_unpublished_idx). Tested through a join to every document,
    the status cost as much as the rows: PostgreSQL counted the archives' documents in
    156 ms at 100,000 documents, against 12 ms this way; SQLite read every published
    document first (470 ms for fifty people's counts at 16,000, against 1.4 ms)."""
    from catalogue.models import Document, Status  # it imports this module

    unpublished = Document._default_manager.exclude(status=Status.PUBLISHED).values("pk")
    return rows.exclude(document__in=unpublished)


class DocumentQuerySet(models.QuerySet):
    def published(self) -> DocumentQuerySet:
        published = self.filter(status="published")
        # Marked when it is every published document and nothing narrower (any further
        # filter, being a copy, drops the mark): a name's linked documents are then
        # found by leaving out the few unpublished ones (search.linked_ids).
        published.every_published = not self.query.has_filters()
        return published

    def in_language(self, *codes: str) -> DocumentQuerySet:
        return self.filter(language__in=codes)

    def shown(self) -> DocumentQuerySet:
        """Without the columns no page or record shows: the importer's working fields and
        the search vector are most of a row (a document's texts again, twice). Ranking
        still reads the vector in the database; it is not sent (a search's 20 results
        were 1.7 MB to transfer and parse with it, 28 KB without)."""
        return self.defer(*KeepsImportBaseline.KEPT_FIELDS, "search_vector")

    def _references_with_archives(self) -> models.Prefetch:
        references = self.model.references.rel.related_model.objects
        return models.Prefetch("references", queryset=references.select_related("repository"))

    def for_citation(self) -> DocumentQuerySet:
        """What citations.citation_data reads, in a fixed number of queries: the
        references with their archives, the authors and the publishers (not the texts)."""
        from catalogue.models import OrganizationRole, PersonRole  # it imports this module

        links = self.model.person_links.rel.related_model.objects
        org_links = self.model.organization_links.rel.related_model.objects
        return self.shown().prefetch_related(
            self._references_with_archives(),
            models.Prefetch(
                "person_links",
                queryset=links.filter(role=PersonRole.AUTHOR).select_related("person"),
            ),
            models.Prefetch(
                "organization_links",
                queryset=org_links.filter(role=OrganizationRole.PUBLISHER).select_related(
                    "organization"
                ),
            ),
        )

    def for_record(self) -> DocumentQuerySet:
        """Everything the record serializer reads, in a fixed number of queries, and
        nothing it does not (shown())."""
        return self.shown().prefetch_related(
            self._references_with_archives(),
            models.Prefetch(
                "texts",
                queryset=self.model.texts.rel.related_model.objects.prefetch_related("translators"),
            ),
            models.Prefetch(
                "person_links",
                queryset=self.model.person_links.rel.related_model.objects.select_related(
                    "person"
                ).order_by("role", "person__sort_name", "person_id"),
            ),
            models.Prefetch(
                "organization_links",
                queryset=self.model.organization_links.rel.related_model.objects.select_related(
                    "organization"
                ).order_by("role", "organization__name", "organization_id"),
            ),
        )
