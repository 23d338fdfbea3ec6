"""Parse one scraped Wilson Center Digital Archive page into a ``ParsedDocument``.

Pure: bytes in, dataclasses out, no Django and no database. ``parse`` raises
``ParseError`` for input that is not a page at all and otherwise degrades: what it cannot
read is named in ``warnings`` and ``needs_review`` is set when that matters to a curator.
"""

from __future__ import annotations

import datetime
import hashlib
import re
from dataclasses import dataclass, field

from . import text as textmod
from .credits import (
    PLACES,
    Credits,
    clean_name,
    is_credit_line,
    is_organization,
    looks_like_person,
    parse_credits,
    person_or_org,
    strip_honorifics,
)
from .dates import DateResult, parse_date, split_leading_date
from .errors import ParseError
from .layout import URL_RE, Segments, segment
from .references import (
    REPOSITORIES,
    ParsedReference,
    parse_reference,
    parse_references,
    repository_code,
    split_citation,
)
from .text import word_set

__all__ = [
    "MAX_BYTES",
    "ParseError",
    "ParsedDocument",
    "ParsedName",
    "ParsedReference",
    "ParsedText",
    "parse",
]

MAX_BYTES = 20 * 1024 * 1024
# Names beyond this many are dropped: a page that yields more is mis-read, not rich.
MAX_NAMES = 200


@dataclass
class ParsedText:
    kind: str  # "original" | "translation"
    language: str  # ISO 639-1, else 639-3
    text: str


@dataclass
class ParsedName:
    name: str
    role: str  # author | recipient | participant | mentioned | translator | contributor | funder
    kind: str  # "person" | "organization"
    source: str  # credits | title | addressee | signature | participants | bracket | field
    variants: tuple[str, ...] = ()


@dataclass
class ParsedDocument:
    file_name: str
    sha256: str
    encoding: str
    layout: str
    title: str | None
    date: datetime.date | None
    date_precision: str | None
    date_text: str | None
    summary: str | None
    citation: str | None
    source_url: str | None
    external_id: str | None
    original_languages: list[str]
    references: list[ParsedReference]
    texts: list[ParsedText]
    contributors: list[str]
    translators: list[str]
    funders: list[str]
    classification: str | None
    document_type: str | None
    names: list[ParsedName]
    warnings: list[str] = field(default_factory=list)
    needs_review: bool = False
    # The file as the import reached it (relative to the path given), for messages: two
    # files of one name in different directories are told apart. Set by the loader.
    path: str = ""
    # Where the file is, as the loader found it (a renamed page is told from a copy).
    location: str = ""


class _Notes:
    def __init__(self) -> None:
        self.warnings: list[str] = []
        self.review = False

    def add(self, message: str, *, review: bool = False) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
        self.review = self.review or review


def _base_name(file_name: str) -> str:
    return re.split(r"[\\/]", str(file_name))[-1] or str(file_name)


def parse(data: bytes, file_name: str) -> ParsedDocument:
    """Parse the raw bytes of one page; raises ParseError only."""
    name = _base_name(file_name)
    try:
        return _parse(data, name)
    except ParseError:
        raise
    except Exception as exc:  # noqa: BLE001 - the contract is "ParseError only"
        # A bug, not bad input; the message says so, so that it is reported, not skipped.
        raise ParseError(name, f"unexpected parser failure (bug): {exc!r}") from exc


def _parse(data: bytes, name: str) -> ParsedDocument:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ParseError(name, f"expected bytes, got {type(data).__name__}")
    data = bytes(data)
    if len(data) > MAX_BYTES:
        raise ParseError(name, f"file is {len(data)} bytes, over the {MAX_BYTES}-byte limit")
    if not data:
        raise ParseError(name, "empty file")
    if not data.strip():
        raise ParseError(name, "file contains only whitespace")
    notes = _Notes()
    decoded = textmod.decode(data, name)
    for warning in decoded.warnings:
        notes.add(warning, review=decoded.damaged)
    content = decoded.text
    repaired = textmod.repair_mojibake(content)
    if repaired is not None:
        content = repaired
        notes.add("text was double-encoded UTF-8; repaired", review=True)
    content, controls = textmod.normalise(content)
    if controls:
        notes.add(f"{controls} control character(s) removed")
    if not content.strip():
        raise ParseError(name, "file contains only whitespace")

    seg = segment(content)
    doc = _build(seg, notes)
    if doc["title"] is None and not doc["texts"]:
        raise ParseError(name, "nothing recognisable: no title and no document text")
    return ParsedDocument(
        file_name=name,
        sha256=hashlib.sha256(data).hexdigest(),
        encoding=decoded.encoding,
        warnings=notes.warnings,
        needs_review=notes.review,
        **doc,
    )


# --------------------------------------------------------------------------- assembly


