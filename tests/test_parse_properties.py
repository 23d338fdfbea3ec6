"""Property tests: whatever the bytes, ``parse`` returns a sane document or a ParseError.

A ParseError whose message says "bug" is the parser's own safety net catching an
unexpected exception; it fails these tests like any other exception would.
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from catalogue.importer.errors import ParseError
from catalogue.importer.parse import ParsedDocument, parse

SEEDS = sorted((Path(__file__).resolve().parent.parent / "seeds").glob("*.txt"))
SEED_BYTES = [path.read_bytes() for path in SEEDS]

LAYOUTS = {
    "current",
    "legacy-citation-first",
    "legacy-labelled",
    "markdown-mirror",
    "pdf-flat",
    "unknown",
}
ROLES = {"author", "recipient", "participant", "mentioned", "translator", "contributor", "funder"}
SOURCES = {"credits", "title", "addressee", "signature", "participants", "bracket", "field"}
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}$")

# Fast enough for a few hundred examples in well under 20 seconds; a catastrophic
# backtracking regex blows the per-example deadline.
FUZZ = settings(
    max_examples=60,
    deadline=datetime.timedelta(milliseconds=1500),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)


@pytest.fixture(autouse=True)
def _plain_static_storage():
    """Shadows the Django settings fixture of tests/conftest.py: these tests need none."""


def check(data: bytes) -> ParsedDocument | None:
    try:
        doc = parse(data, "fuzz.txt")
    except ParseError as exc:
        assert "bug" not in str(exc), str(exc)
        assert str(exc).startswith("fuzz.txt: ")
        return None
    assert_sane(doc)
    return doc


def assert_sane(doc: ParsedDocument) -> None:
    assert doc.file_name == "fuzz.txt"
    assert len(doc.sha256) == 64
    assert doc.encoding
    assert doc.layout in LAYOUTS
    assert doc.title is None or (doc.title and doc.title == doc.title.strip())
    assert doc.title is not None or doc.texts
    assert (doc.date is None) == (doc.date_precision is None)
    assert doc.date_precision in (None, "day", "month", "year")
    if doc.date_precision in ("month", "year"):
        assert doc.date.day == 1
    if doc.date_precision == "year":
        assert doc.date.month == 1
    assert doc.citation is None or "\n" not in doc.citation
    assert all(LANGUAGE_CODE.match(code) for code in doc.original_languages)
    for text in doc.texts:
        assert text.kind in ("original", "translation")
        assert LANGUAGE_CODE.match(text.language)
        assert text.text.strip()
    for name in doc.names:
        assert name.role in ROLES and name.source in SOURCES
        assert name.kind in ("person", "organization")
        assert name.name and name.name == name.name.strip()
        assert all(isinstance(v, str) and v for v in name.variants)
    for ref in doc.references:
        assert ref.text
        assert ref.repository is None or 0 < len(ref.repository) <= 40
    assert all(isinstance(w, str) and w for w in doc.warnings)
    if doc.title is None:
        assert doc.needs_review


@FUZZ
@given(st.binary(max_size=3000))
def test_arbitrary_bytes(data):
    check(data)


@FUZZ
@given(st.text(max_size=3000))
def test_arbitrary_text(text):
    check(text.encode("utf-8"))


@FUZZ
@given(seed=st.sampled_from(SEED_BYTES), cut=st.floats(min_value=0, max_value=1))
def test_seeds_truncated_anywhere(seed, cut):
    check(seed[: int(len(seed) * cut)])


@FUZZ
@given(seed=st.sampled_from(SEED_BYTES), data=st.data())
def test_seeds_with_lines_deleted(seed, data):
    lines = seed.split(b"\n")
    doomed = data.draw(st.sets(st.integers(0, len(lines) - 1), max_size=len(lines)))
    check(b"\n".join(line for i, line in enumerate(lines) if i not in doomed))


@FUZZ
@given(seed=st.sampled_from(SEED_BYTES), data=st.data())
def test_seeds_with_bytes_substituted(seed, data):
    mutated = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 40))):
        mutated[data.draw(st.integers(0, len(mutated) - 1))] = data.draw(st.integers(0, 255))
    check(bytes(mutated))


# Pieces that the parser's patterns look for, to put them in odd company and long runs.
TOKENS = [
    "A.", "A. ", "A.A. ", "Gromyko", "GROMYKO", "Comrade ", "Cde. ", "Т. т. ", "Булганину, ",
    "from ", " to ", "To Comrades ", "[", "]", "[i.e., ", "[sic]", "Citation:", "Summary:",
    "Original Language:", "Contents:", "Translation - English", "Document Information",
    "Record ID", "Source", "\n", "\n\n", "#", "**", "- ", "•", '"', "“", "Digital Archive",
    ", and ", "; and ", " and ", "f. 3", "op. 5", "d. 5", "ll. 1-3", "II. 0102", "pp. 1-5",
    "Fond 059a", "AP RF", "AVPRF", "MOL, ", "PRC FMA ", "Copy available in ",
    "copy courtesy of NSA", "Library of Congress", "Translated by ", "Translated for NKIDP by ",
    "Obtained for CWIHP by ", "support from ", "Foundation", "October 25, 1950", "19 50",
    "February 31, 1950", "ca. 1950", "СЕКРЕТНО", "TOP SECRET", "Secret, Copy #40",
    "Record of Conversation with ", "The conversation was attended by ", "From the diary of ",
    " ", ".", ",", ";", "Pak Seong-cheol", "绝密", "김일성", "https://x.org/document/12",
    "<script>", "\r", "\r\n", "\t", "\u00a0", "0", "1950", "Ð¡Ñ€",
]  # fmt: skip


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=400))
def test_token_soup(tokens):
    check("".join(tokens).encode("utf-8"))


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=30), st.integers(1, 400))
def test_long_repetitions(tokens, times):
    check(("".join(tokens) * times).encode("utf-8"))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.one_of(st.sampled_from(SEED_BYTES), st.binary(max_size=2000)))
def test_parse_is_deterministic(data):
    try:
        first = parse(data, "same.txt")
    except ParseError as exc:
        with pytest.raises(ParseError) as again:
            parse(data, "same.txt")
        assert str(again.value) == str(exc)
        return
    assert parse(data, "same.txt") == first


def test_seeds_are_sane():
    for data in SEED_BYTES:
        doc = check(data)
        assert doc is not None and not doc.needs_review
