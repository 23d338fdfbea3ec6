"""Bytes to clean lines: decoding, line endings, markup, page chrome, scripts and languages.

Everything here is pure and linear in the size of the input: it runs over every page of
the archive, so no regular expression may backtrack over unbounded repetitions.
"""

from __future__ import annotations

import codecs
import math
import re
from dataclasses import dataclass

from .errors import ParseError


def word_set(text: str) -> frozenset[str]:
    """The whitespace-separated words of a literal, for word lists kept readable in source."""
    return frozenset(text.split())


# --------------------------------------------------------------------------- decoding

# Magic numbers of the files most often dropped into a folder of scraped pages by mistake.
_BINARY_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF file"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"PK\x03\x04", "a ZIP archive (or Office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\x7fELF", "an executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Office document"),
    (b"SQLite format 3\x00", "an SQLite database"),
)

# NUL bytes are kept-and-stripped only while rare: a few stray NULs are a known scraper
# artefact, but past this share the file is not text that lost a few bytes.
NUL_SHARE_LIMIT = 0.01
# Other C0 control bytes (not tab, newline, carriage return, form feed, vertical tab, ESC,
# DOS end-of-file) past this share mean binary data.
CONTROL_SHARE_LIMIT = 0.05

_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 11, 12, 13, 26, 27)) + b"\x7f"

# Approximate Russian letter frequencies (per cent): the fingerprint that tells cp1251,
# KOI8-R and cp866 apart, since each maps the same bytes to different letters.
_RU_FREQ = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47,
    "р": 4.73, "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81,
    "у": 2.62, "я": 2.01, "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59,
    "ч": 1.44, "й": 1.21, "х": 0.97, "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48,
    "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}  # fmt: skip
_RU_LOG = {ch: math.log2(p / 100) for ch, p in _RU_FREQ.items()}
_RU_UNLIKELY = math.log2(0.0005)
# Mean log2-frequency per character that real Russian text reaches (about -4.4) and that
# text decoded with the wrong Cyrillic code page, or CJK bytes read as Cyrillic, does not.
_RU_PLAUSIBLE = -5.0

_CYRILLIC_CODECS = ("cp1251", "koi8-r", "cp866")


@dataclass
class Decoded:
    text: str
    encoding: str
    warnings: list[str]
    damaged: bool = False  # bytes were replaced or dropped while decoding


def _binary_reason(data: bytes) -> str | None:
    for magic, what in _BINARY_SIGNATURES:
        if data.startswith(magic):
            return f"binary file ({what}), not a text page"
    sample = data[:65536]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    nuls = sample.count(0)
    if (controls - nuls) > CONTROL_SHARE_LIMIT * len(sample) and controls - nuls > 2:
        return "binary file (too many control characters)"
    if nuls > NUL_SHARE_LIMIT * len(sample):
        return f"binary file ({nuls} NUL bytes)"
    return None


def _utf16_without_bom(data: bytes) -> str | None:
    if len(data) < 8 or len(data) % 2:
        return None
    sample = data[:4096]
    even_nul = sample[0::2].count(0)
    odd_nul = sample[1::2].count(0)
    # ASCII characters give a NUL byte on one side; CJK characters give none at all, so
    # the share can be low, but NULs all on one side are not binary data.
    if odd_nul >= max(4, 0.03 * len(sample)) and even_nul <= 1 + 0.05 * odd_nul:
        codec = "utf-16-le"
    elif even_nul >= max(4, 0.03 * len(sample)) and odd_nul <= 1 + 0.05 * even_nul:
        codec = "utf-16-be"
    else:
        return None
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        return None
    controls = len(_CONTROLS_RE.findall(text[:4096])) + text[:4096].count("\x00")
    if controls > CONTROL_SHARE_LIMIT * min(len(text), 4096):
        return None  # binary data that happens to have NULs on one side
    return codec