def _build(seg: Segments, notes: _Notes) -> dict:
    parts = split_citation(seg.citation) if seg.citation else None

    title = seg.title or (seg.fields.get("title") or [None])[0]
    if title is None and parts and parts.title:
        title = parts.title
    if title is not None:
        title = title.strip().rstrip(" ,;").strip() or None
    if title is None:
        notes.add("no title found", review=True)
    elif title.isupper():
        notes.add("title is in capitals")

    date, precision, date_text = _document_date(seg, parts, notes)

    summary_values = seg.fields.get("summary") or []
    summary = " ".join(" ".join(summary_values).split()) or None

    references = _references(seg, parts)
    credits = _credits(seg, parts)

    source_url = seg.source_url
    if source_url and len(source_url) > 500:
        notes.add("source URL longer than 500 characters dropped")
        source_url = None
    external_id = _external_id(seg, source_url, notes)

    declared = _declared_languages(seg, notes)
    texts, detected = _split_texts(seg, declared)
    original_languages = declared or detected
    if not original_languages:
        inferred = _language_from_archives(references)
        if inferred:
            original_languages = [inferred[0]]
            notes.add(f"original language inferred from the archive ({inferred[1]})")
    texts = _assign_kinds(texts, original_languages, seg, credits)
    if not original_languages and any(t.kind == "original" for t in texts):
        original_languages = [next(t.language for t in texts if t.kind == "original")]
    if not original_languages and texts:
        notes.add("original language unknown")
    if not texts:
        notes.add("no document text found", review=True)

    classification = _classification(seg, texts)
    document_type = _document_type(seg, title, summary, texts)
    names = _names(seg, title, texts, credits)

    if seg.layout == "unknown":
        notes.add("page layout not recognised", review=True)
    if seg.preamble:
        notes.add("text before the title was ignored (a related document or blurb?)")
    if seg.citation is None:
        notes.add("no citation found")
    _check_truncation(seg, texts, notes)

    return {
        "layout": seg.layout,
        "title": title,
        "date": date,
        "date_precision": precision,
        "date_text": date_text,
        "summary": summary,
        "citation": seg.citation,
        "source_url": source_url,
        "external_id": external_id,
        "original_languages": original_languages,
        "references": references,
        "texts": texts,
        "contributors": credits.contributors,
        "translators": credits.translators,
        "funders": credits.funders,
        "classification": classification,
        "document_type": document_type,
        "names": names,
    }


def _document_date(
    seg: Segments, parts, notes: _Notes
) -> tuple[datetime.date | None, str | None, str | None]:
    candidates: list[DateResult] = []
    if seg.date is not None:
        candidates.append(seg.date)
    for value in seg.fields.get("date", []):
        result = parse_date(value)
        if result is not None:
            candidates.append(result)
    if parts and parts.date_text:
        result = parse_date(parts.date_text)
        if result is not None:
            candidates.append(result)
    if not candidates:
        notes.add("no date found")
        return None, None, None
    first = candidates[0]
    for result in candidates:
        if result.warning:
            notes.add(result.warning, review=result.date is None)
    if first.date is None and first.warning:
        # An impossible header date: a valid, different date in the citation wins.
        valid = next((c for c in candidates[1:] if c.date is not None), None)
        if valid is not None:
            notes.add(f"used the citation date '{valid.text}' instead")
            return valid.date, valid.precision, valid.text
    return first.date, first.precision, first.text or None


def _references(seg: Segments, parts) -> list[ParsedReference]:
    refs: list[ParsedReference] = []
    if parts and parts.references:
        refs = parse_references(parts.references)
    if not refs:
        for value in seg.fields.get("source", []):
            refs.extend(parse_references(value))
    if not refs:
        for value in seg.fields.get("archive", []):
            ref = parse_reference(value)
            code = repository_code(value)
            if code:
                ref.repository = code
                ref.repository_name = REPOSITORIES[code][0] if code in REPOSITORIES else None
            refs.append(ref)
    return refs


def _credits(seg: Segments, parts) -> Credits:
    credits = Credits()
    sources: list[str] = []
    if parts and parts.credits:
        sources.append(parts.credits)
    sources.extend(seg.fields.get("credits", []))
    sources.extend(seg.credit_lines)
    for line in seg.body:
        if line and is_credit_line(line):
            sources.append(line)
    for source in sources:
        credits.merge(parse_credits(source))
    for value in seg.fields.get("funders", []):
        found = parse_credits(value).funders
        if not found:
            found = [v.strip(" .") for v in value.split(";") if v.strip(" .")]
        credits.merge(Credits(funders=found))
    for value in seg.fields.get("translators", []):
        names = [clean_name(v) for v in re.split(r";|\s+and\s+|,\s+", value)]
        credits.merge(Credits(translators=[n for n in names if n]))
    return credits


_DOCUMENT_ID_RE = re.compile(r"/document/(\d+)(?=[/?#]|$)")
_TRAILING_ID_RE = re.compile(r"/(\d+)/?(?:[?#][^\s]*)?$")


def _external_id(seg: Segments, url: str | None, notes: _Notes) -> str | None:
    from_url = None
    if url:
        m = _DOCUMENT_ID_RE.search(url) or _TRAILING_ID_RE.search(url)
        if m:
            from_url = m.group(1)
    record = None
    for value in seg.fields.get("record id", []):
        m = re.search(r"[A-Za-z0-9][\w.-]{0,63}", value)
        if m:
            record = m.group(0)
            break
    if from_url and record and from_url != record:
        notes.add(f"record id {record} differs from the id in the URL ({from_url})")
    found = record or from_url
    return found if found and len(found) <= 64 else None


def _declared_languages(seg: Segments, notes: _Notes) -> list[str]:
    codes: list[str] = []
    for value in seg.fields.get("language", []):
        found = textmod.language_codes(value)
        if found is None:
            notes.add(f"unknown original language '{value[:60]}'")
            continue
        codes.extend(c for c in found if c not in codes)
    if not codes:
        codes = [code for kind, code in seg.tabs if kind == "original" and code != "en"]
    return codes


# --------------------------------------------------------------------------- texts


def _paragraph_ids(lines: list[str], blank_stripped: bool) -> list[int]:
    ids: list[int] = []
    current = 0
    for line in lines:
        if not line or blank_stripped:
            current += 1
        ids.append(current)
    return ids


