"""Rebuild the full-text index of every document: `manage.py rebuild_search_index`.

Needed only after writes that bypassed the model layer (raw SQL, a restored
dump); saves through Django keep the index in step by themselves.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import connection, transaction

from catalogue.models import Document
from catalogue.search import rebuild_search_index


class Command(BaseCommand):
    help = "Rebuild the full-text search index (PostgreSQL tsvector or SQLite FTS5)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="count, write nothing")

    def handle(self, *args, **options) -> None:
        count = Document.objects.count()
        if not options["dry_run"]:
            with transaction.atomic():
                rebuild_search_index()
        verb = "would re-index" if options["dry_run"] else "re-indexed"
        self.stdout.write(
            f"{verb} {count} document{'s' if count != 1 else ''} ({connection.vendor})"
        )