def _high_byte_runs_share(data: bytes) -> float:
    """Share of non-ASCII bytes that sit in runs of three or more non-ASCII bytes.

    Cyrillic or CJK text in a legacy code page is made of whole words of high bytes;
    Western and Central European text has isolated accented letters between ASCII ones.
    """
    runs = re.findall(rb"[\x80-\xff]+", data[:262144])
    total = sum(len(r) for r in runs)
    if not total:
        return 0.0
    return sum(len(r) for r in runs if len(r) >= 3) / total


def _russian_score(text: str) -> float:
    """Mean log2 letter frequency of the non-ASCII characters, as Russian."""
    total = 0.0
    count = 0
    for ch in text:
        if ch < "\x80":
            continue
        count += 1
        total += _RU_LOG.get(ch.lower(), _RU_UNLIKELY)
        if count >= 20000:
            break
    return total / count if count else _RU_UNLIKELY


def _cjk_decode(data: bytes) -> tuple[str, str] | None:
    """The CJK code page that decodes ``data`` strictly and most plausibly."""
    best: tuple[float, str, str] | None = None
    for codec in ("euc-kr", "shift_jis", "gb18030", "big5"):
        try:
            text = data.decode(codec)
        except UnicodeDecodeError:
            continue
        high = sum(1 for ch in text if ch >= "\x80")
        if not high:
            continue
        han = len(_HAN_RE.findall(text)) / high
        hangul = len(_HANGUL_RE.findall(text)) / high
        kana = len(_KANA_RE.findall(text)) / high
        # Korean is mostly Hangul and Japanese always has kana; any byte soup reads as Han.
        score = {
            "euc-kr": hangul + (0.5 if hangul >= 0.5 else 0.0),
            "shift_jis": han + kana + (0.5 if kana >= 0.1 else 0.0),
        }.get(codec, han)
        if score >= 0.6 and (best is None or score > best[0]):
            best = (score, text, codec)
    return (best[1], best[2]) if best else None


# Letters that only one of the two code pages has at a byte where they differ, weighted by
# how common they are in the languages written with it.
_CP1250_LETTERS = dict.fromkeys("őűŐŰąęłśżčřěšžćńůĄĘŁŚŻČŘĚŠŽĆŃŮ", 1.0) | dict.fromkeys(
    "źťďňĺľŕăţŹŤĎŇĹĽŔĂŢ", 0.3
)
_CP1252_LETTERS = dict.fromkeys("èòùìñøåæêàâçôÈÒÙÌÑØÅÆÊÀÂÇÔ", 1.0) | dict.fromkeys(
    "ãõïûîðþœŒÃÕÏÛÎÐÞ", 0.5
)


def _latin_choice(data: bytes) -> tuple[str, str]:
    western = data.decode("cp1252", errors="replace")
    central = data.decode("cp1250", errors="replace")
    score_w = sum(_CP1252_LETTERS.get(ch, 0.0) for ch in western if ch >= "\x80")
    score_c = sum(_CP1250_LETTERS.get(ch, 0.0) for ch in central if ch >= "\x80")
    score_w -= 3 * western.count("\ufffd")
    score_c -= 3 * central.count("\ufffd")
    if score_c > score_w:
        return central, "cp1250"
    return western, "cp1252"