def _split_texts(seg: Segments, declared: list[str]) -> tuple[list[ParsedText], list[str]]:
    """Cut the body into runs of one script/language; returns texts and detected languages."""
    lines = seg.body
    if not lines:
        return [], []
    latin_original = next(
        (c for c in declared if c not in textmod.NON_LATIN_LANGS and c != "en"), None
    )
    para_ids = _paragraph_ids(lines, seg.blank_stripped)
    paragraphs: dict[int, list[str]] = {}
    for pid, line in zip(para_ids, lines, strict=True):
        if line:
            paragraphs.setdefault(pid, []).append(line)
    para_lang: dict[int, str | None] = {}
    if latin_original is None and not declared:
        # Nothing declared: a Latin-script original (Hungarian, German, Polish…) shows in
        # its stop words.
        votes: dict[str, int] = {}
        sampled = 0
        for para in paragraphs.values():
            joined = " ".join(para)[:600]
            if len(joined.split()) >= 6 and textmod.script_of(joined) == "latin":
                sampled += 1
                lang = textmod.latin_language(joined)
                if lang:
                    votes[lang] = votes.get(lang, 0) + 1
                if sampled >= 8:
                    break
        others = {k: v for k, v in votes.items() if k != "en"}
        if others:
            best = max(others, key=lambda k: others[k])
            total = sum(votes.values())
            if others[best] >= 0.3 * total and (others[best] >= 2 or others[best] == total):
                latin_original = best
    if latin_original:
        for pid, para in paragraphs.items():
            para_lang[pid] = textmod.latin_language(" ".join(para), (latin_original, "en"))

    classes: list[str | None] = []
    for pid, line in zip(para_ids, lines, strict=True):
        if not line:
            classes.append(None)
            continue
        script = textmod.script_of(line)
        if script == "latin":
            if latin_original:
                lang = para_lang.get(pid) or textmod.latin_language(line, (latin_original, "en"))
                script = f"latin:{lang}" if lang else None
            else:
                script = "latin:en"
        classes.append(script)
    # Short lines ("№ П78/332", "353.") and blank lines go with the run they sit in.
    resolved: list[str | None] = []
    last: str | None = None
    for cls in classes:
        if cls is not None:
            last = cls
        resolved.append(last)
    first_known = next((c for c in classes if c is not None), None)
    resolved = [c if c is not None else first_known for c in resolved]

    runs: dict[str, list[str]] = {}
    order: list[str] = []
    previous: str | None = None
    for cls, line in zip(resolved, lines, strict=True):
        if cls is None:
            continue
        if cls not in runs:
            runs[cls] = []
            order.append(cls)
        bucket = runs[cls]
        if cls != previous and bucket and bucket[-1]:
            bucket.append("")
        if line or (bucket and bucket[-1]):
            bucket.append(line)
        previous = cls
    texts: list[ParsedText] = []
    detected: list[str] = []
    for cls in order:
        body = "\n".join(runs[cls]).strip("\n")
        body = re.sub(r"\n{3,}", "\n\n", body)
        if not body.strip():
            continue
        lang = _language_of_class(cls, declared, body)
        if any(t.language == lang for t in texts):
            existing = next(t for t in texts if t.language == lang)
            existing.text = f"{existing.text}\n\n{body}"
            continue
        texts.append(ParsedText(kind="original", language=lang, text=body))
        if lang != "en" and lang not in detected:
            detected.append(lang)
    return texts, detected


def _language_of_class(cls: str, declared: list[str], body: str) -> str:
    if cls.startswith("latin:"):
        return cls.split(":", 1)[1]
    if cls == "cyr":
        for code in declared:
            if code in textmod.CYRILLIC_LANGS:
                return code
        return "mn" if textmod.has_mongolian_letters(body) else "ru"
    if cls == "han":
        for code in declared:
            if code in ("zh", "ja", "ko"):
                return code
        return "zh"
    if cls == "kana":
        return "ja"
    if cls == "hangul":
        return "ko"
    guess = textmod.other_script_language(body)
    if guess in declared or not any(c in textmod.NON_LATIN_LANGS for c in declared):
        return guess
    for code in declared:
        if code in textmod.NON_LATIN_LANGS and code not in textmod.CYRILLIC_LANGS:
            return code
    return guess


def _assign_kinds(
    texts: list[ParsedText], originals: list[str], seg: Segments, credits: Credits
) -> list[ParsedText]:
    translation_hints = bool(credits.translators) or any(
        kind == "translation" for kind, _ in seg.tabs
    )
    for t in texts:
        if t.language != "en" or "en" in originals:
            t.kind = "original"
        elif originals:
            t.kind = "translation"
        else:
            t.kind = "translation" if translation_hints else "original"
    return texts


_COUNTRY_LANGUAGE = {
    "RU": "ru", "CN": "zh", "KP": "ko", "KR": "ko", "HU": "hu", "DE": "de", "PL": "pl",
    "MN": "mn", "CZ": "cs", "BG": "bg", "RO": "ro", "AL": "sq", "JP": "ja", "VN": "vi",
    "US": "en", "GB": "en", "IT": "it", "RS": "sr", "LT": "ru", "UA": "ru", "IL": "he",
}  # fmt: skip


def _language_from_archives(refs: list[ParsedReference]) -> tuple[str, str] | None:
    for ref in refs:
        if ref.is_copy or ref.repository not in REPOSITORIES:
            continue
        country = REPOSITORIES[ref.repository][1]
        if country in _COUNTRY_LANGUAGE:
            return _COUNTRY_LANGUAGE[country], ref.repository
    return None


# --------------------------------------------------------------------------- classification

_CLASSIFICATIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, flags), value)
    for pattern, value, flags in (
        (r"\bTOP\s+SECRET\b", "Top Secret", 0),
        (r"\bSTRICTLY\s+SECRET\b", "Strictly Secret", 0),
        (r"\bSTRICTLY\s+CONFIDENTIAL\b", "Strictly Confidential", 0),
        (r"\bFOR\s+OFFICIAL\s+USE\s+ONLY\b", "For Official Use Only", 0),
        (r"(?<![\w-])SECRET\b", "Secret", 0),
        (r"\bCONFIDENTIAL\b", "Confidential", 0),
        (r"^(?:Top Secret|Top secret)\b", "Top Secret", 0),
        (r"^Strictly (?:Secret|secret)\b", "Strictly Secret", 0),
        (r"\bTop [Ss]ecret(?:[,.!]|\s+Copy|\s*$)", "Top Secret", 0),
        (r"\bStrictly [Ss]ecret(?:[,.!]|\s+Copy|\s*$)", "Strictly Secret", 0),
        (r"(?:^|\s)Secret(?:[,.!]|\s+Copy|\s*$)", "Secret", 0),
        (r"(?:^|\s)Confidential(?:[,.!]|\s+Copy|\s*$)", "Confidential", 0),
        (r"строго\s+секретно", "Strictly Secret", re.IGNORECASE),
        (r"совершенно\s+секретно|сов\.\s*секретно", "Top Secret", re.IGNORECASE),
        (r"особой\s+важности", "Of Special Importance", re.IGNORECASE),
        (r"для\s+служебного\s+пользования", "For Official Use Only", re.IGNORECASE),
        (r"(?<![\w])секретно(?![\w])", "Secret", re.IGNORECASE),
        (r"онц\s+нууц", "Top Secret", re.IGNORECASE),
        (r"(?<![\w])нууц(?![\w])", "Secret", re.IGNORECASE),
        (r"绝密", "Top Secret", 0),
        (r"机密", "Secret", 0),
        (r"秘密", "Confidential", 0),
        (r"극비", "Top Secret", 0),
        (r"(?<![\w])(?:\d급\s*)?비밀(?![\w])", "Secret", 0),
        (r"szigorúan\s+titkos", "Top Secret", re.IGNORECASE),
        (r"(?<![\w])titkos(?![\w])", "Secret", re.IGNORECASE),
        (r"(?<![\w])bizalmas(?![\w])", "Confidential", re.IGNORECASE),
        (r"streng\s+geheim", "Top Secret", re.IGNORECASE),
        (r"geheime\s+verschlu(?:ss|ß)sache|(?<![\w])GVS(?![\w])", "Secret", re.IGNORECASE),
        (r"vertrauliche\s+verschlu(?:ss|ß)sache|(?<![\w])VVS(?![\w])", "Confidential", 0),
        (r"(?<![\w])geheim(?![\w])", "Secret", re.IGNORECASE),
        (r"(?<![\w])vertraulich(?![\w])", "Confidential", re.IGNORECASE),
        (r"ściśle\s+tajne", "Top Secret", re.IGNORECASE),
        (r"(?<![\w])tajne(?![\w])", "Secret", re.IGNORECASE),
        (r"(?<![\w])poufne(?![\w])", "Confidential", re.IGNORECASE),
        (r"přísně\s+tajné", "Top Secret", re.IGNORECASE),
        (r"(?<![\w])tajné(?![\w])", "Secret", re.IGNORECASE),
        (r"(?<![\w])důvěrné(?![\w])", "Confidential", re.IGNORECASE),
    )
)
_STAMP_LINE_MAX = 80


_STAMP_HINTS = (
    "secret", "confiden", "official use", "секрет", "важност", "пользован", "нууц", "密",
    "비", "titkos", "bizalmas", "geheim", "vertraulich", "verschlu", "gvs", "vvs", "tajn",
    "poufn", "důvěr",
)  # fmt: skip


def _classification_of_line(line: str) -> str | None:
    if len(line) > _STAMP_LINE_MAX:
        return None
    low = line.casefold()
    if not any(hint in low for hint in _STAMP_HINTS):
        return None
    for pattern, value in _CLASSIFICATIONS:
        if pattern.search(line):
            return value
    return None


def _classification(seg: Segments, texts: list[ParsedText]) -> str | None:
    for value in seg.fields.get("classification", []):
        value = " ".join(value.split()).strip(" .")
        if value:
            return _classification_of_line(value.upper()) or value.title()[:100]
    ordered = [t for t in texts if t.kind == "original"] + [
        t for t in texts if t.kind != "original"
    ]
    for t in ordered:
        for line in t.text.split("\n"):
            found = _classification_of_line(line.strip())
            if found:
                return found
    return None


# --------------------------------------------------------------------------- document type

_TYPES: tuple[tuple[str, str], ...] = (
    (
        r"(?:record|memorandum|minutes|notes?|transcript|summary|memo)\s+of\s+(?:an?\s+|the\s+)?"
        r"(?:conversations?|talks?|discussions?|meetings?\s+and\s+conversations?)|"
        r"conversation\s+(?:record|notes|minutes)",
        "Record of Conversation",
    ),
    (r"minutes", "Minutes"),
    (r"(?:ciphered\s+|coded\s+|cipher\s+)?telegrams?|ciphergrams?", "Telegram"),
    (r"telephone\s+messages?|telephonograms?", "Telephone Message"),
    (r"cables?", "Cable"),
    (r"letters?", "Letter"),
    (r"memorand(?:um|a)|memos?", "Memorandum"),
    (r"reports?", "Report"),
    (r"directives?", "Directive"),
    (r"decisions?", "Decision"),
    (r"resolutions?", "Resolution"),
    (r"decrees?", "Decree"),
    (r"protocols?", "Protocol"),
    (r"transcripts?|stenographic\s+records?", "Transcript"),
    (r"notes?", "Note"),
    (r"speech(?:es)?|remarks|address", "Speech"),
    (r"diary|diaries|journal", "Diary"),
    (r"statements?|declarations?", "Statement"),
    (r"instructions?", "Instruction"),
    (r"orders?", "Order"),
    (r"messages?", "Message"),
    (r"communiqu[eé]s?", "Communique"),
    (r"agreements?|treaty|treaties", "Agreement"),
    (r"interviews?", "Interview"),
    (r"circulars?", "Circular"),
    (r"dispatch(?:es)?", "Dispatch"),
    (r"bulletins?", "Bulletin"),
    (r"information", "Information"),
)
_TYPE_RE = re.compile(
    "|".join(f"(?P<t{n}>(?<![\\w-]){p}(?![\\w-]))" for n, (p, _) in enumerate(_TYPES)),
    re.IGNORECASE,
)


