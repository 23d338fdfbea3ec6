"""Import scraped document pages: `manage.py import_documents PATH [PATH …]`.

A thin shell over catalogue.importer.load: finds the files, shows progress,
writes the JSON report, prints the summary line and exits 1 if a file failed.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from catalogue.importer.claims import ClaimsUnavailable
from catalogue.importer.load import FileOutcome, import_paths, printable
from catalogue.importer.lock import ImportLocked

OUTCOMES = ("created", "updated", "unchanged", "failed")


# After a load this large the planner's row estimates are stale (autovacuum may take
# minutes to notice): a search would then scan every document instead of its index.
ANALYZE_AFTER = 100
ANALYZED_TABLES = (
    "catalogue_document",
    "catalogue_translation",
    "catalogue_archivalreference",
    "catalogue_documentperson",
    "catalogue_documentorganization",
    "people_person",
    "people_personname",
    "people_organization",
    "people_organizationname",
)


def refresh_statistics() -> None:
    """Fresh planner statistics for the tables an import fills (sampled: seconds at 1M).

    On PostgreSQL also VACUUM, which marks the new rows' pages all-visible: until then
    facet counts cannot use index-only scans and read whole rows instead (at 100,000
    documents, 200 MB instead of 5 MB). Pages already marked are skipped, so after a
    small import it is quick. VACUUM cannot run in a transaction: inside a caller's,
    only ANALYZE (autovacuum does the rest later).
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
            cursor.execute(f"{command} " + ", ".join(ANALYZED_TABLES))
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


def check_report_path(path: Path) -> None:
    """CommandError naming `path` unless a report can be written there."""
    directory = path.parent
    if path.is_dir():
        raise CommandError(f"--report {printable(str(path))}: is a directory")
    if not directory.is_dir():
        raise CommandError(
            f"--report {printable(str(path))}: no such directory: {printable(str(directory))}"
        )
    writable = os.access(path, os.W_OK) if path.exists() else os.access(directory, os.W_OK)
    if not writable:
        raise CommandError(f"--report {printable(str(path))}: permission denied")


class Command(BaseCommand):
    help = "Import document pages (files, or directories searched for *.txt) into the catalogue."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", help="files or directories (searched recursively)")
        parser.add_argument(
            "--dry-run", action="store_true", help="parse and report, write nothing"
        )
        parser.add_argument("--report", metavar="FILE", help="write a JSON report of every file")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            metavar="N",
            help=(
                "parse in N worker processes, for imports of 400 files or more "
                "(default: one where the machine has a second core; 0: none)"
            ),
        )
        parser.add_argument(
            "--wait",
            action="store_true",
            help="wait for another running import to finish instead of exiting",
        )

    def handle(self, *args, **options) -> None:
        missing = [printable(p) for p in options["paths"] if not Path(p).exists()]
        if missing:
            raise CommandError(f"no such file or directory: {', '.join(missing)}")
        if options["report"]:
            # Checked before anything is written: found unwritable after the import, the
            # report would be lost with the run's summary.
            check_report_path(Path(options["report"]))
        verbosity = options["verbosity"]
        show_bar = verbosity == 1 and self.stdout.isatty()
        counts: Counter[str] = Counter()

        def on_file(index: int, total: int, outcome: FileOutcome) -> None:
            counts[outcome.outcome] += 1
            if verbosity >= 2:
                if outcome.outcome == "failed" and outcome.reason:
                    # The reason names the file, by its path under the directory given.
                    line = outcome.reason
                else:
                    detail = f": {outcome.reason}" if outcome.reason else ""
                    conflicts = (
                        f" (conflicts kept: {', '.join(outcome.conflicts)})"
                        if outcome.conflicts
                        else ""
                    )
                    line = f"{outcome.file}{detail}{conflicts}"
                self.stdout.write(f"{outcome.outcome:9} {line}")
            elif outcome.outcome == "failed" and verbosity >= 1:
                self.stderr.write(f"failed: {outcome.reason}")
            if show_bar:
                done = int(30 * index / total)
                self.stdout.write(f"\r[{'#' * done}{'.' * (30 - done)}] {index}/{total}", ending="")
                if index == total:
                    self.stdout.write("")

        try:
            outcomes = import_paths(
                options["paths"],
                dry_run=options["dry_run"],
                wait=options["wait"],
                workers=options["workers"],
                on_file=on_file,
                # Every file's outcome is kept only for the report: memory stays flat.
                keep_outcomes=bool(options["report"]),
            )
        except ImportLocked as exc:
            raise CommandError(f"{exc}; try again later or pass --wait") from exc
        except ClaimsUnavailable as exc:
            done = sum(counts.values())
            raise CommandError(
                f"{exc}. Stopped after {done} file(s), which are imported as reported; "
                "run the import again for the rest"
            ) from exc
        if not options["dry_run"] and counts["created"] + counts["updated"] >= ANALYZE_AFTER:
            try:
                refresh_statistics()
            except DatabaseError as exc:
                self.stderr.write(f"warning: planner statistics not refreshed: {exc}")
        report_failed = False
        if options["report"]:
            report = {
                "dry_run": options["dry_run"],
                "counts": {name: counts.get(name, 0) for name in OUTCOMES},
                "files": [o.as_dict() for o in outcomes],
            }
            try:
                Path(options["report"]).write_text(
                    json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8"
                )
            except OSError as exc:
                report_failed = True
                self.stderr.write(
                    f"error: report not written to {printable(str(options['report']))}: "
                    f"{exc.strerror or exc}"
                )
        prefix = "dry run: " if options["dry_run"] else ""
        self.stdout.write(prefix + ", ".join(f"{name} {counts.get(name, 0)}" for name in OUTCOMES))
        if counts.get("failed") or report_failed:
            sys.exit(1)