def decode(data: bytes, file_name: str) -> Decoded:
    """Decode the raw bytes of a page, or raise ParseError for what is not text."""
    warnings: list[str] = []
    damaged = False
    if data.startswith(b"\xef\xbb\xbf"):
        body = data[3:]
        try:
            return Decoded(body.decode("utf-8"), "utf-8-sig", warnings)
        except UnicodeDecodeError:
            warnings.append("invalid UTF-8 bytes after the byte-order mark were replaced")
            return Decoded(body.decode("utf-8", errors="replace"), "utf-8-sig", warnings, True)
    for bom, codec in (
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return Decoded(data[len(bom) :].decode(codec), codec, warnings)
            except UnicodeDecodeError:
                # A cut-off last character, most often: keep the rest.
                warnings.append(f"invalid {codec} sequences replaced")
                text = data[len(bom) :].decode(codec, errors="replace")
                return Decoded(text, codec, warnings, damaged=True)
    utf16 = _utf16_without_bom(data)
    if utf16:
        return Decoded(data.decode(utf16), utf16, warnings)

    reason = _binary_reason(data)
    if reason:
        raise ParseError(file_name, reason)
    nuls = data.count(0)
    if nuls:
        data = data.replace(b"\x00", b"")
        warnings.append(f"{nuls} NUL byte(s) removed")
        damaged = True
    if not data.strip():
        raise ParseError(file_name, "file contains only whitespace and NUL bytes")

    try:
        return Decoded(data.decode("utf-8"), "utf-8", warnings, damaged)
    except UnicodeDecodeError:
        pass
    cut = _utf8_cut_at_end(data)
    if cut is not None:
        # A page cut off inside its last character: UTF-8, whatever share of the page is
        # ASCII (one stray byte is no evidence of a legacy code page).
        warnings.append("1 invalid UTF-8 byte sequence at the end: the last character was cut off")
        return Decoded(cut, "utf-8", warnings, True)

    # Mostly UTF-8 with a few broken bytes within (a bad copy, a cut and joined file):
    # reading the whole file as a legacy code page would garble every good character.
    lossy = data.decode("utf-8", errors="replace")
    bad = lossy.count("\ufffd")
    good = sum(1 for ch in lossy if ch >= "\x80") - bad
    if good >= 4 * bad and good > 0:
        warnings.append(f"{bad} invalid UTF-8 byte sequence(s) replaced")
        return Decoded(lossy, "utf-8", warnings, True)

    if _high_byte_runs_share(data) >= 0.5:
        candidates = [(data.decode(c, errors="replace"), c) for c in _CYRILLIC_CODECS]
        scored = sorted(
            ((_russian_score(t), i, t, c) for i, (t, c) in enumerate(candidates)),
            key=lambda item: (-item[0], item[1]),
        )
        score, _, text, codec = scored[0]
        if score < _RU_PLAUSIBLE:
            cjk = _cjk_decode(data)
            if cjk:
                return Decoded(cjk[0], cjk[1], warnings, damaged)
            warnings.append(f"encoding uncertain; read as {codec}")
            damaged = True
        return Decoded(text, codec, warnings, damaged)
    text, codec = _latin_choice(data)
    if "\ufffd" in text:
        damaged = True
        warnings.append(f"bytes undefined in {codec} were replaced")
    return Decoded(text, codec, warnings, damaged)


def _utf8_cut_at_end(data: bytes) -> str | None:
    """The text of `data` when it is UTF-8 but for a character cut short at its very end."""
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return None
    return text if len(text.encode("utf-8")) < len(data) else None


_MOJIBAKE_RE = re.compile("[ÐÑ][\u0080-\u00bf\u2018-\u203a\u0152-\u0178\u02c6\u02dc\u20ac\u2122]")


def repair_mojibake(text: str) -> str | None:
    """Undo UTF-8 that was once read as cp1252 or Latin-1 (``Ð¡Ñ€Ð¾Ñ‡Ð½Ð¾``), if it is that.

    Bytes the misreading lost (cp1252 has no character for 0x81, 0x8D, 0x8F, 0x90, 0x9D)
    come back as U+FFFD; the repair is kept while those stay a small share.
    """
    if len(_MOJIBAKE_RE.findall(text[:20000])) < 10:
        return None
    raw = bytearray()
    for ch in text:
        code = ord(ch)
        if code < 0x80:
            raw.append(code)
        elif ch == "\ufffd":
            raw += b"?"
        else:
            try:
                raw += ch.encode("cp1252")
            except UnicodeEncodeError:
                if code >= 0x100:
                    return None
                raw.append(code)
    fixed = raw.decode("utf-8", errors="replace")
    lost = fixed.count("\ufffd")
    non_ascii = sum(1 for ch in fixed if ch >= "\x80")
    if lost > 0.15 * max(non_ascii, 1):
        return None
    return fixed


# --------------------------------------------------------------------------- lines

_NEWLINES_RE = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_INVISIBLE_RE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_SPACES_RE = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")


def normalise(text: str) -> tuple[str, int]:
    """One kind of newline, ordinary spaces, no control or invisible characters.

    Returns the text and the number of stray control characters removed.
    """
    text = _NEWLINES_RE.sub("\n", text)
    text, controls = _CONTROLS_RE.subn("", text)
    text = _INVISIBLE_RE.sub("", text)
    text = _SPACES_RE.sub(" ", text)
    return text, controls


_HEADING_RE = re.compile(r"^#{1,6}(?:\s+|$)")
_BULLET_RE = re.compile(r"^(?:[•·▪◦●■►▶‣⁃]\s*|[-*+–]\s+|>\s?)")
_LINK_RE = re.compile(r"\[([^\]\n]{1,300})\]\((?:https?://|/)[^)\s]{0,500}\)")
_ESCAPE_RE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|])")
_WS_RE = re.compile(r"[ ]{2,}")
_WRAPPED_RE = re.compile(r"^([*_])(?=\S)(.+?)(?<=\S)\1$")