_HEADING_TAIL_RE = re.compile(r"\s+(?:No\.?|№|#|via|of)\s*", re.IGNORECASE)
_GENERIC_TYPES = frozenset({"document", "documents", "text", "record", "other", "item"})


def _type_in(value: str, *, anywhere: bool) -> str | None:
    m = _TYPE_RE.search(value[:500])
    if not m or (not anywhere and m.start() > 0):
        return None
    return _TYPES[int(m.lastgroup[1:])][1]


def _document_type(
    seg: Segments, title: str | None, summary: str | None, texts: list[ParsedText]
) -> str | None:
    for value in seg.fields.get("type", []):
        value = " ".join(value.split()).strip(" .")
        known = _type_in(value, anywhere=True)
        if known:
            return known
        if value and value.casefold() not in _GENERIC_TYPES:
            return value.title()[:100]
    if title:
        found = _type_in(title, anywhere=True)
        if found:
            return found
    for t in texts:
        for line in t.text.split("\n")[:12]:
            # A heading such as "TELEGRAM VIA VCH" or "MEMORANDUM No. 5".
            heading = _HEADING_TAIL_RE.split(line.strip(), maxsplit=1)[0].strip(" .:")
            if 0 < len(heading) <= 60 and _TYPE_RE.fullmatch(heading):
                return _type_in(heading, anywhere=False)
    if summary:
        words = " ".join(summary.split()[:4])
        found = _type_in(words, anywhere=False)
        if found:
            return found
    return None


# --------------------------------------------------------------------------- names


class _Names:
    def __init__(self) -> None:
        self.items: list[ParsedName] = []
        self.index: dict[tuple[str, str], ParsedName] = {}

    def add(
        self,
        name: str,
        role: str,
        source: str,
        *,
        kind: str | None = None,
        variants: tuple[str, ...] = (),
    ) -> None:
        name = clean_name(name)
        if not name or len(name) > 200 or len(self.items) >= MAX_NAMES:
            return
        variants = tuple(
            v for v in (clean_name(v) for v in variants) if v and v.casefold() != name.casefold()
        )
        key = (name.casefold(), role)
        existing = self.index.get(key)
        if existing:
            new = tuple(v for v in variants if v not in existing.variants)
            existing.variants = existing.variants + new
            return
        item = ParsedName(name, role, kind or person_or_org(name), source, variants)
        self.items.append(item)
        self.index[key] = item

    def finish(self) -> list[ParsedName]:
        # A bracketed variant found in passing belongs to the same name in a stronger role.
        kept: list[ParsedName] = []
        for item in self.items:
            if item.role == "mentioned" and item.source == "bracket":
                others = [
                    o
                    for o in self.items
                    if o is not item and o.name.casefold() == item.name.casefold()
                ]
                if others:
                    for other in others:
                        other.variants = other.variants + tuple(
                            v for v in item.variants if v not in other.variants
                        )
                    continue
            kept.append(item)
        return kept


def _names(
    seg: Segments, title: str | None, texts: list[ParsedText], credits: Credits
) -> list[ParsedName]:
    names = _Names()
    for person in credits.translators:
        names.add(person, "translator", "credits")
    for person in credits.contributors:
        names.add(person, "contributor", "credits")
    for funder in credits.funders:
        names.add(funder, "funder", "credits", kind="organization")
    for value in seg.fields.get("authors", []):
        for part in re.split(r"\s*;\s*|\s*\|\s*", value):
            part = re.sub(r",?\s*(?:\d{4}\s*-\s*(?:\d{4})?|\(\d{4}-\d{0,4}\))\.?$", "", part)
            if part.strip():
                names.add(part, "author", "field")
    for value in seg.fields.get("people", []):
        for part in re.split(r"\s*;\s*|\s*\|\s*", value):
            part = re.sub(r",?\s*(?:\d{4}\s*-\s*(?:\d{4})?|\(\d{4}-\d{0,4}\))\.?$", "", part)
            if part.strip() and len(part) <= 150:
                names.add(part, "mentioned", "field")
    if title and len(title) <= 500:
        _title_names(title, names)
    for t in texts:
        _text_names(t.text, names)
    return names.finish()


_FROM_TO_RE = re.compile(r"\bfrom\s+(?P<a>[^()]{1,150}?)\s+to\s+(?P<b>.{1,200})$", re.IGNORECASE)
_COMMA_TO_RE = re.compile(
    r"^[^,]{1,80},\s*(?P<a>[^,]{1,80}?)\s+to\s+(?P<b>[^,]{1,120})$", re.IGNORECASE
)
_PARTY_CUT_RE = re.compile(
    r"\s*(?:\(|\[|:|,\s*(?=[a-z0-9])|\s(?:on|about|regarding|concerning|re|with|in\s+reply|"
    r"in\s+response|requesting|asking|informing|reporting|transmitting|enclosing|via|"
    r"dated|of\s+\d)\b)",
)
_CONVERSATION_RE = re.compile(
    r"\b(?:conversations?|meetings?|talks?|discussions?|interviews?|negotiations?|audience)"
    r"\s+(?:between|with|of)\s+(?P<p>.{1,300})$",
    re.IGNORECASE,
)
_DIARY_RE = re.compile(r"\b(?:diary|journal)\s+of\s+|\bиз\s+дневника\s+", re.IGNORECASE)
_LIST_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s+with\s+|\s+и\s+", re.IGNORECASE)
_ACRONYM_RE = re.compile(r"^[A-ZА-ЯЁ][A-ZА-ЯЁ()]{1,7}$")
_INITIALS_RE = re.compile(r"^(?:[A-ZА-ЯЁ]\.){1,3}$|^[A-ZА-ЯЁ][a-zа-яё]?\.$")


