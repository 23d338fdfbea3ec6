"""Archival references as citations write them, split apart and read into their parts.

"APRF, Fond 3, Opis 65, Delo 827, Listy 141-143, and AVPRF, Fond 059a, …" becomes two
references with repository codes normalised through ``ALIASES`` and the Russian archival
units (fond, opis, delo, papka, listy) read out; other archives' call numbers and
collections are kept as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import word_set

REPOSITORIES: dict[str, tuple[str, str]] = {
    "APRF": ("Archive of the President of the Russian Federation", "RU"),
    "AVPRF": ("Archive of Foreign Policy of the Russian Federation", "RU"),
    "RGASPI": ("Russian State Archive of Socio-Political History", "RU"),
    "RGANI": ("Russian State Archive of Contemporary History", "RU"),
    "GARF": ("State Archive of the Russian Federation", "RU"),
    "TsAMO": ("Central Archive of the Ministry of Defence of the Russian Federation", "RU"),
    "RGAE": ("Russian State Archive of the Economy", "RU"),
    "RGVA": ("Russian State Military Archive", "RU"),
    "RGAVMF": ("Russian State Archive of the Navy", "RU"),
    "TsKhSD": ("Centre for the Storage of Contemporary Documentation (now RGANI)", "RU"),
    "RTsKhIDNI": (
        "Russian Centre for the Preservation and Study of Records of Modern History (now RGASPI)",
        "RU",
    ),
    "LOC": ("Library of Congress", "US"),
    "NSA": ("National Security Archive", "US"),
    "NARA": ("National Archives and Records Administration", "US"),
    "HIA": ("Hoover Institution Archives", "US"),
    "MOL": ("Hungarian National Archives (Magyar Országos Levéltár)", "HU"),
    "ÁBTL": ("Historical Archives of the Hungarian State Security", "HU"),
    "PRC FMA": (
        "Archives of the Ministry of Foreign Affairs of the People's Republic of China",
        "CN",
    ),
    "SAPMO": (
        "Foundation Archives of Parties and Mass Organisations of the GDR in the Federal Archives",
        "DE",
    ),
    "BArch": ("German Federal Archives (Bundesarchiv)", "DE"),
    "PA AA": ("Political Archive of the Federal Foreign Office", "DE"),
    "BStU": ("Stasi Records Archive (Federal Commissioner for the Stasi Records)", "DE"),
    "AAN": ("Central Archives of Modern Records (Archiwum Akt Nowych)", "PL"),
    "AMSZ": ("Archive of the Ministry of Foreign Affairs of Poland", "PL"),
    "IPN": ("Institute of National Remembrance", "PL"),
    "AMZV": ("Archive of the Ministry of Foreign Affairs of the Czech Republic", "CZ"),
    "NA CR": ("National Archives of the Czech Republic", "CZ"),
    "TsDA": ("Central State Archives of Bulgaria", "BG"),
    "AMVnR": ("Diplomatic Archive of the Ministry of Foreign Affairs of Bulgaria", "BG"),
    "ANIC": ("Romanian National Archives (Arhivele Naţionale Istorice Centrale)", "RO"),
    "AQSH": ("Central State Archive of Albania (Arkivi Qendror Shtetëror)", "AL"),
    "MFA Mongolia": ("Archive of the Ministry of Foreign Affairs of Mongolia", "MN"),
    "ROK MOFA": ("Diplomatic Archives of the Ministry of Foreign Affairs, Republic of Korea", "KR"),
    "MOFA Japan": ("Diplomatic Archives of the Ministry of Foreign Affairs of Japan", "JP"),
    "VNA III": ("Vietnam National Archives Centre III", "VN"),
    "AJ": ("Archives of Yugoslavia", "RS"),
    "TNA": ("The National Archives of the United Kingdom", "GB"),
    "TsDAHOU": ("Central State Archive of Public Organisations of Ukraine", "UA"),
    "HDA SBU": ("Sectoral State Archive of the Security Service of Ukraine", "UA"),
    "LYA": ("Lithuanian Special Archives", "LT"),
    "ISA": ("Israel State Archives", "IL"),
    "ACS": ("Central State Archive of Italy (Archivio Centrale dello Stato)", "IT"),
}

ALIASES: dict[str, str] = {
    "AP RF": "APRF",
    "Archive of the President of the Russian Federation": "APRF",
    "Archive of the President, Russian Federation": "APRF",
    "Archive of the President of Russia": "APRF",
    "Russian Presidential Archive": "APRF",
    "Presidential Archive": "APRF",
    "Arkhiv Prezidenta Rossiiskoi Federatsii": "APRF",
    "AVP RF": "AVPRF",
    "AVP SSSR": "AVPRF",
    "Archive of Foreign Policy of the Russian Federation": "AVPRF",
    "Archive of Foreign Policy, Russian Federation": "AVPRF",
    "Foreign Policy Archive of the Russian Federation": "AVPRF",
    "Archive of the Foreign Policy of the Russian Federation": "AVPRF",
    "Russian Foreign Ministry Archive": "AVPRF",
    "Arkhiv Vneshnei Politiki Rossiiskoi Federatsii": "AVPRF",
    "Russian State Archive of Socio-Political History": "RGASPI",
    "Russian State Archive of Social and Political History": "RGASPI",
    "Russian State Archive of Contemporary History": "RGANI",
    "Russian State Archive of Recent History": "RGANI",
    "State Archive of the Russian Federation": "GARF",
    "TsAMO RF": "TsAMO",
    "Central Archive of the Ministry of Defense of the Russian Federation": "TsAMO",
    "Central Archive of the Ministry of Defence of the Russian Federation": "TsAMO",
    "Central Archives of the Ministry of Defense": "TsAMO",
    "Russian State Archive of the Economy": "RGAE",
    "Russian State Military Archive": "RGVA",
    "Library of Congress": "LOC",
    "LC Manuscript Division": "LOC",
    "National Security Archive": "NSA",
    "NSArchive": "NSA",
    "National Archives and Records Administration": "NARA",
    "U.S. National Archives": "NARA",
    "US National Archives": "NARA",
    "Hoover Institution Archives": "HIA",
    "Hoover Institution": "HIA",
    "MNL OL": "MOL",
    "MNL-OL": "MOL",
    "Hungarian National Archives": "MOL",
    "Hungarian National Archive": "MOL",
    "National Archives of Hungary": "MOL",
    "Magyar Országos Levéltár": "MOL",
    "Magyar Nemzeti Levéltár Országos Levéltára": "MOL",
    "ABTL": "ÁBTL",
    "Historical Archives of the Hungarian State Security": "ÁBTL",
    "PRCFMA": "PRC FMA",
    "PRC MFA": "PRC FMA",
    "PRC Foreign Ministry Archive": "PRC FMA",
    "PRC Foreign Ministry Archives": "PRC FMA",
    "Chinese Foreign Ministry Archive": "PRC FMA",
    "Chinese Foreign Ministry Archives": "PRC FMA",
    "Archive of the Ministry of Foreign Affairs of the People's Republic of China": "PRC FMA",
    "Archives of the Ministry of Foreign Affairs of the People's Republic of China": "PRC FMA",
    "Foreign Ministry Archives of the People's Republic of China": "PRC FMA",
    "SAPMO-BArch": "SAPMO",
    "SAPMO BArch": "SAPMO",
    "SAPMO-BA": "SAPMO",
    "Stiftung Archiv der Parteien und Massenorganisationen der DDR": "SAPMO",
    "Bundesarchiv": "BArch",
    "German Federal Archives": "BArch",
    "PAAA": "PA AA",
    "PolA AA": "PA AA",
    "Political Archive of the Foreign Office": "PA AA",
    "Political Archive of the Federal Foreign Office": "PA AA",
    "Politisches Archiv des Auswärtigen Amts": "PA AA",
    "Stasi Records Agency": "BStU",
    "Stasi Records Archive": "BStU",
    "Archiwum Akt Nowych": "AAN",
    "Archive of Modern Records": "AAN",
    "Central Archives of Modern Records": "AAN",
    "Archiwum Ministerstwa Spraw Zagranicznych": "AMSZ",
    "Archive of the Polish Ministry of Foreign Affairs": "AMSZ",
    "Institute of National Remembrance": "IPN",
    "Instytut Pamięci Narodowej": "IPN",
    "Archive of the Ministry of Foreign Affairs of the Czech Republic": "AMZV",
    "Archiv Ministerstva zahraničních věcí": "AMZV",
    "NA ČR": "NA CR",
    "Národní archiv": "NA CR",
    "National Archives of the Czech Republic": "NA CR",
    "Czech National Archives": "NA CR",
    "SÚA": "NA CR",
    "Tsentralen Darzhaven Arhiv": "TsDA",
    "Central State Archives of Bulgaria": "TsDA",
    "Bulgarian Central State Archive": "TsDA",
    "Diplomatic Archive of the Ministry of Foreign Affairs of Bulgaria": "AMVnR",
    "Arhivele Naţionale Istorice Centrale": "ANIC",
    "Arhivele Nationale Istorice Centrale": "ANIC",
    "Romanian National Archives": "ANIC",
    "National Archives of Romania": "ANIC",
    "Arkivi Qendror Shtetëror": "AQSH",
    "Central State Archive of Albania": "AQSH",
    "Albanian Central State Archive": "AQSH",
    "Archive of the Ministry of Foreign Affairs of Mongolia": "MFA Mongolia",
    "Archive of the Mongolian Ministry of Foreign Affairs": "MFA Mongolia",
    "Mongolian Foreign Ministry Archive": "MFA Mongolia",
    "Mongolian Foreign Ministry Archives": "MFA Mongolia",
    "Diplomatic Archives, Ministry of Foreign Affairs, Republic of Korea": "ROK MOFA",
    "Diplomatic Archives of the Republic of Korea": "ROK MOFA",
    "South Korean Foreign Ministry Archive": "ROK MOFA",
    "Diplomatic Archives of the Ministry of Foreign Affairs of Japan": "MOFA Japan",
    "Japanese Foreign Ministry Archives": "MOFA Japan",
    "Vietnam National Archives Center III": "VNA III",
    "National Archives Center III": "VNA III",
    "Archives of Yugoslavia": "AJ",
    "Arhiv Jugoslavije": "AJ",
    "The National Archives": "TNA",
    "UK National Archives": "TNA",
    "National Archives of the United Kingdom": "TNA",
    "Public Record Office": "TNA",
    "TsDAHO": "TsDAHOU",
    "Central State Archive of Public Organizations of Ukraine": "TsDAHOU",
    "SBU Archive": "HDA SBU",
    "Lithuanian Special Archives": "LYA",
    "Israel State Archives": "ISA",
    "Archivio Centrale dello Stato": "ACS",
}
for _code in REPOSITORIES:
    ALIASES.setdefault(_code, _code)

# Codes too short or too common as words to be trusted anywhere but at a reference's start.
_START_ONLY = {"AJ", "ISA", "ACS", "NSA", "IPN", "TNA", "LOC", "MOL", "HIA"}


def _alias_pattern(alias: str) -> str:
    return r"\s+".join(re.escape(part) for part in alias.split())


_ALIAS_KEYS = {" ".join(a.casefold().split()): code for a, code in ALIASES.items()}
_ALIAS_RE = re.compile(
    r"(?<![\w])("
    + "|".join(_alias_pattern(a) for a in sorted(ALIASES, key=len, reverse=True))
    + r")(?![\w])",
    re.IGNORECASE,
)
_ALIAS_PAREN_RE = re.compile(r"\(([^()]{2,60})\)")


def repository_code(name: str) -> str | None:
    """The normalised code of a known archive named or abbreviated in ``name``."""
    key = " ".join(name.strip(" .,;:()").casefold().split())
    if key in _ALIAS_KEYS:
        return _ALIAS_KEYS[key]
    m = _ALIAS_RE.match(name.strip())
    if m:
        return _ALIAS_KEYS.get(" ".join(m.group(1).casefold().split()))
    for inner in _ALIAS_PAREN_RE.findall(name):
        code = _ALIAS_KEYS.get(" ".join(inner.casefold().split()))
        if code:
            return code
    return None


@dataclass
class ParsedReference:
    text: str
    repository: str | None
    repository_name: str | None
    fond: str | None = None
    opis: str | None = None
    delo: str | None = None
    papka: str | None = None
    folios: str | None = None
    collection: str | None = None
    call_number: str | None = None
    is_copy: bool = False


# --------------------------------------------------------------------------- splitting

_ABBREVIATIONS = word_set(
    "f op d l ll pp p no nos nr vol vols ed eds st dr mr mrs jr co inc ltd ii ff fol ch art "
    "sz ca c cf dept div coll ms mss ref pap ф оп д л лл п т г"
)
_SENTENCE_END_RE = re.compile(r"\.\s+(?=[A-ZА-ЯÁÉÖÜ\"“])")
_LAST_TOKEN_RE = re.compile(r"(\S+)$")
_REPO_START = (
    r"(?:"
    + "|".join(_alias_pattern(a) for a in sorted(ALIASES, key=len, reverse=True))
    + r")(?![\w])|[A-ZА-ЯÁ][A-Za-zА-Яа-я]*[A-ZА-Я]|the\s+[A-Z]"
)
_AND_SPLIT_RE = re.compile(rf",?\s+and\s+(?={_REPO_START})")
_ALIAS_AFTER_COMMA_RE = re.compile(
    r",\s+(?="
    + "|".join(
        _alias_pattern(a)
        for a in sorted(ALIASES, key=len, reverse=True)
        if a not in _START_ONLY and len(a) > 2
    )
    + r")(?![\w])"
)


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _SENTENCE_END_RE.finditer(text):
        # The last word only: a bounded window keeps a page of "x. x. x." linear.
        token = _LAST_TOKEN_RE.search(text[max(start, m.start() - 200) : m.start()])
        word = token.group(1).strip('(["“,;').lower() if token else ""
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or "." in word:
            continue
        out.append(text[start : m.start()])
        start = m.end()
    out.append(text[start:])
    return out


def split_references(text: str) -> list[str]:
    """The separate references in the reference part of a citation (or a Source field)."""
    pieces: list[str] = []
    for sentence in _sentences(text):
        for chunk in re.split(r"\s*;\s*(?:and\s+)?", sentence):
            for part in _AND_SPLIT_RE.split(chunk):
                pieces.extend(_split_on_listed_alias(part))
    out: list[str] = []
    for piece in pieces:
        piece = piece.strip(" \t.,;")
        piece = re.sub(r"^(?:and|also)\s+", "", piece, flags=re.IGNORECASE)
        if not piece or not re.search(r"\w", piece):
            continue
        # "… (AVP RF), Moscow; fond 06, opis 9" — a piece of bare units continues the last one.
        if out and _UNIT_START_RE.match(piece):
            out[-1] = f"{out[-1]}; {piece}"
            continue
        out.append(piece)
    return out


def _split_on_listed_alias(part: str) -> list[str]:
    # Only after archival units: "Fond 3, Opis 65, …, AVPRF, Fond 059a" lists two archives.
    out: list[str] = []
    start = 0
    for m in _ALIAS_AFTER_COMMA_RE.finditer(part):
        if m.start() > start and _UNIT_RE.search(part, start, m.start()):
            out.append(part[start : m.start()])
            start = m.end()
    out.append(part[start:])
    return out


# --------------------------------------------------------------------------- units

_VALUE = r"[A-Za-zА-Яа-я]?-?\d[\w/]*(?:\s*[-–—]\s*[A-Za-zА-Яа-я]?\d[\w/]*)?(?:\s*(?:ob|об)\.?)?"
_UNIT_WORDS = {
    "fond": ("fond", "fonds", "f", "ф", "фонд"),
    "opis": ("opis", "op", "оп", "опись"),
    "delo": ("delo", "d", "д", "дело"),
    "papka": ("papka", "pap", "п", "папка"),
    "folios": (
        "listy", "listi", "list", "ll", "l", "лл", "л", "листы", "лист", "pp", "p",
        "pages", "page", "II", "Il", "lI", "bl", "str",
    ),
}  # fmt: skip
_KEYWORD_TO_UNIT = {word.casefold(): unit for unit, words in _UNIT_WORDS.items() for word in words}
_UNIT_RE = re.compile(
    r"(?<![\w.])(?P<kw>"
    + "|".join(sorted((re.escape(w) for w in _KEYWORD_TO_UNIT), key=len, reverse=True))
    + rf")(?:\.\s*|\s+)(?P<val>{_VALUE})(?![\w])",
    re.IGNORECASE,
)
_UNIT_START_RE = re.compile(
    r"(?:fond|fonds|f|ф|фонд|opis|op|оп|delo|d|д|papka|listy|ll|l|pp)(?:\.\s*|\s+)\w",
    re.IGNORECASE,
)
_COPY_PREFIX_RE = re.compile(
    r"^(?:an?\s+)?(?:photo)?cop(?:y|ies)\s+(?:is\s+|are\s+)?"
    r"(?:(?:also\s+)?(?:available|held|located|deposited|kept|on\s+file|obtained)\s+)?"
    r"(?:in|at|from)\s+(?:the\s+)?",
    re.IGNORECASE,
)
_COPY_ANYWHERE_RE = re.compile(
    r"\b(?:photo)?cop(?:y|ies)\s+(?:courtesy|available|held|located|obtained|provided|"
    r"deposited|kept|on\s+file|in|at|from)\b",
    re.IGNORECASE,
)
_COURTESY_RE = re.compile(
    r",?\s*(?:photo)?cop(?:y|ies)\s+(?:courtesy\s+of|provided\s+by|obtained\s+(?:by|from))\s+"
    r"[^,;]*$",
    re.IGNORECASE,
)
_PAGE_RANGE_RE = re.compile(r"\d{1,5}(?:\s*[-–—]\s*\d{1,5})?")
_YEAR_RANGE_RE = re.compile(r"1[5-9]\d\d\s*[-–—]\s*(?:1[5-9]|20)\d\d")
_BOX_RE = re.compile(
    r"(?:\d+\.?\s*(?:doboz|box|folder|file|tétel|sz\.|szám|karton|teczka|mappe)\b|"
    r"(?:box|folder|file|doboz|tétel|sygn|sign|signatur|no|nr|document|doc)\.?\s*[\w/-]*\d)",
    re.IGNORECASE,
)
_DIVISION_RE = re.compile(r"\b(?:Division|Department|Reading Room)$", re.IGNORECASE)
_PLACES = word_set(
    "moscow budapest beijing berlin warsaw prague sofia bucharest washington dc "
    "ulaanbaatar ulan bator pyongyang seoul tokyo hanoi belgrade tirana kyiv kiev "
    "vilnius london rome college park stanford"
)


def _clean_value(value: str) -> str:
    return re.sub(r"\s*[–—]\s*|\s+-\s*|\s*-\s+", "-", value.strip())


def _leading_words(text: str) -> str | None:
    head = re.split(r"[,;(:]", text, maxsplit=1)[0]
    words: list[str] = []
    for word in head.split():
        # A code is part of a URL (/repositories/<code>/): no digits, no slashes.
        if any(ch.isdigit() or ch in "/\\" for ch in word):
            break
        words.append(word)
    name = " ".join(words).strip(" .-")
    if not name or _UNIT_START_RE.match(name + " 1"):
        return None
    if len(name) > 40:
        name = name[:40].rsplit(" ", 1)[0]
    return name or None


def parse_reference(text: str) -> ParsedReference:
    """Read one reference; what it does not recognise stays in ``text`` only."""
    written = " ".join(text.split()).strip(" .;,")
    body = written
    is_copy = bool(_COPY_ANYWHERE_RE.search(body))
    body = _COPY_PREFIX_RE.sub("", body)
    body = _COURTESY_RE.sub("", body)
    body = re.sub(r"^(?:the|in|at)\s+", "", body, flags=re.IGNORECASE)

    code = None
    rest = body
    m = _ALIAS_RE.match(body)
    if m:
        code = _ALIAS_KEYS.get(" ".join(m.group(1).casefold().split()))
        rest = body[m.end() :]
        rest = re.sub(r"^\s*\([^()]{1,80}\)", "", rest)  # "(APRF)" after a full name
    else:
        for inner in _ALIAS_PAREN_RE.finditer(body[:200]):
            candidate = _ALIAS_KEYS.get(" ".join(inner.group(1).casefold().split()))
            if candidate:
                code = candidate
                rest = body[inner.end() :]
                break
    if code is None:
        code = _leading_words(body)
        if code:
            rest = body[len(code) :] if body.startswith(code) else body
    ref = ParsedReference(
        text=written,
        repository=code,
        repository_name=REPOSITORIES[code][0] if code in REPOSITORIES else None,
        is_copy=is_copy,
    )
    _read_units(ref, rest)
    return ref


def _read_units(ref: ParsedReference, rest: str) -> None:
    collection: list[str] = []
    call: list[str] = []
    last = ""
    for raw in re.split(r"\s*[,;]\s*", rest):
        part = raw.strip(" .:")
        if not part:
            continue
        leftover = part
        found = False
        for m in _UNIT_RE.finditer(part):
            keyword = m.group("kw").casefold()
            unit = _KEYWORD_TO_UNIT[keyword]
            if keyword == "p" and ref.delo is None and (ref.fond or ref.opis):
                unit = "papka"  # AVPRF order: f., op., p. (papka), d., l.
            if getattr(ref, unit) is None:
                setattr(ref, unit, _clean_value(m.group("val")))
            found = True
        if found:
            leftover = _UNIT_RE.sub("", part).strip(" .:-")
            last = "unit"
            if not leftover:
                continue
        if _YEAR_RANGE_RE.fullmatch(leftover) and last == "collection":
            collection[-1] = f"{collection[-1]}, {leftover}"
        elif _PAGE_RANGE_RE.fullmatch(leftover) and ref.folios is None and (call or found):
            ref.folios = _clean_value(leftover)
            last = "folios"
        elif _BOX_RE.match(leftover) or not re.search(r"[^\W\d_]{3,}", leftover):
            call.append(leftover)
            last = "call"
        elif _DIVISION_RE.search(leftover) or leftover.casefold() in _PLACES:
            last = "skip"
        else:
            collection.append(leftover)
            last = "collection"
    if collection:
        ref.collection = ", ".join(collection)[:255]
    if call:
        ref.call_number = ", ".join(call)[:255]
    _trim_fields(ref)


def _trim_fields(ref: ParsedReference) -> None:
    for unit in ("fond", "opis", "delo", "papka"):
        value = getattr(ref, unit)
        if value and len(value) > 50:
            setattr(ref, unit, value[:50])
    if ref.folios and len(ref.folios) > 100:
        ref.folios = ref.folios[:100]


def parse_references(text: str) -> list[ParsedReference]:
    return [parse_reference(piece) for piece in split_references(text)]


# --------------------------------------------------------------------------- citations

_ARCHIVE_MARK_RE = re.compile(
    r"(?:(?:Wilson Center|History and Public Policy Program|Cold War International History "
    r"Project|Woodrow Wilson International Center for Scholars|CWIHP)\s+)?Digital Archive",
    re.IGNORECASE,
)
_CITATION_URL_RE = re.compile(r"<?https?://[^\s<>]+>?", re.IGNORECASE)
_CREDIT_START_RE = re.compile(
    r"(?:^|(?<=[.;])\s*)((?:English\s+)?(?:Translated|Translation|Trans\.|Contributed|Obtained|"
    r"Donated|Provided|Edited|Transcribed|This document|Document obtained|Document provided|"
    r"Original translation|Included in|Published in|First published|Originally published|"
    r"Courtesy of|Made possible)\b)",
    re.IGNORECASE,
)
_QUOTE_CHARS = "\"“”„«»'‘’"


@dataclass
class CitationParts:
    title: str | None
    date_text: str | None
    references: str
    credits: str


def split_citation(citation: str) -> CitationParts:
    """Title, date, reference and credit parts of a citation line."""
    from .dates import find_date

    text = _CITATION_URL_RE.sub(" ", citation)
    text = " ".join(text.split())
    title = date_text = None
    mark = _ARCHIVE_MARK_RE.search(text)
    head = text[: mark.start()] if mark else ""
    tail = text[mark.end() :] if mark else ""
    if mark is None:
        # No archive name: the title closes at `",` and the date follows it.
        m = re.search(r"[\"”»],|,[\"”»]", text)
        if text[:1] in _QUOTE_CHARS and m:
            head = text[: m.end()]
            rest = text[m.end() :]
            found = find_date(rest[:60])
            if found:
                cut = rest.find(found.text) + len(found.text)
                head += rest[:cut]
                tail = rest[cut:]
            else:
                tail = rest
        else:
            tail = text
    if head:
        if head[0] in _QUOTE_CHARS:
            close = max(head.rfind(q) for q in '"”“»')
            if close > 0:
                title = head[1:close].strip(" ,")
                date_text = head[close + 1 :].strip(" ,.;") or None
            else:
                title = head[1:].strip(" ,")
        else:
            found = find_date(head)
            if found:
                at = head.rfind(found.text)
                title = head[:at].strip(" ,") or None
                date_text = found.text
            else:
                title = head.strip(" ,") or None
    tail = tail.strip(" ,;")
    credit = _CREDIT_START_RE.search(tail)
    if credit:
        references = tail[: credit.start(1)]
        credits = tail[credit.start(1) :]
    else:
        references, credits = tail, ""
    return CitationParts(
        title=title or None,
        date_text=date_text,
        references=references.strip(" ,;"),
        credits=credits.strip(),
    )