def _strip_closing_hashes(s: str) -> str:
    """``s`` less closing heading hashes (whitespace, then 1-6 "#" at the end).

    Linear where the regex ``\\s+#{1,6}$`` was quadratic on a long run of spaces.
    """
    body = s.rstrip("#")
    if 1 <= len(s) - len(body) <= 6 and body and body[-1].isspace():
        return body.rstrip()
    return s


def clean_line(line: str) -> str:
    """A line with Markdown headings, bullets, emphasis, links and escapes removed."""
    s = line.strip()
    if not s:
        return s
    if s[0] == "#":
        s = _HEADING_RE.sub("", s)
        s = _strip_closing_hashes(s)
    for _ in range(3):
        stripped = _BULLET_RE.sub("", s, count=1)
        if stripped == s:
            break
        s = stripped.lstrip()
    if "**" in s:
        s = s.replace("**", "")
    if "__" in s and s.startswith("__") and s.endswith("__"):
        s = s[2:-2]
    if len(s) > 2 and s[0] in "*_":
        s = _WRAPPED_RE.sub(r"\2", s)
    if "](" in s:
        s = _LINK_RE.sub(r"\1", s)
    if "\\" in s:
        s = _ESCAPE_RE.sub(r"\1", s)
    if "  " in s:
        s = _WS_RE.sub(" ", s)
    return s.strip()


def is_markdown(raw_lines: list[str]) -> bool:
    marks = 0
    for line in raw_lines[:400]:
        s = line.lstrip()
        if _HEADING_RE.match(s) or (s.startswith("**") and s.rstrip().endswith("**")):
            marks += 1
            if marks >= 2:
                return True
    return False


# --------------------------------------------------------------------------- languages