def _trailing_person(phrase: str) -> str | None:
    """The personal name at the end of "Foreign Minister Vyshinsky", "DPRK Comrade Pak X"."""
    tokens = strip_honorifics(phrase).split()
    tail: list[str] = []
    for token in reversed(tokens):
        low = token.casefold().strip(",")
        if _INITIALS_RE.match(token):
            tail.insert(0, token)
            continue
        if (
            low in _STOP_TOKENS
            or _ACRONYM_RE.match(token)
            or not token[:1].isupper()
            or is_organization(token)
        ):
            break
        tail.insert(0, token)
        if len(tail) >= 4:
            break
    if not tail or len(tail) == len(tokens):
        return None
    boundary = tokens[len(tokens) - len(tail) - 1]
    low = boundary.casefold().strip(",.")
    if low in _PREPOSITIONS:
        return None
    candidate = " ".join(tail)
    return candidate if looks_like_person(candidate, allow_single=True) else None


_PREPOSITIONS = word_set("of in to at on for from by with the a an and")
_STOP_TOKENS = word_set("""
    ambassador minister comrade comrades chairman premier president secretary general foreign
    deputy vice prime counselor counsellor head director marshal colonel major captain
    lieutenant admiral commander chief envoy representative member leader cde cde. comrade.
    the a an of in to and with from by for at on mr mr. mrs ms dr sir generalissimo
    chancellor affairs soviet chinese korean hungarian polish german mongolian japanese
    american british french czechoslovak romanian bulgarian albanian vietnamese north south
    east west first second third charge chargé d'affaires attaché attache consul secretary-general
    secret top strictly copy confidential no. no
    секретно совершенно строго экз экз. копия посол посла министр министра товарищ тов тов.
    советский председатель заместитель секретарь
    """)


def _party(phrase: str, *, persons_only: bool = False) -> tuple[str, str] | None:
    phrase = re.sub(r"\s*\([^()]*\)|\s*\[[^\[\]]*\]", "", phrase).strip(" ,.;")
    phrase = re.sub(r"^(?:the|a|an)\s+", "", phrase, flags=re.IGNORECASE)
    cleaned = clean_name(phrase)
    if not cleaned:
        return None
    if looks_like_person(cleaned, allow_single=True) and not _ACRONYM_RE.match(cleaned):
        return cleaned, "person"
    trailing = _trailing_person(cleaned)
    if trailing:
        return trailing, "person"
    if (
        not persons_only
        and is_organization(cleaned)
        and cleaned[:1].isupper()
        and len(cleaned) <= 120
    ):
        return cleaned, "organization"
    return None


def _cut_party(text: str) -> str:
    m = _PARTY_CUT_RE.search(text)
    return text[: m.start()] if m else text


def _title_variants(chunk: str) -> dict[str, str]:
    """Bracketed variants in a title: "Filippov [Stalin]" → {"Filippov": "Stalin"}."""
    found: dict[str, str] = {}
    for m in _BRACKET_RE.finditer(chunk):
        variant = clean_name(_IE_RE.sub(r"\1", m.group(1)))
        runs = list(_NAME_RUN_RE.finditer(chunk[: m.start()].rstrip()))
        if runs and looks_like_person(variant, allow_single=True):
            found[runs[-1].group(0).split()[-1]] = variant
    return found


def _add_parties(chunk: str, role: str, names: _Names) -> None:
    variants = _title_variants(chunk) if "[" in chunk else {}
    chunk = re.sub(r"\s*\[[^\[\]]*\]", "", chunk)
    for piece in _LIST_SPLIT_RE.split(_cut_party(chunk)):
        party = _party(piece)
        if party:
            variant = variants.get(party[0].split()[-1])
            names.add(
                party[0], role, "title", kind=party[1], variants=(variant,) if variant else ()
            )


def _title_names(title: str, names: _Names) -> None:
    m = _FROM_TO_RE.search(title) or _COMMA_TO_RE.search(title)
    if m:
        _add_parties(m.group("a"), "author", names)
        _add_parties(m.group("b"), "recipient", names)
    m = _CONVERSATION_RE.search(title)
    if m:
        _add_parties(m.group("p"), "participant", names)
    m = _DIARY_RE.search(title)
    if m:
        found = _name_after(title[m.end() :])
        if found:
            names.add(found, "author", "title")


def _name_after(text: str) -> str | None:
    """The personal name that ``text`` opens with, after positions ("Ambassador", "DPRK")."""
    picked: list[str] = []
    for token in text.replace("\n", " ").split()[:16]:
        bare = token.strip(",;:.()")
        low = bare.casefold()
        is_initial = bool(_INITIALS_RE.match(token.rstrip(",;:")))
        name_like = is_initial or (
            bare[:1].isupper()
            and low not in _STOP_TOKENS
            and not _ACRONYM_RE.match(bare)
            and not is_organization(bare)
        )
        if not name_like:
            if picked:
                break
            # Before the name only its titles may stand: "the Soviet Ambassador to the DPRK".
            if bare[:1].isupper() or low in _PREPOSITIONS:
                continue
            return None
        picked.append(token.rstrip(",;:") if is_initial else bare)
        if len(picked) >= 4 or (token.endswith((",", ";", ":", ".")) and not is_initial):
            break
    if not picked:
        return None
    candidate = " ".join(picked)
    return candidate if looks_like_person(candidate, allow_single=True) else None


