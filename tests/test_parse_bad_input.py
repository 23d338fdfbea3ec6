"""The parser on broken, hostile and oddly encoded input.

Choices under test: a file with a few stray NUL bytes (at most 1 % of its bytes) has them
removed, with a warning and ``needs_review``; more NULs than that, other control bytes past
5 %, or the magic number of a known binary format make it "binary" and a ParseError.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from catalogue.importer.errors import ImporterError, ParseError
from catalogue.importer.parse import MAX_BYTES, parse

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SEED_000 = SEEDS / "000_dffedfc781ea1ebd.txt"
SEED_001 = SEEDS / "001_b07270223d59d938.txt"

RUSSIAN_PAGE = (
    "October 25, 1950\n\n"
    "Решение Политбюро ЦК ВКП(б) о японцах в Корее\n\n"
    "Original Language:\n\nRussian\n\n"
    "СТРОГО СЕКРЕТНО\n\n"
    "Т. т. Булганину, Молотову, Громыко.\n\n"
    "Ваше предложение о нецелесообразности поддержки в Генеральной Ассамблее обвинения, "
    "выдвинутого правительством КНДР против США, использующих в агрессивной войне против "
    "корейского народа японцев, считаем неправильным. Поэтому Вам необходимо поддерживать "
    "протест правительства КНДР против использования американцами японских военнослужащих "
    "в войне в Корее.\n\n"
    "А. ГРОМЫКО\n"
)


@pytest.fixture(autouse=True)
def _plain_static_storage():
    """Shadows the Django settings fixture of tests/conftest.py: these tests need none."""


def reason(data: bytes, name: str = "bad.txt") -> str:
    with pytest.raises(ParseError) as info:
        parse(data, name)
    message = str(info.value)
    assert message.startswith(f"{name}: "), message  # the message names the file
    assert "bug" not in message
    return message


def test_parse_error_is_an_importer_error():
    assert issubclass(ParseError, ImporterError)
    error = ParseError("x.txt", "empty file")
    assert (str(error), error.file_name, error.reason) == (
        "x.txt: empty file",
        "x.txt",
        "empty file",
    )
    assert str(ParseError("plain message")) == "plain message"


def test_empty_file():
    assert "empty" in reason(b"")


@pytest.mark.parametrize("data", [b" ", b"\n\n\n", b" \t\r\n \r \n", "\u00a0\u3000\n".encode()])
def test_whitespace_only(data):
    assert "whitespace" in reason(data)


def test_error_names_the_base_file_name():
    with pytest.raises(ParseError) as info:
        parse(b"", "dir/sub/empty.txt")
    assert str(info.value) == "empty.txt: empty file"
    assert parse(SEED_001.read_bytes(), "a/b\\c/seed.txt").file_name == "seed.txt"


@pytest.mark.parametrize(
    "data",
    [
        b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4,
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
        b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 40,
        bytes(range(32)) * 50,
    ],
)
def test_binary_files_are_rejected(data):
    assert "binary" in reason(data)


def test_many_nul_bytes_mean_binary():
    assert "binary" in reason(b"Title\x00\x00\n\x00body text\x00\x00" * 50)


def test_a_few_nul_bytes_are_removed_with_a_warning():
    data = SEED_000.read_bytes()
    damaged = data[:500] + b"\x00" + data[500:2000] + b"\x00\x00" + data[2000:]
    doc = parse(damaged, "nul.txt")
    assert "3 NUL byte(s) removed" in doc.warnings
    assert doc.needs_review is True
    assert doc.title == parse(data, "clean.txt").title
    assert all("\x00" not in t.text for t in doc.texts)


def test_other_control_characters_are_dropped():
    text = SEED_001.read_text(encoding="utf-8").replace("Stalin asks", "Stalin\x07 asks", 1)
    doc = parse(text.encode(), "bell.txt")
    assert doc.summary.startswith("Stalin asks")
    assert "1 control character(s) removed" in doc.warnings


def test_over_the_size_limit():
    data = b"a" * (MAX_BYTES + 1)
    message = reason(data)
    assert "limit" in message and str(MAX_BYTES) in message


def test_not_bytes():
    assert "expected bytes" in reason("a str, not bytes")  # type: ignore[arg-type]


def test_nothing_recognisable():
    assert "nothing recognisable" in reason(b"Search in\n\nget citation\n\nshare document\n")


def test_utf8_bom_is_stripped():
    data = b"\xef\xbb\xbf" + SEED_000.read_bytes()
    doc = parse(data, "bom.txt")
    assert doc.encoding == "utf-8-sig"
    assert doc.title.startswith("Central Committee Politburo decision")
    assert doc.date == datetime.date(1950, 10, 25)
    assert all("\ufeff" not in t.text for t in doc.texts)


def test_utf16_with_bom():
    data = SEED_001.read_text(encoding="utf-8").encode("utf-16")
    doc = parse(data, "utf16.txt")
    assert doc.encoding.startswith("utf-16")
    assert doc.title == "Telegram via VcH from Stalin to Cde. Molotov"


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_legacy_russian_encodings(encoding):
    doc = parse(RUSSIAN_PAGE.encode(encoding), f"{encoding}.txt")
    assert doc.encoding == encoding
    assert doc.title == "Решение Политбюро ЦК ВКП(б) о японцах в Корее"
    (original,) = doc.texts
    assert (original.kind, original.language) == ("original", "ru")
    assert "корейского народа японцев" in original.text
    assert doc.classification == "Strictly Secret"
    assert "Булганину" in [n.name for n in doc.names if n.role == "recipient"]
    assert doc.needs_review is False


@pytest.mark.parametrize("encoding", ["cp1251", "koi8-r"])
def test_legacy_russian_encodings_on_a_capitals_only_page(encoding):
    text = "1950\n\nТЕЛЕГРАММА\n\nСТРОГО СЕКРЕТНО. ПЕРЕДАТЬ ТОВАРИЩУ ШТЫКОВУ СЛЕДУЮЩЕЕ.\n"
    doc = parse(text.encode(encoding), "caps.txt")
    assert doc.encoding == encoding
    assert "ПЕРЕДАТЬ ТОВАРИЩУ ШТЫКОВУ" in doc.texts[0].text


def test_windows_1252_page():
    text = "June 1, 1956\n\nNote\n\nThe café meeting in Zürich was naïve.\n"
    doc = parse(text.encode("cp1252"), "latin.txt")
    assert doc.encoding == "cp1252"
    assert "café" in doc.texts[0].text


@pytest.mark.parametrize("misread_as", ["latin-1", "cp1252"])
def test_double_encoded_utf8_is_repaired(misread_as):
    # UTF-8 once read as Latin-1 or Windows-1252 and saved again as UTF-8.
    misread = RUSSIAN_PAGE.encode("utf-8").decode(misread_as, errors="replace")
    doc = parse(misread.encode("utf-8"), "moji.txt")
    assert any("double-encoded" in w for w in doc.warnings)
    assert "Политбюро" in doc.title


def test_mixed_line_endings():
    text = SEED_001.read_text(encoding="utf-8")
    lines = text.split("\n")
    endings = ["\r\n", "\r", "\n"]
    mixed = ""
    for i, line in enumerate(lines):
        ending = endings[i % 3]
        if mixed.endswith("\r") and not line:
            ending = "\r\n"  # a lone "\r" then "\n" would read as one CRLF
        mixed += line + ending
    doc = parse(mixed.encode(), "mixed.txt")
    clean = parse(text.encode(), "clean.txt")
    for attribute in ("title", "date", "summary", "citation", "references", "translators"):
        assert getattr(doc, attribute) == getattr(clean, attribute), attribute
    assert [t.text for t in doc.texts] == [t.text for t in clean.texts]
    assert all("\r" not in t.text for t in doc.texts)


def test_truncated_inside_a_multibyte_character():
    data = SEED_000.read_bytes()
    cut = data[: data.index("Юлетиари".encode()) + 5]  # mid-way through a Cyrillic letter
    doc = parse(cut, "cut.txt")
    assert doc.encoding == "utf-8"
    assert doc.title.startswith("Central Committee Politburo decision")
    assert doc.needs_review is True
    assert any("invalid UTF-8" in w for w in doc.warnings)


def test_truncated_in_the_header():
    data = SEED_000.read_text(encoding="utf-8")
    cut = data[: data.index("Original Language:")]
    doc = parse(cut.encode(), "header-only.txt")
    assert doc.title.startswith("Central Committee Politburo decision")
    assert doc.texts == []
    assert any("truncated" in w for w in doc.warnings)
    assert doc.needs_review is True


def test_html_and_script_in_the_title_are_kept_verbatim():
    title = '<script>alert("x")</script> Letter from <b>Kim Il Sung</b> to Stalin'
    text = (
        f"March 1950\n\n{title}\n\n"
        f'"{title}", March 1950, Wilson Center Digital Archive, APRF, f. 45, op. 1, d. 346.\n\n'
        "Dear Comrade Stalin! We ask you to receive our delegation.\n"
    )
    doc = parse(text.encode(), "html.txt")
    assert doc.title == title


def test_impossible_date():
    text = "February 31, 1950\n\nNote on Korea\n\nThe comrades met and agreed on the plan.\n"
    doc = parse(text.encode(), "feb31.txt")
    assert doc.date is None and doc.date_precision is None
    assert doc.date_text == "February 31, 1950"
    assert "impossible date 'February 31, 1950'" in doc.warnings
    assert doc.needs_review is True
    assert doc.title == "Note on Korea"


def test_ocr_split_year():
    text = "19 50\n\nNote on Korea\n\nThe comrades met and agreed on the plan.\n"
    doc = parse(text.encode(), "1950.txt")
    assert (doc.date, doc.date_precision, doc.date_text) == (
        datetime.date(1950, 1, 1),
        "year",
        "19 50",
    )


def test_only_a_title():
    doc = parse(b"Letter from Kim Il Sung to Stalin\n", "title-only.txt")
    assert doc.texts == [] or doc.title is None or doc.needs_review


def test_very_long_single_line_is_not_slow():
    import time

    data = (b"Comrade A. " * 20000) + b"\n" + (b"[" * 5000) + b"\n" + (b"f. 1, " * 5000)
    start = time.perf_counter()
    try:
        parse(data, "long.txt")
    except ParseError as exc:
        assert "bug" not in str(exc)
    assert time.perf_counter() - start < 2.0


CJK_PAGES = {
    "zh": "1956年6月5日\n\n中国驻朝鲜大使馆致外交部电报\n\n外交部：\n\n朝鲜劳动党中央全会于六月一日"
    "至三日举行，会议讨论了经济问题和党的建设问题。代表团认为会议的气氛是好的。\n",
    "zh-hant": "1956年\n\n外交部電報\n\n會議討論了經濟問題和黨的建設問題。代表團認為會議的氣氛是好的。\n",
    "ko": "1966년 8월 1일\n\n김일성이 브레즈네프에게 보낸 편지\n\n존경하는 브레즈네프 동지!\n\n"
    "우리는 소련 인민이 우리 나라에 준 경제 원조에 대하여 깊은 감사를 드립니다.\n",
    "ja": "1956年\n\n外務省への電報\n\nこれは日本語の文書です。会議は東京で行われました。\n",
    "hu": "October 3, 1959\n\nJelentés\n\nA koreai elvtársak szerint a helyzet nem változott, "
    "és a gazdasági tervet már teljesítették. Ő is ezt mondta, hogy a nép ellátása nehéz.\n",
    "pl": "May 1, 1956\n\nNotatka\n\nDelegacja została przyjęta przez towarzysza Kim Ir Sena, "
    "który podziękował za pomoc. Rozmowa dotyczyła sytuacji gospodarczej.\n",
}


@pytest.mark.parametrize(
    ("page", "encoding", "language"),
    [
        ("zh", "gb18030", "zh"),
        ("zh-hant", "big5", "zh"),
        ("ko", "euc-kr", "ko"),
        ("ja", "shift_jis", "ja"),
        ("hu", "cp1250", "hu"),
        ("pl", "cp1250", "pl"),
        ("zh", "utf-16-le", "zh"),  # no byte-order mark
        ("ja", "utf-16-be", "ja"),
    ],
)
def test_other_legacy_encodings(page, encoding, language):
    text = CJK_PAGES[page]
    doc = parse(text.encode(encoding), f"{page}.txt")
    assert doc.encoding == encoding
    assert doc.title == text.split("\n\n")[1]
    assert [t.language for t in doc.texts] == [language]
    assert doc.original_languages == [language]


def _cuts_inside_characters(data: bytes, limit: int) -> list[int]:
    """Lengths at which `data` ends inside a multi-byte UTF-8 character."""
    inside = [n for n in range(1, len(data)) if data[n] & 0xC0 == 0x80]
    step = max(1, len(inside) // limit)
    return inside[::step]


@pytest.mark.parametrize(
    ("seed", "length"),
    [
        ("002_ad773c37738b5aa8.txt", 1749),  # inside the ’ of "Workers’": was cp866
        ("000_dffedfc781ea1ebd.txt", 1084),  # the only non-ASCII byte is the cut one: cp1252
    ],
)
def test_a_page_cut_inside_its_last_character_is_read_as_utf8(seed, length):
    data = (SEEDS / seed).read_bytes()[:length]
    doc = parse(data, "cut.txt")
    assert doc.encoding == "utf-8"
    assert doc.needs_review is True
    assert any("last character was cut off" in w for w in doc.warnings)
    assert all("\ufffd" not in t.text for t in doc.texts)
    whole = parse((SEEDS / seed).read_bytes(), "whole.txt")
    assert doc.title == whole.title
    assert doc.date == whole.date


@pytest.mark.parametrize("seed", sorted(p.name for p in SEEDS.glob("*.txt")))
def test_every_cut_inside_a_character_reads_as_utf8(seed):
    data = (SEEDS / seed).read_bytes()
    for length in _cuts_inside_characters(data, 60):
        try:
            doc = parse(data[:length], "cut.txt")
        except ParseError as exc:  # cut before anything recognisable
            assert "nothing recognisable" in str(exc), length
            continue
        assert doc.encoding == "utf-8", length
        assert any("last character was cut off" in w for w in doc.warnings), length


def test_a_broken_byte_before_the_end_is_not_a_cut_character():
    # Only a sequence cut short at the very end is one; legacy pages stay legacy.
    text = "June 1, 1956\n\nNote\n\nThe café meeting in Zürich was naïve.\n"
    doc = parse(text.encode("cp1252")[:-2], "latin.txt")
    assert doc.encoding == "cp1252"
    assert not any("cut off" in w for w in doc.warnings)
