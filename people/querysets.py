"""Chainable reads over the authority, exposed as the models' managers."""

from __future__ import annotations

from django.db import models


class PersonQuerySet(models.QuerySet):
    def with_document_count(self) -> PersonQuerySet:
        return self.annotate(document_count=models.Count("document_links__document", distinct=True))

    def needing_review(self) -> PersonQuerySet:
        return self.filter(needs_review=True)


class OrganizationQuerySet(models.QuerySet):
    def with_document_count(self) -> OrganizationQuerySet:
        return self.annotate(document_count=models.Count("document_links__document", distinct=True))

    def needing_review(self) -> OrganizationQuerySet:
        return self.filter(needs_review=True)
