"""Credits ("Translated for NKIDP by …", "made possible with support from …") and names.

The name helpers here decide what a person's or organisation's name looks like; they
clean honorifics but never change the name itself (no lemmatisation, no respelling):
the resolver downstream matches names to the authority.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .text import word_set

# --------------------------------------------------------------------------- names

_HONORIFIC = (
    r"(?:Comrades?|Comr\.|Com\.|Cdes?\.?|Tov\.|Tovarishch|Mr\.?|Mrs\.?|Ms\.?|Dr\.?|Mister|"
    r"Monsieur|M\.|Herr|Genossen?|Gen\.|Elvtárs(?:ak)?|Towarzysz[ea]?|Tow\.|"
    r"Товарищ(?:у|ам|и|ем)?|Тов\.|Т\.\s?т\.|Тт\.|т\.|тов\.|동지)"
)
_HONORIFIC_RE = re.compile(rf"^(?:{_HONORIFIC}\s*)+", re.IGNORECASE)
_TRAILING_HONORIFIC_RE = re.compile(r"\s+(?:comrades?|elvtárs(?:ak)?|동지|同志)$", re.IGNORECASE)

ORG_WORDS = word_set("""
    committee ministry embassy government party politburo presidium council commission
    department office bureau consulate delegation mission secretariat foundation fund trust
    institute institution center centre program programme university library archive archives
    agency army command headquarters directorate administration union republic federation
    association society corporation endowment company inc bank academy service section staff
    navy front church league congress assembly parliament cabinet legation group station
    kgb mid mfa cpsu cc ck vkp(b) ussr dprk prc kpd sed pzpr hswp mszmp kwp wpk ccp cpc
    nkidp cwihp hppp nsa npr gdr frg un unesco nato
    """)
POSITION_WORDS = word_set("""
    ambassador minister comrade comrades chairman premier president secretary general foreign
    soviet chinese korean north south hungarian polish german mongolian japanese american
    deputy first vice prime counselor counsellor councillor head director marshal colonel
    major captain lieutenant admiral commander chief charge chargé affaires d'affaires
    attaché attache consul envoy representative member members leader leaders cde cdes
    the a an of in to and with from by for at on his her their our my
    mr mrs ms dr sir lord mister general-secretary first-secretary
    affairs internal external state defense defence security trade culture party people's
    central executive permanent plenipotentiary extraordinary military political economic
    adviser advisor assistant interpreter translator officer official officials staff
    embassy ministry government committee council delegation commission department office
    generalissimo chancellor king queen emperor prince marshal
    """)
# Capitals and cities that head telegrams ("Telegram from Pyongyang to Moscow"): never a
# person when they stand alone.
PLACES = word_set(
    "moscow beijing peking pyongyang seoul tokyo washington berlin budapest warsaw prague "
    "sofia bucharest tirana belgrade hanoi ulaanbaatar havana london paris rome geneva vienna "
    "delhi jakarta cairo kabul tehran baghdad damascus beirut algiers panmunjom kaesong "
    "shanghai nanjing harbin shenyang dalian vladivostok khabarovsk leningrad kiev kyiv minsk "
    "sochi kremlin москва пекин пхеньян вашингтон берлин korea china japan vietnam germany "
    "poland hungary mongolia russia cuba albania romania bulgaria czechoslovakia yugoslavia "
    "india indonesia america"
)
_PARTICLES = word_set(
    "de van von der den du da di dos das del della la le bin ibn al el y zu ten ter"
)
_TOKEN_RE = re.compile(
    r"(?:[A-ZÀ-ÞА-ЯЁ][\w'’\-]*|(?:[A-ZА-ЯЁ]\.)+|[A-ZА-ЯЁ][a-zа-яё]?\.)", re.UNICODE
)
_CJK_NAME_RE = re.compile(r"^[\u4e00-\u9fff\uac00-\ud7af]{2,4}$")


def strip_honorifics(name: str) -> str:
    name = name.strip(" \t,;:\"'“”«»()[]")
    name = _HONORIFIC_RE.sub("", name)
    name = _TRAILING_HONORIFIC_RE.sub("", name)
    return name.strip(" \t,;:\"'“”«»()[]")


def clean_name(name: str) -> str:
    """A name as written, less honorifics, quotes and stray punctuation (initials keep dots)."""
    name = " ".join(strip_honorifics(name).split())
    while name.endswith((".", ",")) and not re.search(r"(?:^|[\s.])[A-ZА-ЯЁ]\.$", name):
        name = name[:-1].rstrip()
    return name


def is_organization(name: str) -> bool:
    words = re.findall(r"[\w()'’-]+", name.casefold())
    return any(w in ORG_WORDS for w in words)


def looks_like_person(name: str, *, allow_single: bool = False) -> bool:
    """Whether ``name`` is shaped like a personal name (tokens capitalised, no digits)."""
    if not name or len(name) > 80 or any(ch.isdigit() for ch in name):
        return False
    if _CJK_NAME_RE.match(name):
        return True
    tokens = name.replace("’", "'").split()
    if not 1 <= len(tokens) <= 6:
        return False
    substantive = 0
    for token in tokens:
        low = token.casefold().strip(",")
        if low in _PARTICLES:
            continue
        if not _TOKEN_RE.fullmatch(token.strip(",")):
            return False
        initial = token.endswith(".") and len(token) <= 4
        if not initial and (low.strip(".") in POSITION_WORDS or low in ORG_WORDS):
            return False
        if len(token.strip(".")) > 1 and "." not in token:
            substantive += 1
    if substantive == 0:
        return False
    if len(tokens) == 1 and name.casefold() in PLACES:
        return False
    return allow_single or len(tokens) >= 2


# A corporate heading in the Library of Congress style: "Soviet Union. Ministerstvo …".
_CORPORATE_HEADING_RE = re.compile(r"[^\W\d_]{3,}\.\s+[A-ZА-ЯЁ]")


def person_or_org(name: str) -> str:
    if is_organization(name) or _CORPORATE_HEADING_RE.search(name):
        return "organization"
    return "person"


# --------------------------------------------------------------------------- credits


@dataclass
class Credits:
    translators: list[str] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)
    funders: list[str] = field(default_factory=list)

    def merge(self, other: Credits) -> None:
        for mine, theirs in (
            (self.translators, other.translators),
            (self.contributors, other.contributors),
            (self.funders, other.funders),
        ):
            for name in theirs:
                if name.casefold() not in {n.casefold() for n in mine}:
                    mine.append(name)


_BY_RE = re.compile(r"\bby\s+", re.IGNORECASE)
_TRANSLATOR_VERB_RE = re.compile(r"\btranslat\w*|\btrans\.", re.IGNORECASE)
_CONTRIBUTOR_VERB_RE = re.compile(
    r"\b(?:contribut|obtain|donat|provid|submitt|acquir|locat|collect|select|compil|edit|"
    r"transcrib|introduc|annotat|digiti[sz]|scann|prepar|found)\w*",
    re.IGNORECASE,
)
_NAMES_STOP_RE = re.compile(
    r"\s*(?:[;:()\[\]]|\s(?:for|with|from|at|in|on|under|as|courtesy|who|which|while|"
    r"through|via)\s|,\s*(?:and\s+)?(?:translated|contributed|obtained|edited|transcribed|"
    r"donated|provided|annotated|who|with|courtesy)\b|\s+and\s+(?:translated|contributed|"
    r"obtained|edited|transcribed|donated|provided|annotated|introduced|selected|compiled)\b)",
    re.IGNORECASE,
)
_NAME_SPLIT_RE = re.compile(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", re.IGNORECASE)
_FUNDING_RE = re.compile(
    r"(?:made\s+possible|funded|sponsored|supported|funding\s+(?:was\s+)?provided|"
    r"support\s+(?:was\s+)?provided|(?:generous\s+)?support)\s+"
    r"(?:(?:in\s+part\s+)?(?:with|through)\s+(?:the\s+)?(?:generous\s+)?"
    r"(?:support|funding|grants?|assistance)\s+)?(?:from|by|of)\s+",
    re.IGNORECASE,
)
_FUNDERS_STOP_RE = re.compile(r"\s*(?:;|\s(?:for|to|as\s+part\s+of|under)\s)", re.IGNORECASE)


def _sentence_end(text: str, start: int = 0) -> int:
    """Index of the first full stop that ends a sentence (not an initial like "A.")."""
    i = text.find(".", start)
    while i != -1:
        before = text[max(0, i - 2) : i]
        follows = text[i + 1 : i + 2]
        initial = len(before) == 2 and before[1].isupper() and not before[0].isalnum()
        initial = initial or (i == 1 and text[0].isupper())
        if not initial and (not follows or follows.isspace() or follows in '"”)'):
            return i
        i = text.find(".", i + 1)
    return len(text)


def _split_names(chunk: str) -> list[str]:
    names: list[str] = []
    for piece in _NAME_SPLIT_RE.split(chunk):
        name = clean_name(re.sub(r"^the\s+", "", piece.strip(), flags=re.IGNORECASE))
        if not name:
            continue
        if looks_like_person(name, allow_single=False) or (
            is_organization(name) and name[:1].isupper() and len(name) <= 120
        ):
            names.append(name)
    return names


def _split_funders(chunk: str) -> list[str]:
    fragments = [f.strip() for f in _NAME_SPLIT_RE.split(chunk) if f.strip()]
    joiners = re.findall(r"\s*,\s*(?:and\s+)?|\s+and\s+|\s*&\s*", chunk, flags=re.IGNORECASE)
    funders: list[str] = []
    pending = ""
    for index, fragment in enumerate(fragments):
        current = f"{pending}{fragment}" if pending else fragment
        complete = is_organization(current) or len(re.findall(r"\b[A-Z]\w+", current)) >= 2
        if not complete and index + 1 < len(fragments):
            joiner = joiners[index] if index < len(joiners) else " and "
            pending = current + joiner
            continue
        pending = ""
        name = re.sub(r"^the\s+", "", current, flags=re.IGNORECASE).strip(" .,")
        if name and name[0].isupper() and len(name) <= 200:
            funders.append(name)
    return funders


# Credit clauses read per text: real credits have a handful; a page that seems to have
# hundreds is not credits, and reading them all would only cost time.
_MAX_CLAUSES = 40


def parse_credits(text: str) -> Credits:
    """Translators, contributors and funders named in a credit line or paragraph."""
    credits = Credits()
    text = " ".join(text.split())
    # Every window below is bounded, so that a page full of "by" stays linear.
    for n, m in enumerate(_FUNDING_RE.finditer(text)):
        if n >= _MAX_CLAUSES:
            break
        window = text[m.end() : m.end() + 600]
        chunk = window[: _sentence_end(window)]
        stop = _FUNDERS_STOP_RE.search(chunk)
        if stop:
            chunk = chunk[: stop.start()]
        credits.merge(Credits(funders=_split_funders(chunk)))
    last_end = 0
    for n, m in enumerate(_BY_RE.finditer(text)):
        if n >= _MAX_CLAUSES:
            break
        floor = max(last_end, m.start() - 200)
        clause_start = max(
            text.rfind(". ", floor, m.start()) + 1, text.rfind("; ", floor, m.start()) + 1, floor
        )
        clause = text[clause_start : m.start()]
        is_translator = bool(_TRANSLATOR_VERB_RE.search(clause))
        is_contributor = bool(_CONTRIBUTOR_VERB_RE.search(clause))
        if _FUNDING_RE.search(text[clause_start : m.end()]):
            continue
        if not (is_translator or is_contributor):
            continue
        rest = text[m.end() : m.end() + 400]
        rest = rest[: _sentence_end(rest)]
        stop = _NAMES_STOP_RE.search(rest)
        chunk = rest[: stop.start()] if stop else rest
        last_end = m.end() + len(chunk)
        names = _split_names(chunk)
        if is_translator:
            credits.merge(Credits(translators=names))
        if is_contributor:
            credits.merge(Credits(contributors=names))
    return credits


_CREDIT_LINE_RE = re.compile(
    r"^\[?\s*(?:(?:this\s+)?document\s+(?:was\s+)?(?:made\s+possible|obtained|provided|donated)|"
    r"(?:english\s+)?translat(?:ed|ion)\b|contributed\s+by|obtained\b|donated\s+by|"
    r"provided\s+by|made\s+possible|funding|with\s+(?:the\s+)?(?:generous\s+)?support)",
    re.IGNORECASE,
)


def is_credit_line(line: str) -> bool:
    """A short line that is only a credit (site header notes, "[Translated by …]")."""
    if len(line) > 400 or not _CREDIT_LINE_RE.match(line):
        return False
    return " by " in f" {line} " or bool(_FUNDING_RE.search(line))