_ADDRESSEE_RE = re.compile(
    r"^(?:(?:To|TO)\s+(?:Comrades?|COMRADES?|Cdes?\.?|Comr\.)|"
    r"(?:Dear|Esteemed|Respected|Deeply\s+respected)\s+(?:Comrades?|Cde\.?)|"
    r"Т\.\s?т\.|Тт\.|Тов\.|Товарищ(?:у|ам)|т\.\s?т\.)\s*(?P<names>[A-ZА-ЯЁ].{1,200})$",
)
_ADDRESSEE_START_RE = re.compile(
    r"^(?:To|TO|Dear|Esteemed|Respected|Deeply|Т\.|Тт\.|Тов|Товарищ|т\.)"
)
_SIGNATURE_RE = re.compile(
    r"^(?:[A-ZА-ЯЁ]\.\s?){1,3}\s?(?:[A-ZА-ЯЁ][a-zа-яё'’]+(?:-[A-ZА-ЯЁ]?[a-zа-яё]+)?|"
    r"[A-ZА-ЯЁ]{2,}(?:-[A-ZА-ЯЁ]{2,})?)$"
)
_CAPS_SIGNATURE_RE = re.compile(r"^[A-ZА-ЯЁ]{4,}(?:-[A-ZА-ЯЁ]{2,})?$")
_NOT_SIGNATURES = word_set("""
    SECRET TELEGRAM MEMORANDUM MOSCOW WASHINGTON BEIJING PEKING PYONGYANG BERLIN WARSAW
    BUDAPEST PRAGUE SOFIA TOKYO SEOUL LONDON PARIS ATTACHMENT APPENDIX COPY CONFIDENTIAL
    TRANSLATION DRAFT NOTE NOTES MINUTES RESOLUTION DECISION DIRECTIVE REPORT LETTER
    STATEMENT ORDER PROTOCOL DECREE END URGENT IMMEDIATE PRIORITY ADDENDUM ENCLOSURE
    INFORMATION CABLE SUMMARY EXCERPT CONCLUSION SIGNATURE SIGNED ILLEGIBLE STAMP
    USSR DPRK CPSU SSSR KPSS NATO TASS CCCP HANOI HAVANA TIRANA BELGRADE BUCHAREST KREMLIN
    ULAANBAATAR PANMUNJOM KAESONG SHANGHAI GENEVA VIENNA UNITED NATIONS AMBASSADOR EMBASSY
    СССР КНДР КПСС ТАСС ПОСОЛ
    СЕКРЕТНО ТЕЛЕГРАММА МОСКВА ПРИЛОЖЕНИЕ КОПИЯ ПОСТАНОВЛЕНИЕ РЕШЕНИЕ ПРОТОКОЛ
    ВАШИНГТОН ПЕКИН ПХЕНЬЯН СРОЧНО ВЫПИСКА ЗАПИСЬ БЕСЕДЫ ДНЕВНИК
    """)
_PARTICIPANTS_RE = re.compile(
    r"\b(?:attended\s+by|present(?:\s+at\s+the\s+\w+)?\s*(?:were|was)?\s*:|"
    r"(?:also\s+)?present\s+(?:at\s+the\s+\w+\s+)?(?:were|was)\b|"
    r"(?:recorded|written\s+down|taken\s+down)\s+by|participants?\s*:|participating\s*:|"
    r"in\s+attendance\s*:|присутствовал[аио]?\s*:?|записал[а]?\s*:?)\s*",
    re.IGNORECASE,
)
# Participant lists and diary headings read per page: real pages have one or two, and the
# work per list is bounded, so the whole stays linear in the page size.
_MAX_LISTS = 12
_PARTICIPANT_HINTS = (
    "attended",
    "present",
    "recorded",
    "written down",
    "taken",
    "participa",
    "присутств",
    "записал",
)
_NAME_RUN_RE = re.compile(
    r"(?:(?:[A-ZА-ЯЁ]\.\s?){1,3}\s?)?[A-ZА-ЯЁ][\w'’-]*"
    r"(?:\s+(?:(?:[A-ZА-ЯЁ]\.){1,3}|[A-ZА-ЯЁ][\w'’-]*))*"
)
_BRACKET_RE = re.compile(r"\[([^\[\]\n]{1,80})\]")
_IE_RE = re.compile(r"^(?:i\.\s?e\.|ie\.|that\s+is|viz\.?|namely)\s*,?\s*(.+)$", re.IGNORECASE)
_BRACKET_SKIP = re.compile(
    r"^(?:sic|handwritten|illegible|signature|stamp|sic!|\?|crossed|underlined|text|note)",
    re.IGNORECASE,
)


def _person_from_run(run: str, *, allow_single: bool) -> str | None:
    tokens = run.split()
    while tokens and (
        tokens[0].casefold().strip(",.") in _STOP_TOKENS
        or _ACRONYM_RE.match(tokens[0])
        or is_organization(tokens[0])
    ):
        tokens.pop(0)
    if not tokens:
        return None
    if any(t.casefold() in _STOP_TOKENS or is_organization(t) for t in tokens):
        return None
    candidate = " ".join(tokens)
    has_initials = any(_INITIALS_RE.match(t) for t in tokens)
    single_ok = allow_single or has_initials
    return candidate if looks_like_person(candidate, allow_single=single_ok) else None


def _sentence_of(text: str) -> str:
    i = 0
    while True:
        i = text.find(". ", i)
        if i == -1:
            return text
        before = text[max(0, i - 2) : i]
        if len(before) == 2 and before[1].isupper() and not before[0].isalnum():
            i += 2
            continue
        return text[: i + 1]