LANGUAGES: dict[str, str] = {
    "russian": "ru", "english": "en", "chinese": "zh", "mandarin": "zh", "korean": "ko",
    "hungarian": "hu", "german": "de", "polish": "pl", "mongolian": "mn", "japanese": "ja",
    "czech": "cs", "slovak": "sk", "bulgarian": "bg", "romanian": "ro", "albanian": "sq",
    "vietnamese": "vi", "french": "fr", "italian": "it", "spanish": "es", "portuguese": "pt",
    "serbian": "sr", "croatian": "hr", "serbo-croatian": "sh", "bosnian": "bs",
    "slovenian": "sl", "slovene": "sl", "macedonian": "mk", "ukrainian": "uk",
    "belarusian": "be", "georgian": "ka", "armenian": "hy", "azerbaijani": "az",
    "kazakh": "kk", "uzbek": "uz", "kyrgyz": "ky", "tajik": "tg", "turkmen": "tk",
    "lithuanian": "lt", "latvian": "lv", "estonian": "et", "finnish": "fi", "swedish": "sv",
    "norwegian": "no", "danish": "da", "dutch": "nl", "greek": "el", "turkish": "tr",
    "arabic": "ar", "persian": "fa", "farsi": "fa", "hebrew": "he", "yiddish": "yi",
    "hindi": "hi", "urdu": "ur", "bengali": "bn", "indonesian": "id", "malay": "ms",
    "khmer": "km", "lao": "lo", "thai": "th", "burmese": "my", "tibetan": "bo",
    "uyghur": "ug", "uighur": "ug", "amharic": "am", "tigrinya": "ti", "somali": "so",
    "swahili": "sw", "afrikaans": "af", "tagalog": "tl", "filipino": "fil", "icelandic": "is",
    "latin": "la", "esperanto": "eo", "catalan": "ca", "manchu": "mnc", "pashto": "ps",
    "dari": "prs", "kurdish": "ku",
}  # fmt: skip
_LANG_NAMES_RE = "|".join(sorted((re.escape(n) for n in LANGUAGES), key=len, reverse=True))
_LANG_SPLIT_RE = re.compile(r"\s*(?:,|;|/|\band\b|&|\n)\s*", re.IGNORECASE)
CYRILLIC_LANGS = ("ru", "mn", "bg", "uk", "be", "sr", "mk", "kk", "ky", "tg", "tk")
NON_LATIN_LANGS = frozenset(
    CYRILLIC_LANGS + ("zh", "ja", "ko", "ka", "hy", "el", "ar", "fa", "he", "yi", "hi", "ur")
    + ("bn", "km", "lo", "th", "my", "bo", "ug", "am", "ti", "ps", "prs", "mnc")
)  # fmt: skip


def language_codes(value: str) -> list[str] | None:
    """ISO codes for a field such as "Russian", "Chinese, Korean" or "Russian and English".

    None when any part is not a language name, so callers can tell a field value from text.
    """
    parts = [p for p in _LANG_SPLIT_RE.split(value.strip().strip(".:")) if p]
    if not parts or len(parts) > 8:
        return None
    codes: list[str] = []
    for part in parts:
        key = part.strip().lower()
        if len(key) > 80:
            # No language name is this long; and the regex below is quadratic on long lines.
            return None
        key = re.sub(r"\s*\(.*\)$", "", key)
        key = key.removeprefix("original ").removesuffix(" language")
        code = LANGUAGES.get(key)
        if code is None:
            return None
        if code not in codes:
            codes.append(code)
    return codes


TAB_RE = re.compile(
    rf"(?:Original Scan|Scan of Original Document|Original Document|English HTML|Original PDF|"
    rf"Scan|PDF|HTML|(?:Translation|Transcript|Transcription|Original|Original Text)\s*"
    rf"[-–—:]\s*(?:{_LANG_NAMES_RE})|(?:{_LANG_NAMES_RE})\s+(?:Translation|Transcript|"
    rf"Transcription|Original))(?![\w-])",
    re.IGNORECASE,
)
_TAB_LANG_RE = re.compile(rf"(?<![\w-])({_LANG_NAMES_RE})(?![\w-])", re.IGNORECASE)


def tab_hint(s: str) -> tuple[str, str] | None:
    """("translation" or "original", language code) for a tab like "Translation - English"."""
    tab = s.strip(" :")
    if not TAB_RE.fullmatch(tab):
        return None
    low = tab.lower()
    lang = _TAB_LANG_RE.search(tab)
    code = LANGUAGES.get(lang.group(1).lower()) if lang else None
    if low.startswith("english html"):
        return "translation", "en"
    if code is None:
        return None
    if "translation" in low:
        return "translation", code
    if "transcript" in low or "original" in low:
        return "original", code
    return None


# --------------------------------------------------------------------------- chrome

