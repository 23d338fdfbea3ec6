"""A re-import that changes the page a little changes the document a little.

A heading edited after the citation was written must not be read as a page without a
body; and a re-import that would leave a fraction of a document's texts or links is
held back for review rather than emptying the document silently.
"""

from __future__ import annotations

import functools

import pytest

from catalogue.importer.parse import parse
from catalogue.models import Document
from tests.conftest import SEEDS, run_import

# Every file's line (-v2): the tests read what each file did.
import_verbose = functools.partial(run_import, verbosity=2)

pytestmark = pytest.mark.django_db

SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"
HEADING = b"to Soviet Ambassador in Washington\n"


def snapshot(document: Document) -> dict:
    return {
        "texts": [(t.kind, t.language, t.text) for t in document.texts.order_by("position")],
        "people": sorted(document.person_links.values_list("person_id", "role")),
        "classification": document.classification,
    }


def edited_heading(heading: bytes) -> bytes:
    data = SEED_000.read_bytes()
    assert data.count(HEADING) == 1  # the heading line, not the citation (quoted)
    return data.replace(HEADING, heading)


@pytest.mark.parametrize(
    "heading",
    [
        b"to Soviet Ambassador in Washington, D.C.\n",  # a few words changed
        b"to the Soviet Ambassador in the USA\n",
    ],
)
def test_an_edited_heading_is_still_the_heading_and_the_body_is_kept(heading):
    parsed = parse(edited_heading(heading), "page.txt")
    original = parse(SEED_000.read_bytes(), "page.txt")
    assert parsed.title.endswith(heading.decode().strip())
    assert [(t.kind, t.language, t.text) for t in parsed.texts] == [
        (t.kind, t.language, t.text) for t in original.texts
    ]
    assert parsed.classification == original.classification
    assert parsed.names == original.names


def test_a_rewritten_heading_followed_by_the_header_labels_is_the_heading():
    data = SEED_000.read_bytes()
    start = data.index(b"Central Committee Politburo decision with")
    data = data[:start] + b"Politburo directives on Korea\n" + data[data.index(b"\n", start) + 1 :]
    parsed = parse(data, "page.txt")
    assert parsed.title == "Politburo directives on Korea"
    assert {t.language for t in parsed.texts} == {"ru", "en"}


def test_reimport_with_an_edited_heading_updates_the_title_only(tmp_path):
    page = tmp_path / "page.txt"
    page.write_bytes(SEED_000.read_bytes())
    import_verbose(tmp_path)
    before = snapshot(Document.objects.get())
    page.write_bytes(edited_heading(b"to Soviet Ambassador in Washington, D.C.\n"))
    code, out, _ = import_verbose(tmp_path)
    assert code == 0 and out.splitlines()[-1].startswith("created 0, updated 1")
    document = Document.objects.get()
    assert document.title.endswith("Washington, D.C.")
    assert snapshot(document) == before
    assert document.import_conflicts == {}


def test_reimport_that_would_empty_the_document_is_held_back_for_review(tmp_path):
    page = tmp_path / "page.txt"
    full = SEED_000.read_bytes()
    page.write_bytes(full)
    import_verbose(tmp_path)
    before = snapshot(Document.objects.get())
    assert before["texts"] and len(before["people"]) >= 3
    # Re-scraped cut off after the header: no document text, few names.
    page.write_bytes(full[: full.index("Срочно".encode())])
    code, out, _ = import_verbose(tmp_path)
    assert code == 0 and out.splitlines()[-1].startswith("created 0, updated 1")
    document = Document.objects.get()
    assert snapshot(document)["texts"] == before["texts"]
    assert document.needs_review
    assert "would drop most of the document's texts" in document.review_notes
    assert document.import_conflicts["texts"] == []
    # The page as it was: the held-back fields take it as any re-import, no conflict left.
    page.write_bytes(full)
    import_verbose(tmp_path)
    document = Document.objects.get()
    assert snapshot(document) == before
    assert "texts" not in document.import_conflicts