def _text_names(text: str, names: _Names) -> None:
    # Blank-line-stripped mirrors lose paragraphs; their lines are the best there is.
    splitter = r"\n\s*\n" if "\n\n" in text else r"\n"
    paragraphs = [p for p in re.split(splitter, text) if p.strip()]
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    flat = " ".join(text.split())

    for n, line in enumerate(lines):
        if len(line) > 220 or not _ADDRESSEE_START_RE.match(line):
            continue
        joined = line
        # "To Comrades Bulganin,\nMolotov, Gromyko." runs on while a line ends with a comma.
        for follow in lines[n + 1 : n + 3]:
            if not joined.endswith(",") or len(joined) + len(follow) > 220:
                break
            joined = f"{joined} {follow}"
        m = _ADDRESSEE_RE.match(joined)
        if m:
            chunk = m.group("names").rstrip(" .!:,")
            for piece in re.split(r"\s*,\s*|\s+(?:and|и)\s+", chunk):
                piece = clean_name(piece)
                if looks_like_person(piece, allow_single=True):
                    names.add(piece, "recipient", "addressee", kind="person")

    for n, line in enumerate(lines):
        if len(line) > 60:
            continue
        candidate = line
        lead = split_leading_date(line)
        if lead:
            candidate = lead[1]
        if (
            len(candidate) <= 40
            and _SIGNATURE_RE.match(candidate)
            and person_or_org(candidate) == "person"
            and candidate.split()[-1].split(".")[-1].casefold() not in PLACES
        ):
            # A signature ends a section; "I. Introduction" opens one.
            following = lines[n + 1] if n + 1 < len(lines) else ""
            if len(following) <= 100:
                names.add(candidate, "author", "signature", kind="person")
            continue
        if (
            _CAPS_SIGNATURE_RE.match(candidate)
            and candidate not in _NOT_SIGNATURES
            and n >= len(lines) - 4
            and n > 0
        ):
            tail = lines[n + 1 :]
            if all(len(t) <= 120 for t in tail):
                names.add(candidate, "author", "signature", kind="person")

    low = flat.casefold()
    diary = "diary" in low or "journal" in low or "дневник" in low
    for n, m in enumerate(_DIARY_RE.finditer(flat[:20000]) if diary else ()):
        if n >= _MAX_LISTS:
            break
        found = _name_after(flat[m.end() : m.end() + 200])
        if found:
            names.add(found, "author", "signature", kind="person")

    lists_read = 0
    for para in paragraphs:
        lowered = para.casefold()
        if not any(word in lowered for word in _PARTICIPANT_HINTS):
            continue
        joined = " ".join(para.split())
        for m in _PARTICIPANTS_RE.finditer(joined):
            if lists_read >= _MAX_LISTS:
                break
            lists_read += 1
            _participants(_sentence_of(joined[m.end() : m.end() + 600]), names)

    for m in _BRACKET_RE.finditer(flat[:200000]) if "[" in flat else ():
        inner = m.group(1).strip()
        if _BRACKET_SKIP.match(inner):
            continue
        ie = _IE_RE.match(inner)
        if ie:
            target = clean_name(ie.group(1))
            if looks_like_person(target, allow_single=True):
                names.add(target, "mentioned", "bracket", kind="person")
            continue
        variant = clean_name(inner)
        if not looks_like_person(variant):
            continue
        before = flat[max(0, m.start() - 80) : m.start()].rstrip()
        runs = list(_NAME_RUN_RE.finditer(before))
        if not runs or runs[-1].end() != len(before):
            continue
        person = _person_from_run(runs[-1].group(0), allow_single=False)
        if person:
            names.add(person, "mentioned", "bracket", kind="person", variants=(variant,))


def _participants(chunk: str, names: _Names) -> None:
    variants: dict[int, str] = {}

    def keep_variant(m: re.Match[str]) -> str:
        inner = m.group(1).strip()
        if looks_like_person(clean_name(inner)):
            variants[m.start()] = clean_name(inner)
        return " , "

    positions: list[tuple[int, str]] = []
    cleaned_parts: list[str] = []
    last = 0
    for m in _BRACKET_RE.finditer(chunk):
        cleaned_parts.append(chunk[last : m.start()])
        positions.append((sum(len(p) for p in cleaned_parts), m.group(1)))
        cleaned_parts.append(" , ")
        last = m.end()
    cleaned_parts.append(chunk[last:])
    cleaned = "".join(cleaned_parts)
    bracket_at = {pos: inner for pos, inner in positions}
    for segment_match in re.finditer(r"[^,;]+", cleaned):
        piece = segment_match.group(0)
        for part in re.split(r"\s+(?:and|и)\s+", piece):
            runs = list(_NAME_RUN_RE.finditer(part))
            for run in runs:
                person = _person_from_run(run.group(0).rstrip(","), allow_single=False)
                if not person:
                    continue
                end = segment_match.start() + piece.find(part) + run.end()
                inner = bracket_at.get(end) or bracket_at.get(end + 1)
                found_variants: tuple[str, ...] = ()
                if inner and looks_like_person(clean_name(inner)):
                    found_variants = (clean_name(inner),)
                names.add(
                    person, "participant", "participants", kind="person", variants=found_variants
                )


# --------------------------------------------------------------------------- truncation


def _check_truncation(seg: Segments, texts: list[ParsedText], notes: _Notes) -> None:
    if seg.has_footer:
        return
    if not seg.body:
        if seg.has_header_labels or seg.citation:
            notes.add("page appears truncated (no document text after the header)", review=True)
        return
    last = seg.body[-1].rstrip()
    cut_short = last[-1:].islower() or last[-1:] in tuple(",;:-–(“«\"'")
    if len(last) >= 30 and cut_short and not URL_RE.search(last[-40:]):
        notes.add("page appears truncated (ends mid-sentence)", review=True)