CHROME = frozenset(
    {
        "search in", "search", "digital archive", "international history declassified",
        "digital archive international history declassified", "wilson center digital archive",
        "history and public policy program digital archive", "get citation", "share document",
        "share", "original scan", "english html", "html", "pdf", "print", "download",
        "download pdf", "view details", "menu", "home", "back to top", "skip to main content",
        "advanced search", "clear all", "log in", "login", "sign up", "subscribe", "email",
        "facebook", "twitter", "copy link", "copy citation", "cite", "export citation",
        "collections", "topics", "themes", "browse", "about", "help", "contact", "contact us",
        "privacy policy", "terms of use", "cookie settings", "accept", "close", "next",
        "previous", "read more", "show more", "show less", "expand", "collapse", "translation",
        "transcript", "original", "scan", "related documents", "wilson center",
        "woodrow wilson international center for scholars", "cwihp", "zoom in", "zoom out",
        "full screen", "fullscreen", "page", "image", "add to list", "save", "bookmark",
        "document images", "share this", "view", "more", "pdf download", "print this",
        "view in digital archive", "download transcript", "download translation",
    }
)  # fmt: skip
_PAGE_MARK_RE = re.compile(r"(?:page|p\.)\s*\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE)
_CHROME_PUNCT = " \t:•·|>»›-–—*#"


def chrome_key(s: str) -> str:
    return s.strip(_CHROME_PUNCT).casefold()


# Words of several chrome items run together on one line ("Wilson Center Digital Archive
# Original Scan"), only for phrases that cannot start a sentence of a document.
_RUN_TOGETHER = (
    "wilson center digital archive", "history and public policy program digital archive",
    "digital archive international history declassified", "digital archive",
    "international history declassified", "original scan", "english html", "get citation",
    "share document", "search in", "download pdf", "view details",
)  # fmt: skip
_RUN_TOGETHER_RE = re.compile(
    "(?:" + "|".join(re.escape(p) for p in _RUN_TOGETHER) + "|" + TAB_RE.pattern + r")[\s:•|·,/-]*",
    re.IGNORECASE,
)


def is_chrome(s: str) -> bool:
    key = chrome_key(s)
    if not key:
        return bool(s.strip())  # only bullets or rules, e.g. "•", "---", "* * *"
    if key in CHROME:
        return True
    if len(key) >= 120:
        return False
    if TAB_RE.fullmatch(key) or _PAGE_MARK_RE.fullmatch(key):
        return True
    rest = key
    while rest:
        m = _RUN_TOGETHER_RE.match(rest)
        if not m or not m.end():
            return False
        rest = rest[m.end() :]
    return True


# --------------------------------------------------------------------------- scripts

_CYR_RE = re.compile(r"[\u0400-\u04ff\u0500-\u052f]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff\u3130-\u318f]")
_KANA_RE = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff]")
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_OTHER_RE = re.compile(
    r"[\u0370-\u03ff\u0530-\u058f\u0590-\u05ff\u0600-\u06ff\u0900-\u097f"
    r"\u0e00-\u0e7f\u0f00-\u0fff\u10a0-\u10ff\u1780-\u17ff\u1800-\u18af]"
)
_MONGOLIAN_CYR_RE = re.compile(r"[өүӨҮ]")
_WORD_RE = re.compile(r"[^\W\d_]+")

# Minimum letters before a paragraph counts as being in some script at all: shorter
# ones ("№ П78/332", "353.", "Бак") belong with their neighbours.
MIN_LETTERS = 4


_NON_LETTER_BYTES = bytes(b for b in range(128) if not chr(b).isalpha())


def script_of(s: str) -> str | None:
    """Dominant script of a paragraph: cyr, han, hangul, kana, latin, other; None if too short."""
    ascii_part = s.encode("ascii", "ignore")
    ascii_letters = len(ascii_part.translate(None, _NON_LETTER_BYTES))
    non_ascii = len(s) - len(ascii_part)
    if not non_ascii:
        return "latin" if ascii_letters >= MIN_LETTERS else None
    if ascii_letters >= MIN_LETTERS and 4 * non_ascii < ascii_letters:
        return "latin"  # English with curly quotes or a few accented letters
    counts = {
        "cyr": len(_CYR_RE.findall(s)),
        "latin": len(_LATIN_RE.findall(s)),
        "han": 2 * len(_HAN_RE.findall(s)),
        "hangul": 2 * len(_HANGUL_RE.findall(s)),
        "kana": 2 * len(_KANA_RE.findall(s)),
        "other": len(_OTHER_RE.findall(s)),
    }
    script = max(counts, key=lambda k: counts[k])
    if counts[script] < MIN_LETTERS:
        return None
    if script == "han" and counts["kana"] > 0:
        return "kana"
    return script


