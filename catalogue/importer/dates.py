"""Dates as the pages write them: "October 25, 1950", "25 October 19 50", "ca. 1950" …

A date is returned with its precision and the first day of its period; a date that names
an impossible day is returned without a value and with a warning, never guessed at.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "january jan janvier januar január stycznia styczeń январь января янв",
        "february feb février februar február lutego luty февраль февраля фев",
        "march mar mars märz március marca marzec март марта",
        "april apr avril április kwietnia kwiecień апрель апреля апр",
        "may mai május maja maj май мая",
        "june jun juin juni június czerwca czerwiec июнь июня",
        "july jul juillet juli július lipca lipiec июль июля",
        "august aug août augusztus sierpnia sierpień август августа авг",
        "september sept sep septembre szeptember września wrzesień сентябрь сентября сент",
        "october oct octobre oktober október października październik октябрь октября окт",
        "november nov novembre listopada listopad ноябрь ноября",
        "december dec décembre dezember grudnia grudzień декабрь декабря дек",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _number

_MONTH = r"\b(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th|\.)?"
_DAY_RANGE = r"(?:\s*[-–/]\s*[0-3]?\d(?:st|nd|rd|th)?)?"
# "19 50": OCR splits years; only a space, never other separators, is taken as a split.
_YEAR = r"(?P<year>1[5-9]\d\d|20\d\d|1[5-9] \d\d|20 \d\d)(?!\d)"
_NUM_MONTH = r"(?P<nmonth>[01]?\d)"
_NUM_DAY = r"(?P<nday>[0-3]?\d)"

_FORMS: tuple[tuple[str, str], ...] = (
    ("day", rf"{_MONTH}\s+{_DAY}{_DAY_RANGE},?\s+{_YEAR}"),
    ("day", rf"{_DAY}{_DAY_RANGE}\s+{_MONTH},?\s+{_YEAR}(?:\s*(?:г|g)\.?)?"),
    ("day", rf"{_YEAR}\.?\s+{_MONTH}\s+{_DAY}"),
    ("day", rf"{_YEAR}\s*[-./]\s*{_NUM_MONTH}\s*[-./]\s*{_NUM_DAY}\.?"),
    ("day", rf"{_NUM_DAY}\s*\.\s*{_NUM_MONTH}\s*\.\s*{_YEAR}"),
    ("day", rf"{_YEAR}\s*[年년]\s*{_NUM_MONTH}\s*[月월]\s*{_NUM_DAY}\s*[日일]"),
    ("month", rf"{_MONTH},?\s+{_YEAR}"),
    ("month", rf"{_YEAR}\.?\s+{_MONTH}"),
    ("month", rf"{_YEAR}\s*[年년]\s*{_NUM_MONTH}\s*[月월]"),
    ("month", rf"{_YEAR}-{_NUM_MONTH}(?!\d)"),
    ("year", rf"{_YEAR}(?P<decade>'?s)?(?:\s*(?:[年년]|г\.|gg?\.))?"),
)
_COMPILED = tuple((precision, re.compile(pattern, re.IGNORECASE)) for precision, pattern in _FORMS)
_QUALIFIER_RE = re.compile(
    r"^(?:(?:ca|c|circa|approx|approximately|about|around|early|late|mid|before|after|"
    r"not before|not after|probably|presumably|possibly|date)\b\.?[\s-]*:?\s*)+",
    re.IGNORECASE,
)
_RANGE_TAIL_RE = re.compile(r"^\s*(?:[-–—/]|to\b|until\b|through\b|and\b|or\b)\s*\S")
_UNDATED_RE = re.compile(
    r"^(?:undated|n\.\s?d\.?|no date|date unknown|unknown date|not dated|без даты|s\.\s?d\.)$",
    re.IGNORECASE,
)
_TRIM = " \t,.;:[]()?"


@dataclass
class DateResult:
    date: datetime.date | None
    precision: str | None
    text: str
    warning: str | None = None


def _build(precision: str, m: re.Match[str], text: str) -> DateResult:
    groups = m.groupdict()
    year = int(groups["year"].replace(" ", ""))
    month = 1
    day = 1
    if groups.get("month"):
        month = _MONTHS[groups["month"].lower().rstrip(".")]
    elif groups.get("nmonth"):
        month = int(groups["nmonth"])
    if groups.get("day"):
        day = int(groups["day"])
    elif groups.get("nday"):
        day = int(groups["nday"])
    try:
        value = datetime.date(year, month, day)
    except ValueError:
        return DateResult(None, None, text, f"impossible date '{text}'")
    warning = None
    if groups.get("decade"):
        warning = f"decade '{text}' read as the year {year}"
    return DateResult(value, precision, text, warning)


def parse_date(text: str) -> DateResult | None:
    """The date that makes up the whole of ``text`` (qualifiers and ranges allowed), or None.

    An undated marker ("n.d.", "undated") gives a result with no date and no warning.
    """
    written = text.strip().strip(" \t,;:")
    if written.endswith(".") and len(written) > 1 and written[-2].isdigit():
        written = written[:-1]
    if not written or len(written) > 80:
        return None
    core = written.strip(_TRIM)
    if _UNDATED_RE.match(core):
        return DateResult(None, None, written)
    core = _QUALIFIER_RE.sub("", core).strip(_TRIM)
    if not core:
        return None
    for precision, pattern in _COMPILED:
        m = pattern.fullmatch(core)
        if m:
            return _build(precision, m, written)
    for precision, pattern in _COMPILED:
        m = pattern.match(core)
        if m and _RANGE_TAIL_RE.match(core[m.end() :]):
            return _build(precision, m, written)
    return None


def split_leading_date(line: str) -> tuple[DateResult, str] | None:
    """A line that starts with a full date and goes on with other words (a title).

    ``"November 11, 1945 Telegram via VcH"`` → (1945-11-11, "Telegram via VcH").
    """
    for precision, pattern in _COMPILED[:7]:
        m = pattern.match(line)
        if m:
            rest = line[m.end() :].lstrip(" ,:;–—-|")
            if rest and not rest[0].isdigit():
                return _build(precision, m, line[: m.end()].strip()), rest
    return None


def find_date(text: str) -> DateResult | None:
    """The first day- or month-precision date written anywhere inside ``text``."""
    for precision, pattern in _COMPILED[:7]:
        m = pattern.search(text)
        if m:
            return _build(precision, m, m.group(0).strip())
    return None
