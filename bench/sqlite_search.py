"""The search page on SQLite, the embedded default: `python -m bench.sqlite_search --corpus DIR`.

Imports the corpus (`python -m bench.corpus`) into a new SQLite file in a temporary
directory (or reads `--database FILE`, already imported, and keeps it), picks words
from the full-text index's own vocabulary (`fts5vocab`) found in about 1 %, 10 %,
50 % and 90 % of the documents, and asks the search page for each of them (`q=` and
nothing else) `--times` times in this process through Django's test client, with
production settings, after one warm-up request. Prints each word's hits and its
median and slowest time. SQLite keeps neither pages nor facet counts (they need
PostgreSQL's write stamp), so every request computes the whole page.

    python -m bench.corpus --documents 3000 --out /tmp/c3000
    python -m bench.sqlite_search --corpus /tmp/c3000
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

from bench.page_times import in_process, timed
from bench.run import app_env, manage

SHARES = (0.01, 0.1, 0.5, 0.9)


def words_by_share(database: Path, documents: int) -> list[tuple[str, int]]:
    """For each share, the index's word (letters only, 4 or more) whose document count
    is nearest to it."""
    import sqlite3

    with sqlite3.connect(database) as db:
        db.execute(
            "CREATE VIRTUAL TABLE IF NOT EXISTS temp.vocab"
            " USING fts5vocab(main, catalogue_document_fts, row)"
        )
        vocabulary = [
            (term, doc)
            for term, doc in db.execute("SELECT term, doc FROM temp.vocab")
            if term.isalpha() and len(term) >= 4
        ]
    return [
        min(vocabulary, key=lambda word: (abs(word[1] - share * documents), word[0]))
        for share in SHARES
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="files to import into a new database")
    parser.add_argument("--database", type=Path, help="an imported SQLite file to read")
    parser.add_argument("--times", type=int, default=15)
    args = parser.parse_args()
    if (args.corpus is None) == (args.database is None):
        parser.error("give either --corpus or --database")
    work = None
    database = args.database
    if database is None:
        work = Path(tempfile.mkdtemp(prefix="sqlite-search-"))
        database = work / "catalogue.sqlite3"
    url = f"sqlite:///{database.resolve()}"
    try:
        if args.corpus is not None:
            env = app_env(url)
            manage(env, "migrate", "-v", "0")
            started = time.perf_counter()
            manage(env, "import_documents", str(args.corpus))
            print(f"imported in {time.perf_counter() - started:.1f} s")
        client = in_process(url)
        from catalogue.models import Document

        documents = Document.objects.published().count()
        print(f"{documents:,} published documents; {args.times} requests a word")
        print(f"{'word':<16} {'documents':>9} {'p50 ms':>8} {'max ms':>8}")
        for word, count in words_by_share(database, documents):
            median, slowest, _ = timed(client, "/documents/?" + urlencode({"q": word}), args.times)
            print(f"{word:<16} {count:>9,} {median:>8.1f} {slowest:>8.1f}")
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