_OTHER_SCRIPTS: tuple[tuple[int, int, str], ...] = (
    (0x0370, 0x03FF, "el"), (0x0530, 0x058F, "hy"), (0x0590, 0x05FF, "he"),
    (0x0600, 0x06FF, "ar"), (0x0900, 0x097F, "hi"), (0x0E00, 0x0E7F, "th"),
    (0x0F00, 0x0FFF, "bo"), (0x10A0, 0x10FF, "ka"), (0x1780, 0x17FF, "km"),
    (0x1800, 0x18AF, "mn"),
)  # fmt: skip


def other_script_language(s: str) -> str:
    """The language most likely meant by a script other than Latin, Cyrillic or CJK."""
    counts: dict[str, int] = {}
    for ch in s[:5000]:
        code = ord(ch)
        if code < 0x0370:
            continue
        for low, high, lang in _OTHER_SCRIPTS:
            if low <= code <= high:
                counts[lang] = counts.get(lang, 0) + 1
                break
    return max(counts, key=lambda lang: counts[lang]) if counts else "und"


def has_mongolian_letters(s: str) -> bool:
    return bool(_MONGOLIAN_CYR_RE.search(s))


_STOPWORDS: dict[str, frozenset[str]] = {
    "en": word_set(
        "the and of to in is that was for with on as by this it be are we our not from "
        "which have has at his he they their an will would said"
    ),
    "de": word_set(
        "der die das und nicht mit den von zu ist sich des auf für dem ein eine im wir "
        "auch es wurde wird sind bei nach über durch"
    ),
    "hu": word_set(
        "a az és hogy nem is egy meg volt van már csak el mint ezt ami aki de ki be fel "
        "mert vagy pedig szerint között kell után"
    ),
    "pl": word_set(
        "i w nie na się z że do to jest o jak przez oraz dla są od po tym jako ze być "
        "który która które"
    ),
    "cs": word_set("a se na v je že to s z do o ve jsou by aby jako které který také podle"),
    "fr": word_set("le la les et des du un une est que pour dans qui pas sur au avec ce sont par"),
    "it": word_set("il la di che e è per un una non sono del della con si al"),
    "es": word_set("el la de que y en los las por con para una es del se al"),
    "ro": word_set("și în de la cu pe să nu este care din pentru un o ca sunt"),
    "sq": word_set("të në dhe e që për me një nga është se do si janë"),
    "vi": word_set("của và là có các được trong những không với cho này đã"),
}


_STOP_INDEX: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _word in _words:
        _STOP_INDEX[_word] = (*_STOP_INDEX.get(_word, ()), _lang)


def latin_language(s: str, candidates: tuple[str, ...] | None = None) -> str | None:
    """Language of a Latin-script paragraph by stop words, or None if it does not say."""
    hits: dict[str, int] = {}
    count = 0
    for w in _WORD_RE.findall(s[:1200]):
        # Capital single letters are initials or a sentence-initial "A", not Hungarian "a".
        if len(w) == 1 and not w.islower():
            continue
        count += 1
        for lang in _STOP_INDEX.get(w.lower(), ()):
            hits[lang] = hits.get(lang, 0) + 1
    if candidates is not None:
        hits = {lang: n for lang, n in hits.items() if lang in candidates}
    if not hits:
        return None
    best = max(hits, key=lambda lang: (hits[lang], lang == "en"))
    if hits[best] < 2 and hits[best] < count * 0.2:
        return None
    return best
