"""Where things are on a page: header, body and footer of each known layout.

The layouts differ in order and labelling but share their pieces: a date line, a title
line, a citation (quoted title, date, "… Digital Archive", references, credits), labelled
fields and site chrome. So the page is read by anchors, not by line numbers: the title
(found again from the citation) and the date mark the header; header-type lines after
them are consumed; the first other line starts the body; a "Document Information" block
(or a cluster of its labels, or a trailing citation) starts the footer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from . import text as textmod
from .credits import is_credit_line
from .dates import DateResult, parse_date, split_leading_date

# Label text (case-folded, no colon) → field key.
LABELS: dict[str, str] = {
    "citation": "citation", "summary": "summary", "original language": "language",
    "original languages": "language", "language": "language", "languages": "language",
    "language(s)": "language", "contents": "contents", "credits": "credits",
    "credit": "credits", "date": "date", "title": "title", "source": "source",
    "sources": "source", "original archive": "archive", "archive": "archive",
    "record id": "record id", "original classification": "classification",
    "classification": "classification", "author(s)": "authors", "authors": "authors",
    "author": "authors", "donors": "funders", "donor": "funders", "funders": "funders",
    "funder": "funders", "funding": "funders", "donor(s)": "funders", "rights": "rights",
    "subjects": "subjects", "subject": "subjects", "associated people & organizations": "people",
    "associated people and organizations": "people", "associated people": "people",
    "associated organizations": "people", "people & organizations": "people",
    "associated places": "places", "associated topics": "topics", "themes": "themes",
    "theme": "themes", "record type": "type", "document type": "type", "type": "type",
    "collections": "collections", "collection": "collections", "related documents": "related",
    "keywords": "keywords", "translator(s)": "translators", "translators": "translators",
    "translator": "translators", "url": "url", "permalink": "url", "link": "url",
    "document information": "docinfo", "additional document information": "docinfo",
    "document details": "docinfo",
}  # fmt: skip
# Labels recognised without a colon before the body: their words never open a document.
_BARE_HEADER_LABELS = {"citation", "summary", "language", "contents", "credits"}
_FOOTER_CLUSTER_LABELS = {
    "source", "archive", "language", "record id", "classification", "authors", "funders",
    "rights", "subjects", "people", "places", "topics", "themes", "related", "collections",
    "citation", "keywords", "type", "translators",
}  # fmt: skip
# Headings that never occur in a document, so one alone starts the footer.
_FOOTER_ALONE = {"docinfo", "related", "people", "places", "topics", "record id"}
_SINGLE_LINE_LABELS = {"date", "title", "record id", "classification", "type", "url"}

_LABEL_RE = re.compile(
    r"^(?P<label>"
    + "|".join(re.escape(k) for k in sorted(LABELS, key=len, reverse=True))
    + r")\s*(?P<colon>:)?\s*(?P<value>.*)$",
    re.IGNORECASE,
)
_INLINE_LABEL_RE = re.compile(
    r"(?<![\w])(Citation|Summary|Original Languages?|Contents|Credits)\s*:\s*"
)
_QUOTES = "\"“”„«'‘"
_CITATION_MARK_RE = re.compile(
    r"Digital Archive|Public Policy Program|Wilson Center|International History Project",
    re.IGNORECASE,
)
URL_RE = re.compile(r"https?://[^\s<>\"'\])}]+", re.IGNORECASE)
_URL_LINE_RE = re.compile(r"^<?(https?://[^\s<>]+?)>?[.,;]?$", re.IGNORECASE)


@dataclass
class Segments:
    layout: str = "unknown"
    title: str | None = None
    title_line: str | None = None
    date: DateResult | None = None
    citation: str | None = None
    citation_summary: str | None = None
    source_url: str | None = None
    summary: str | None = None
    fields: dict[str, list[str]] = field(default_factory=dict)
    credit_lines: list[str] = field(default_factory=list)
    tabs: list[tuple[str, str]] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    has_footer: bool = False
    has_header_labels: bool = False
    blank_stripped: bool = False
    markdown: bool = False
    flat: bool = False
    warnings: list[str] = field(default_factory=list)


def label_of(line: str, *, bare_ok: bool) -> tuple[str, str] | None:
    """(field key, inline value) when ``line`` is a field label, else None."""
    if not line or len(line) > 2000 or not line[0].isalpha():
        return None
    m = _LABEL_RE.match(line)
    if not m:
        return None
    if m.group("label").isupper() and len(m.group("label")) > 3:
        return None  # "SUMMARY:", "SUBJECT:", "DATE:" open paragraphs of cables, not fields
    key = LABELS[m.group("label").casefold()]
    value = m.group("value").strip()
    if m.group("colon"):
        return key, value
    if value:
        return None
    if bare_ok or key in _BARE_HEADER_LABELS or key == "docinfo":
        return key, ""
    return None


def is_citation_like(line: str) -> bool:
    return (
        len(line) > 10
        and line[0] in _QUOTES
        and bool(_CITATION_MARK_RE.search(line))
        and len(line) < 5000
    )


def url_of_line(line: str) -> str | None:
    m = _URL_LINE_RE.match(line)
    return m.group(1).rstrip(".,;") if m else None


def _norm(s: str) -> str:
    return " ".join(s.casefold().strip(" .,:;\"'“”").split())


def _expand_flat(lines: list[str]) -> tuple[list[str], bool]:
    """Split lines where a PDF export ran "Citation: … Summary: … Contents: …" together."""
    out: list[str] = []
    flat = False
    for line in lines:
        marks = list(_INLINE_LABEL_RE.finditer(line)) if ":" in line else []
        if len(marks) < 2:
            out.append(line)
            continue
        flat = True
        prefix = line[: marks[0].start()].strip()
        if prefix:
            out.append(prefix)
        for n, m in enumerate(marks):
            end = marks[n + 1].start() if n + 1 < len(marks) else len(line)
            value = line[m.end() : end].strip()
            out.append(m.group(1) + ":")
            if m.group(1) == "Contents":
                while value:
                    tab = textmod.TAB_RE.match(value)
                    if not tab:
                        break
                    out.append(tab.group(0))
                    value = value[tab.end() :].lstrip(" ,;|/")
            if value:
                out.append(value)
        # A flattened page has no blank lines between fields; keep the body apart.
        out.append("")
    return out, flat


def _is_title_like(line: str) -> bool:
    if not line or len(line) > 400 or not any(ch.isalpha() for ch in line):
        return False
    if textmod.is_chrome(line) or label_of(line, bare_ok=False) or url_of_line(line):
        return False
    if is_citation_like(line) or is_credit_line(line) or parse_date(line):
        return False
    return not line.endswith((":", ";"))


class _Reader:
    def __init__(self, lines: list[str], seg: Segments) -> None:
        self.lines = lines
        self.seg = seg
        self.n = len(lines)
        self.last_key: str | None = None

    # -- small predicates ---------------------------------------------------------------

    def blank(self, i: int) -> bool:
        return not self.lines[i]

    def next_content(self, i: int) -> int:
        while i < self.n and not self.lines[i]:
            i += 1
        return i

    def ends_block(self, i: int, footer: bool) -> bool:
        line = self.lines[i]
        if not line:
            return not self.seg.blank_stripped
        return bool(textmod.is_chrome(line) or label_of(line, bare_ok=footer) or url_of_line(line))

    # -- field values -------------------------------------------------------------------

    def add_field(self, key: str, value: str) -> None:
        value = value.strip()
        self.seg.fields.setdefault(key, [])
        if value:
            self.seg.fields[key].append(value)

    def consume_label(self, i: int, key: str, inline: str, footer: bool) -> int:
        """Read the value of the label at ``i``; return the index after it."""
        seg = self.seg
        self.last_key = key
        if key != "docinfo":
            seg.has_header_labels = seg.has_header_labels or not footer
        if key == "docinfo":
            return i + 1
        if inline:
            if key == "contents":
                self.note_tabs(inline)
            elif key == "citation":
                self.set_citation(inline)
            else:
                self.add_field(key, inline)
            return i + 1
        j = i + 1
        if key == "citation":
            return self.consume_citation(j, footer)
        if key == "contents":
            while j < self.n and (
                self.blank(j) or textmod.tab_hint(self.lines[j]) or textmod.is_chrome(self.lines[j])
            ):
                if self.lines[j]:
                    self.note_tabs(self.lines[j])
                j += 1
            return j
        j = self.next_content(j)
        if j >= self.n:
            self.add_field(key, "")
            return j
        if key == "language":
            taken = 0
            while j < self.n and taken < 3 and textmod.language_codes(self.lines[j]) is not None:
                self.add_field(key, self.lines[j])
                taken += 1
                j += 1
                if self.seg.blank_stripped or not (j < self.n and self.lines[j]):
                    break
            if not taken:
                self.add_field(key, "")
            return j
        if label_of(self.lines[j], bare_ok=footer) or textmod.is_chrome(self.lines[j]):
            self.add_field(key, "")  # an empty field: the next line is the next label
            return j
        if key in _SINGLE_LINE_LABELS:
            self.add_field(key, self.lines[j])
            return j + 1
        values: list[str] = []
        while j < self.n:
            line = self.lines[j]
            if footer:
                if line and (label_of(line, bare_ok=True) or is_citation_like(line)):
                    break
                if textmod.is_chrome(line) or url_of_line(line):
                    break
            else:
                if self.ends_block(j, footer):
                    break
                if self.seg.blank_stripped and values and key != "credits":
                    break
                if self.seg.blank_stripped and key == "credits" and not is_credit_line(line):
                    break
            if line:
                values.append(line)
            j += 1
        if key == "summary" and not footer:
            self.add_field(key, " ".join(values))
        else:
            for value in values:
                self.add_field(key, value)
        return j

    def consume_citation(self, j: int, footer: bool) -> int:
        while j < self.n and (self.blank(j) or textmod.is_chrome(self.lines[j])):
            j += 1
        block: list[str] = []
        while j < self.n:
            line = self.lines[j]
            if not line:
                if block and not self.seg.blank_stripped:
                    break
                j += 1
                continue
            if textmod.is_chrome(line) or label_of(line, bare_ok=footer) or url_of_line(line):
                break
            block.append(line)
            j += 1
            if line[0] in _QUOTES and is_citation_like(line):
                break
            if self.seg.blank_stripped and len(block) >= 3:
                break
        if not block:
            return j
        start = next((k for k, b in enumerate(block) if b[0] in _QUOTES), 0)
        self.set_citation(" ".join(block[start:]))
        if start:
            self.seg.citation_summary = " ".join(block[:start])
        return j

    def set_citation(self, value: str) -> None:
        value = " ".join(value.split())
        if value and self.seg.citation is None:
            self.seg.citation = value

    def note_tabs(self, value: str) -> None:
        rest = value
        while rest:
            m = textmod.TAB_RE.match(rest)
            if not m:
                break
            hint = textmod.tab_hint(m.group(0))
            if hint and hint not in self.seg.tabs:
                self.seg.tabs.append(hint)
            rest = rest[m.end() :].lstrip(" ,;|/")

    def note_url(self, url: str) -> None:
        if self.seg.source_url is None or (
            "/document/" in url and "/document/" not in self.seg.source_url
        ):
            self.seg.source_url = url

    # -- header -------------------------------------------------------------------------

    def header_item(self, i: int) -> int | None:
        """Consume a header-type line at ``i``; the next index, or None if it is not one."""
        line = self.lines[i]
        if not line:
            return i + 1
        if textmod.is_chrome(line):
            hint = textmod.tab_hint(line)
            if hint and hint not in self.seg.tabs:
                self.seg.tabs.append(hint)
            return i + 1
        label = label_of(line, bare_ok=False)
        if label:
            key, inline = label
            if key == "docinfo":
                return None
            return self.consume_label(i, key, inline, footer=False)
        url = url_of_line(line)
        if url:
            self.note_url(url)
            return i + 1
        if is_citation_like(line):
            self.set_citation(line)
            return i + 1
        if is_credit_line(line):
            self.seg.credit_lines.append(line)
            return i + 1
        return None


def _header_follows(reader: _Reader, k: int) -> bool:
    """Whether the next line after `k` (past the date) is a header label or the citation."""
    j = reader.next_content(k + 1)
    if j < reader.n and parse_date(reader.lines[j]):
        j = reader.next_content(j + 1)
    if j >= reader.n:
        return False
    line = reader.lines[j]
    label = label_of(line, bare_ok=False)
    return bool(label and label[0] != "docinfo") or is_citation_like(line)


def _similar(line: str, want: str) -> bool:
    """Whether `line` reads as the title `want` (normalised) with a few words changed."""
    have = _norm(line)
    if not have or not want or min(len(have), len(want)) < 0.7 * max(len(have), len(want)):
        return False
    return SequenceMatcher(None, have, want, autojunk=False).ratio() >= 0.8


def _citation_title(citation: str) -> str | None:
    if not citation or citation[0] not in _QUOTES:
        return None
    mark = _CITATION_MARK_RE.search(citation)
    head = citation[: mark.start()] if mark else citation[:600]
    close = max(head.rfind(q) for q in '"”“»')
    if close <= 0:
        return None
    title = citation[1:close].strip(" ,")
    return title or None


def segment(text: str) -> Segments:
    seg = Segments()
    raw_lines = text.split("\n")
    seg.markdown = textmod.is_markdown(raw_lines)
    lines = [textmod.clean_line(line) for line in raw_lines]
    lines, seg.flat = _expand_flat(lines)
    while lines and not lines[-1]:
        lines.pop()
    first = next((k for k, line in enumerate(lines) if line), len(lines))
    lines = lines[first:]
    content = [line for line in lines if line]
    seg.blank_stripped = len(content) >= 6 and len(content) == len(lines) and not seg.flat
    reader = _Reader(lines, seg)
    n = len(lines)

    # Anchors: the citation (for the title), the title line, the date line.
    cit_idx = next((k for k, line in enumerate(lines) if is_citation_like(line)), None)
    cit_title = _citation_title(lines[cit_idx]) if cit_idx is not None else None
    if cit_title is None:
        # A labelled citation whose quote is not on a "Digital Archive" line.
        for k, line in enumerate(lines[:200]):
            label = label_of(line, bare_ok=False)
            if label and label[0] == "citation":
                nxt = label[1] or (lines[reader.next_content(k + 1)] if k + 1 < n else "")
                if nxt.startswith(tuple(_QUOTES)):
                    cit_title = _citation_title(nxt)
                break
    title_idx: int | None = None
    date_idx: int | None = None
    top_zone: list[int] = []
    for k, line in enumerate(lines):
        if len(top_zone) >= 25:
            break
        if line and not textmod.is_chrome(line):
            top_zone.append(k)
    if cit_title:
        want = _norm(cit_title)
        for k in top_zone:
            line = lines[k]
            if k == cit_idx or len(line) > len(cit_title) + 80:
                continue
            if _norm(line) == want:
                title_idx = k
                seg.title_line = line
                break
            lead = split_leading_date(line)
            if lead and _norm(lead[1]) == want:
                title_idx = date_idx = k
                seg.title_line = lead[1]
                seg.date = lead[0]
                break
        else:
            # The heading edited after the citation was written ("Washington" become
            # "Washington, D.C."): still the heading. Left unfound, the labels after it
            # would be taken for the footer, and the whole body lost.
            for k in top_zone:
                line = lines[k]
                if k == cit_idx or len(line) > len(cit_title) + 80:
                    continue
                lead = split_leading_date(line)
                if lead and _is_title_like(lead[1]) and _similar(lead[1], want):
                    title_idx = date_idx = k
                    seg.date, seg.title_line = lead
                    break
                if _is_title_like(line) and _similar(line, want):
                    title_idx = k
                    seg.title_line = line
                    break

    top = top_zone[:14]
    if date_idx is None:
        # The date line stands next to the title, or among the first lines of the page;
        # a date further down is the document's own ("9 April 1966"), part of the body.
        near = top[:4]
        if title_idx is not None:
            pos = top_zone.index(title_idx)
            near = top_zone[max(0, pos - 1) : pos + 2]
        for k in near:
            if k == title_idx:
                continue
            result = parse_date(lines[k])
            if result is not None:
                date_idx = k
                seg.date = result
                break
    if date_idx is None and title_idx is None and top:
        # "# November 11, 1945 Telegram …" with no citation to confirm the title.
        lead = split_leading_date(lines[top[0]])
        if lead and _is_title_like(lead[1]):
            title_idx = date_idx = top[0]
            seg.date, seg.title_line = lead
    if title_idx is None and cit_title is not None and date_idx is not None:
        # A heading beside the date that is not the citation's title at all (rewritten
        # since): the heading still, when the header's labels or citation follow it.
        guess = _guess_title(lines, top, date_idx)
        if guess is not None and guess != cit_idx and _header_follows(reader, guess):
            title_idx = guess
            seg.title_line = lines[guess]
    if title_idx is None and cit_title is None:
        title_idx = _guess_title(lines, top, date_idx)
        if title_idx is not None:
            seg.title_line = lines[title_idx]

    # Header: everything up to the anchors, then header-type lines after them.
    anchor = max(k for k in (title_idx, date_idx, -1) if k is not None)
    i = 0
    while i < n and i <= anchor:
        if i in (title_idx, date_idx):
            i += 1
            continue
        nxt = reader.header_item(i)
        if nxt is None:
            seg.preamble.append(lines[i])
            i += 1
        else:
            i = max(nxt, i + 1)
    while i < n:
        nxt = reader.header_item(i)
        if nxt is None:
            nxt = _continuation(reader, i)
            if nxt is None:
                break
        i = max(nxt, i + 1)
    body_start = i

    # Footer: "Document Information", a cluster of its labels, or a trailing citation.
    footer_idx = n
    for k in range(body_start, n):
        line = lines[k]
        if not line:
            continue
        label = label_of(line, bare_ok=True)
        if label and label[0] in _FOOTER_ALONE:
            footer_idx = k
            break
        if label and label[0] in _FOOTER_CLUSTER_LABELS and _label_cluster(lines, k):
            footer_idx = k
            break
        if k == cit_idx:
            footer_idx = k
            break
    if footer_idx < n:
        seg.has_footer = True
        k = footer_idx
        while k < n:
            line = lines[k]
            if not line or textmod.is_chrome(line):
                k += 1
                continue
            label = label_of(line, bare_ok=True)
            if label:
                k = max(reader.consume_label(k, label[0], label[1], footer=True), k + 1)
                continue
            url = url_of_line(line)
            if url:
                reader.note_url(url)
            elif is_citation_like(line):
                reader.set_citation(line)
            k += 1

    body_end = footer_idx
    if seg.has_footer and "summary" not in seg.fields:
        body_end = _take_trailing_summary(lines, body_start, body_end, seg)

    body = [line for line in lines[body_start:body_end] if not textmod.is_chrome(line)]
    for line in body:
        if "made possible" in line and is_credit_line(line):
            seg.credit_lines.append(line)
    seg.body = [line for line in body if not ("made possible" in line and is_credit_line(line))]
    while seg.body and not seg.body[0]:
        seg.body.pop(0)
    while seg.body and not seg.body[-1]:
        seg.body.pop()

    # The page-level URL when it was not on a line of its own (flat exports, citations).
    if seg.source_url is None:
        for line in lines:
            if "/document/" in line:
                m = URL_RE.search(line)
                if m:
                    seg.source_url = m.group(0).rstrip(".,;")
                    break

    seg.title = seg.title_line or cit_title
    if seg.citation is None and cit_idx is not None:
        seg.citation = " ".join(lines[cit_idx].split())
    if seg.citation_summary and "summary" not in seg.fields:
        seg.fields["summary"] = [seg.citation_summary]
    seg.layout = _layout_name(seg, lines, body_start)
    return seg


_CONTINUED_FIELDS = {"summary", "credits", "source"}
_NEXT_FIELD_RE = re.compile(
    r"^(?:Summary|Original Languages?|Contents|Credits|Citation|Source)\s*:"
)


def _continuation(reader: _Reader, i: int) -> int | None:
    """A second paragraph of a free-text header field: the site's next label follows it.

    Only after a summary or credits field, and only when one of the site's own labels
    (title case, with a colon) comes within a few lines, so a body is never swallowed.
    """
    if reader.last_key not in _CONTINUED_FIELDS:
        return None
    lines = reader.lines
    seen = 0
    for j in range(i, min(reader.n, i + 12)):
        if not lines[j]:
            continue
        if _NEXT_FIELD_RE.match(lines[j]):
            extra = [line for line in lines[i:j] if line]
            values = reader.seg.fields.setdefault(reader.last_key, [])
            values.extend(extra)
            return j
        seen += 1
        if seen > 4 or len(lines[j]) > 1500:
            return None
    return None


def _guess_title(lines: list[str], top: list[int], date_idx: int | None) -> int | None:
    if date_idx is not None:
        after = next((k for k in top if k > date_idx), None)
        before = next((k for k in reversed(top) if k < date_idx), None)
        after_ok = after is not None and _is_title_like(lines[after])
        before_ok = (
            before is not None
            and _is_title_like(lines[before])
            and not _sentence_like(lines[before])
        )
        # The title sits next to the date: before it when that line reads as a heading
        # (a related document's summary or a collection blurb reads as sentences), else
        # after it.
        if before_ok and before is not None:
            return before
        return after if after_ok else None
    for k in top[:3]:
        line = lines[k]
        if label_of(line, bare_ok=False) or url_of_line(line) or is_citation_like(line):
            return None
        if is_credit_line(line) or _sentence_like(line):
            continue
        if _is_title_like(line) and len(top) > 1 and len(line) <= 300:
            return k
        return None
    return None


def _sentence_like(line: str) -> bool:
    return line.endswith((".", "!", "?", '."', ".”")) and len(line.split()) >= 8


def _label_cluster(lines: list[str], k: int) -> bool:
    first = label_of(lines[k], bare_ok=True)
    seen = 0
    for line in lines[k + 1 : k + 16]:
        if not line:
            continue
        seen += 1
        other = label_of(line, bare_ok=True)
        if other and first and other[0] != first[0] and other[0] in _FOOTER_CLUSTER_LABELS:
            return True
        if seen >= 6:
            break
    return False


def _take_trailing_summary(lines: list[str], start: int, end: int, seg: Segments) -> int:
    """The one-paragraph summary the current layout puts just above "Document Information"."""
    k = end - 1
    while k >= start and (not lines[k] or textmod.is_chrome(lines[k])):
        k -= 1
    if k < start:
        return end
    para_end = k
    if not seg.blank_stripped:
        while k - 1 >= start and lines[k - 1] and not textmod.is_chrome(lines[k - 1]):
            k -= 1
    paragraph = " ".join(lines[k : para_end + 1])
    label_idx = k - 1
    while label_idx >= start and not lines[label_idx]:
        label_idx -= 1
    if label_idx >= start:
        label = label_of(lines[label_idx], bare_ok=True)
        if label and label[0] == "summary":
            seg.fields["summary"] = [paragraph]
            return label_idx
    words = paragraph.split()
    if (
        len(words) >= 10
        and paragraph.endswith((".", '."', ".”", ")"))
        and textmod.script_of(paragraph) == "latin"
        and len(paragraph) <= 1500
        and k > start
    ):
        seg.fields["summary"] = [paragraph]
        return k
    return end


def _layout_name(seg: Segments, lines: list[str], body_start: int) -> str:
    header = [line.casefold() for line in lines[:body_start]]
    header_has = set(header)
    if seg.flat:
        return "pdf-flat"
    if seg.markdown:
        return "markdown-mirror"
    labelled_citation = any(h.startswith("citation:") or h == "citation:" for h in header)
    widget = "get citation" in header_has or "share document" in header_has
    if widget or ("citation" in header_has and not labelled_citation):
        return "legacy-citation-first"
    if labelled_citation and seg.has_header_labels:
        return "legacy-labelled"
    if seg.has_footer and (seg.title_line or seg.date):
        return "current"
    if seg.has_header_labels:
        return "legacy-labelled"
    if seg.title_line and seg.date:
        # Title and date, then the body: the current layout cut off (or stripped) before
        # its "Document Information" footer.
        return "current"
    return "unknown"
