"""Export every document as JSON Lines in the record format (../shared/docs/RECORD.md)."""

from __future__ import annotations

import contextlib
import json

from django.core.management.base import BaseCommand, CommandParser

from catalogue.models import Document
from catalogue.records import document_record

BATCH = 500


class Command(BaseCommand):
    help = "Write every document (published or not), ordered by id, as one JSON record per line."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")

    def handle(self, *args, **options) -> None:
        with contextlib.ExitStack() as stack:
            if options["output"]:
                handle = stack.enter_context(open(options["output"], "w", encoding="utf-8"))

                def write(line: str) -> None:
                    handle.write(line + "\n")
            else:

                def write(line: str) -> None:
                    self.stdout.write(line)

            count = 0
            last_id = 0
            # Keyset batches: memory stays flat however many documents there are.
            while True:
                batch = list(
                    Document.objects.for_record().filter(pk__gt=last_id).order_by("pk")[:BATCH]
                )
                if not batch:
                    break
                for document in batch:
                    write(json.dumps(document_record(document), ensure_ascii=False))
                    count += 1
                last_id = batch[-1].pk
        if options["output"]:
            self.stderr.write(f"exported {count} documents to {options['output']}")
