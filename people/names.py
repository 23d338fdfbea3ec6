"""Name normalisation and matching against the authority — pure Python, no Django.

The importer meets names in every shape the archive's documents take: credits
("Translated by Gary Goldberg"), Russian addressee lines in the dative
("Т. т. Булганину, Молотову, Громико." — with an OCR slip), signatures in
capitals ("А. ГРОМЫКО"), surname-first initials ("Brezhnev L.I."), Korean names
in several romanisations ("Pak Heon-yeong [Pak Hon Yong]", "Пак Хен Ена").
`NameIndex` turns every authority variant into a handful of lookup keys once, so
that a lookup is a few dictionary probes rather than a scan of the authority.

Matching is deliberately conservative: a name that could be either of two
records (a bare "Kim", "Pak") resolves to nothing, because a wrong link in a
published catalogue is worse than a name left for a curator to review.
"""

from __future__ import annotations

import gc
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from difflib import SequenceMatcher
from itertools import accumulate, compress, islice, product
from typing import Any, NamedTuple

from people.accents import strip_latin_accents

__all__ = [
    "Candidate",
    "NameIndex",
    "authority_names",
    "name_keys",
    "normalise",
    "transliterate_ru",
]

# ---------------------------------------------------------------------------
# Character folding
# ---------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """Whitespace-separated words of a constant (keeps the long tables below compact)."""
    return text.split()


_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Apostrophes and the Wade-Giles aspiration mark are dropped (Ch'en = Chen), so
# that "Workers’ Party" and "Workers Party" fold alike.
_APOSTROPHES = "'\u2018\u2019\u201b\u02bc\u02bb\u02b9\u02be\u02bf\u0060\u00b4\u2032"
_CHAR_MAP = {ord(c): "-" for c in _DASHES}
_CHAR_MAP.update({ord(c): "" for c in _APOSTROPHES})

# Latin look-alikes that OCR puts inside Cyrillic words (ГPOMЫKO with Latin P, O, K).
_HOMOGLYPHS = str.maketrans("aceopxykmtbh", "асеорхукмтвн")


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_ALL_CYRILLIC = re.compile("[\u0400-\u04ff]+")
# Kana, Han (with extension A and compatibility forms), Hangul jamo and syllables.
_CJK = re.compile(
    "[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]"
)
_LOWER_LATIN = re.compile("[a-z]")


def _has_cyrillic(text: str) -> bool:
    return _CYRILLIC.search(text) is not None


def _has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


def _fold_cased(text: str) -> str:
    """NFKC, accents off Latin letters, dashes unified, apostrophes dropped; case kept."""
    text = unicodedata.normalize("NFKC", text).translate(_CHAR_MAP)
    return strip_latin_accents(text)


def _fold(text: str) -> str:
    """_fold_cased + casefold + ё→е (Russian print often omits the diaeresis)."""
    return _fold_cased(text).casefold().replace("ё", "е")


def _fix_mixed_script(token: str) -> str:
    if _has_cyrillic(token) and _LOWER_LATIN.search(token):
        return token.translate(_HOMOGLYPHS)
    return token


# ---------------------------------------------------------------------------
# Tokens of a name
# ---------------------------------------------------------------------------

# A word: letters/digits, possibly joined by hyphens ("Heon-yeong", "Gheorghiu-Dej");
# an immediately following dot marks an initial or an abbreviation ("A.", "Yu.").
_NAME_TOKEN = re.compile(r"([^\W_]+(?:-[^\W_]+)*)(\.)?")

# Titles dropped wherever they stand in a name: they never belong to one.
_TITLES_ANYWHERE = frozenset(
    _words(
        """comrade comrades cde cdes tov тов тт товарищ товарища товарищу товарищем товарище
    товарищи товарищам товарищей mr mrs ms messrs mme herr господин господину господина"""
    )
)
# Titles dropped only at the start: in the middle they may be part of a name
# ("Generalissimo" never is, but "Premier" could be a word of an organization).
_TITLES_LEADING = frozenset(
    _words(
        """dr prof professor sir gen marshal маршал маршалу generalissimo генералиссимус
    генералиссимусу president chairman premier ambassador emperor посол послу"""
    )
)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})
_ARTICLES = frozenset({"the"})
# Particles that belong to a Western surname ("de Gaulle", "von Ribbentrop").
_PARTICLES = frozenset({"de", "von", "van", "der", "den", "du", "da", "di", "del", "la"})

# Family names written first (Korean, Chinese, Japanese in native order,
# Vietnamese). A name starting with one of these keeps its first word as the
# surname; any other multi-word name is taken as Western order (surname last).
_EAST_ASIAN_SURNAME_LIST = """
    kim gim pak park bak ri rhee lee yi choe choi cho jo chong jong jeong chung han ho heo hong
    nam kang gang yun yoon chang jang chon jeon chun ro roh no o oh song sin shin so seo mu mun
    moon an ahn yu ryu yo yeo lyuh hyon hyeon ryom kye
    mao zhou chou liu deng teng peng chen zhu chu lin chiang jiang gao kao wang zhang li wu hu
    hua zhao chao ji chi qiao chiao huang sun yang xu hsu ye yeh dong tung he ma guo kuo luo lo
    pan shen wen su qian xi yao tao soong nie jie
    yoshida sato shiina kishi ikeda tanaka hatoyama ohira miki nakasone shigemitsu togo konoe
    tojo fukuda suzuki kono okazaki hirota matsuoka ashida katayama shidehara
    pham vo le nguyen truong tran hoang
    ким пак ли ри цой чхве хо хон нам ро чон юн мун сон
    мао чжоу лю дэн пэн чэнь чжу линь чан цзян гао кан ван чжан чэн сун ян е ху хуа
    фам во ле нгуен
    ёсида есида сато сиина киси икэда танака хатояма охира
"""
_EAST_ASIAN_SURNAMES = frozenset(_words(_EAST_ASIAN_SURNAME_LIST))


class _Tok(NamedTuple):
    text: str  # folded, may hold internal hyphens
    initial: bool


def _tokens(name: str) -> list[_Tok]:
    folded = _fold(name)
    mixed = _has_cyrillic(folded) and _LOWER_LATIN.search(folded) is not None
    toks: list[_Tok] = []
    for m in _NAME_TOKEN.finditer(folded):
        word = _fix_mixed_script(m.group(1)) if mixed else m.group(1)
        # "A." / "Yu." / a bare "A" are initials; "Il" (Kim Il Sung) is not.
        if len(word) == 1:
            initial = word.isalpha()
        else:
            initial = bool(m.group(2)) and len(word) == 2 and word.isalpha()
        toks.append(_Tok(word, initial))
    # Titles anywhere; suffixes (Jr., II) anywhere after the first word.
    toks = [
        t
        for i, t in enumerate(toks)
        if t.text not in _TITLES_ANYWHERE and not (i and t.text in _SUFFIXES)
    ]
    # Leading titles, repeatedly ("Generalissimo Stalin", "Cde. Marshal X").
    while toks and toks[0].text in _TITLES_LEADING and len(toks) > 1:
        toks = toks[1:]
    # Russian "т." / "т. т." (товарищ): dropped when a full word follows, kept
    # when an initial follows (then it is the initial of Т.Ф. Штыков).
    lead = 0
    while lead < len(toks) and lead < 2 and toks[lead].text == "т":
        lead += 1
    if lead and lead < len(toks) and not toks[lead].initial:
        toks = toks[lead:]
    return toks


def _flat(words: Iterable[str]) -> str:
    """Words joined into a key; hyphenated syllables count as words of their own."""
    return " ".join(w for w in words if w).replace("-", " ")


def normalise(name: str) -> str:
    """Casefolded, accent-free, title-free, punctuation-free form of a name.

    >>> normalise("Cde. MOLOTOV")
    'molotov'
    >>> normalise("Т. т. Хрущёву")
    'хрущеву'
    """
    return _flat(t.text for t in _tokens(name))


# ---------------------------------------------------------------------------
# Russian transliteration
# ---------------------------------------------------------------------------

_RU_LATIN = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        _words("a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch - y - e yu ya"),
        strict=True,
    )
)
_RU_LATIN.update({"ъ": "", "ь": ""})  # the signs have no letter of their own
_RU_VOWELS = frozenset("аеёиоуыэюя")


_RU_TABLE = str.maketrans(_RU_LATIN)
_RU_WORD = re.compile("[\u0400-\u04ff]+")
_RU_FINAL_IY = re.compile("[иы]й$")
_RU_YE = re.compile("(?:^|(?<=[аеёиоуыэюяйъь]))е")


def _transliterate_word(match: re.Match[str]) -> str:
    word = match.group()
    low = _RU_YE.sub("ye", _RU_FINAL_IY.sub("y", word.lower())).translate(_RU_TABLE)
    if len(word) > 1 and word.isupper():
        return low.upper()  # ЖУКОВ → ZHUKOV
    if word[0].isupper():
        return low[:1].upper() + low[1:]  # Жуков → Zhukov
    return low


def transliterate_ru(text: str) -> str:
    """Russian Cyrillic → Latin, BGN/PCGN-like, tuned to English usage of names.

    е is "ye" at the start of a word and after a vowel (Андреевич → Andreyevich);
    a word-final -ий/-ый is "y" (Вышинский → Vyshinsky, as English writes it).
    Characters outside Cyrillic pass through unchanged.
    """
    return _RU_WORD.sub(_transliterate_word, text)


# ---------------------------------------------------------------------------
# Russian inflection
# ---------------------------------------------------------------------------

# Ending of an inflected form → endings its dictionary form may have. Every
# rule that fits is applied; the index keeps only candidates that are actual
# words of some key, which is what makes this crude table precise enough.
_RU_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("ыми", ("ые", "ый")),
    ("ими", ("ие", "ий")),
    ("ами", ("ы", "и", "а", "")),
    ("ями", ("и", "я")),
    ("ого", ("ый", "ий", "ой")),
    ("его", ("ий", "ее")),
    ("ому", ("ый", "ий", "ой")),
    ("ему", ("ий", "ее")),
    ("ых", ("ые", "ый")),
    ("их", ("ие", "ий")),
    ("ой", ("ая", "а", "ый", "ий")),
    ("ей", ("яя", "я", "ий", "ь", "")),
    ("ую", ("ая",)),
    ("юю", ("яя",)),
    ("ою", ("а", "ая")),
    ("ым", ("ый", "")),
    ("им", ("ий", "")),
    ("ом", ("", "о", "ой", "ий")),
    ("ем", ("", "й", "ь", "е", "ий")),
    ("ов", ("ы", "")),
    ("ев", ("и", "ь", "")),
    ("ам", ("ы", "а", "")),
    ("ям", ("и", "я")),
    ("ах", ("ы", "а", "")),
    ("ях", ("и", "я")),
    ("ая", ("ий", "ый")),
    ("а", ("", "о", "й", "ь")),
    ("я", ("й", "ь")),
    ("у", ("", "а", "о")),
    ("ю", ("й", "ь", "я")),
    ("е", ("", "а", "я", "о", "й", "ь")),
    ("ы", ("а", "")),
    ("и", ("я", "а", "ь", "й", "")),
)


def _ru_lemmas(token: str) -> set[str]:
    """Candidate dictionary forms of a (folded) Cyrillic word, including itself."""
    out = {token}
    if len(token) < 3 or not _ALL_CYRILLIC.fullmatch(token):
        return out
    for ending, replacements in _RU_ENDINGS:
        if token.endswith(ending) and len(token) - len(ending) >= 2:
            stem = token[: -len(ending)]
            out.update(stem + r for r in replacements)
            if "" in replacements and stem[-1] in "цк" and stem[-2] not in _RU_VOWELS:
                # A fleeting vowel: Путивца → Путивец.
                out.add(stem[:-1] + "е" + stem[-1])
    return out


# ---------------------------------------------------------------------------
# Keys
# ---------------------------------------------------------------------------

# Levels of a key: how directly it says the variant. A lookup that meets a key
# at different levels for different records prefers the most direct one.
FULL, DERIVED, INITIALS, SURNAME = 0, 1, 2, 3


def _is_east_asian_order(words: list[str]) -> bool:
    return len(words) >= 2 and words[0].replace("-", "") in _EAST_ASIAN_SURNAMES


def _person_keys(toks: list[_Tok]) -> dict[str, int]:
    keys: dict[str, int] = {}
    # Keys are put in order of rising level, so the first level a key gets is its best.
    put = keys.setdefault
    words = [t.text for t in toks]
    put(_flat(words), FULL)
    put(" ".join(w.replace("-", "") for w in words), DERIVED)  # "Kim Il-sung" → "kim ilsung"
    named = [t for t in toks if not t.initial]
    if not named:
        return keys
    if len(named) == 1:
        # "A.A. Gromyko", "Gorchakov A.I.", "Gromyko": one word + initials.
        surname = named[0].text
        inits = [t.text for t in toks if t.initial]
        _initial_keys(put, surname, inits)
        put(_flat([surname]), SURNAME)
        return keys
    if _is_east_asian_order(words) and not toks[0].initial:
        # "Kim Il Sung" / "Kim Il-sung" / "Kim Ilsung" are one name; the surname
        # comes first and initials make no sense here.
        surname, given = words[0], words[1:]
        put(surname + " " + "".join(w.replace("-", "") for w in given), DERIVED)
        put(_flat([surname]), SURNAME)
        return keys
    # Western order: the last word is the surname, with its particles.
    last = max(i for i, t in enumerate(toks) if not t.initial)
    start = last
    while start > 0 and toks[start - 1].text in _PARTICLES:
        start -= 1
    surname_words = words[start : last + 1]
    surname = _flat(surname_words)
    firsts = [t for t in toks[:start] if t.text not in _PARTICLES]
    given = [t.text for t in firsts if not t.initial]
    inits = [t.text[0] for t in firsts]
    put(_flat([*surname_words, *(t.text for t in firsts)]), DERIVED)  # Громыко Андрей Андреевич
    if given:
        put(_flat([given[0], *surname_words]), DERIVED)  # drop patronymic / middle names
        put(_flat([*surname_words, given[0]]), DERIVED)
        if len(firsts) > 1:
            put(_flat([given[0], *inits[1:], *surname_words]), DERIVED)  # Andrei A. Gromyko
    _initial_keys(put, surname, inits)
    put(surname, SURNAME)
    if start < last:
        put(_flat([words[last]]), SURNAME)  # "Gaulle" as well as "de Gaulle"
    return keys


def _initial_keys(put: Any, surname: str, inits: list[str]) -> None:
    if not inits:
        return
    surname = surname.replace("-", " ")
    put(" ".join([*inits, surname]), INITIALS)
    put(" ".join([surname, *inits]), INITIALS)
    put(f"{inits[0]} {surname}", INITIALS)
    put(f"{surname} {inits[0]}", INITIALS)


def _organization_keys(toks: list[_Tok]) -> dict[str, int]:
    words = [t.text for t in toks]
    keys = {_flat(words): FULL}
    for key in (
        " ".join(w.replace("-", "") for w in words),
        _flat(w for w in words if w not in _ARTICLES),
    ):
        keys.setdefault(key, DERIVED)
    return keys


def _variant_keys(name: str, *, person: bool) -> tuple[dict[str, int], set[str]]:
    """Keys of one variant with their levels, and which of them are transliterations."""
    toks = _tokens(name)
    if not toks:
        return {}, set()
    build = _person_keys if person else _organization_keys
    keys = build(toks)
    translit: set[str] = set()
    if any(_has_cyrillic(t.text) for t in toks):
        # The same keys in Latin letters, so that Громыко meets Gromyko.
        latin = [_Tok(transliterate_ru(t.text), t.initial) for t in toks]
        for key, level in build(latin).items():
            if key not in keys:
                keys[key] = max(level, DERIVED)
                translit.add(key)
    keys.pop("", None)
    if person:
        # A lone word names a person only as a surname does, however explicitly it
        # was listed: "Tito" and "Josip Broz Tito" compete equally for "Tito".
        keys = {k: SURNAME if " " not in k else level for k, level in keys.items()}
    return keys, translit


def name_keys(name: str, *, person: bool = True) -> set[str]:
    """Every lookup key a variant contributes to an index.

    For people: the full form; surname-first order; the name without patronymic;
    initials forms both ways round ("a a gromyko", "gromyko a a", "a gromyko");
    the bare surname; hyphen-joined syllables ("kim ilsung"); the Latin
    transliteration of Cyrillic keys. For organizations (person=False): the full
    form, hyphen-joined and article-free forms, and transliterations.
    """
    return set(_variant_keys(name, person=person)[0])


def authority_names(record: Mapping[str, Any]) -> list[str]:
    """The names an authority.json record is known by: display name, abbreviation, variants."""
    names = [record["name"]]
    if record.get("abbreviation"):
        names.append(record["abbreviation"])
    names.extend(v["name"] for v in record.get("variants", ()))
    return names


# ---------------------------------------------------------------------------
# Edit distance
# ---------------------------------------------------------------------------


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _within_one_edit(a: str, b: str) -> bool:
    """Levenshtein (with adjacent transposition) distance ≤ 1."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :]


# ---------------------------------------------------------------------------
# The index
# ---------------------------------------------------------------------------

# An OCR slip is bridged only in words this long: in shorter ones one letter
# already makes another name (Pak/Park, Kim/Kin).
FUZZY_MIN_LETTERS = 6
# Bounds that keep a pathological input (hundreds of words) cheap.
_MAX_QUERY_WORDS = 8
_MAX_COMBINATIONS = 256
_MAX_MENTION_WORDS = 10
# A trigram shared by more keys than this is too common to shortlist candidates by.
_OPEN_POSTING = 2000

# Words that are also ordinary words: never a mention on their own, even when a
# record's surname ("Nam Il" → "Nam", as in "Viet Nam"; Trygve "Lie").
_MENTION_STOPWORDS = frozenset(
    _words(
        """nam lie long may will mark rush smith baker rogers king person johnson gandhi togo
        берут того пик коль майский"""
    )
)
# n-grams of a text do not run across these: "Bulganin, Molotov" are two names.
_HARD_BREAK = re.compile(r"[,;:!?«»“”\"„]|\n\s*\n")
# A person's name followed by one of these names an institution, a plan or a
# prize after them, not the person: "Wilson Center", "Stalin Prize".
_NAMED_AFTER_PEOPLE = frozenset(
    _words(
        """foundation foundations center centre institute institution library libraries
        university college school plan doctrine prize prizes award fund corporation archive
        archives museum street avenue square line"""
    )
)
_NEXT_WORD = re.compile(r"\s+([^\W_]+)")
_CJK_CLASS = _CJK.pattern
_TEXT_TOKEN = re.compile(r"[^\W_]+(?:[" + re.escape(_APOSTROPHES) + r"][^\W_]+)*")
# The same words, captured by split(): [gap, word, gap, word, …, gap].
_TEXT_TOKEN_SPLIT = re.compile("(" + _TEXT_TOKEN.pattern + ")")


class _Span(NamedTuple):
    """A word of a free text: where it stands, and how it is written."""

    start: int
    end: int
    raw: str


# What a word of a free text may stand for, before it meets an index's vocabulary: the
# candidate lemmas of the word and, when it looks like a possessive ("Sung's"), those of
# its stem. Folding and lemmatising cost far more than the lookups that follow, and do
# not depend on the index, so they are kept for every index and every text; the cache is
# simply emptied when it grows too large, which keeps memory flat on any corpus.
_TEXT_WORD_CACHE: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {}
_TEXT_WORD_CACHE_LIMIT = 200_000
# An index's own view of the words of free texts (see NameIndex._text_word_options).
_TEXT_OPTIONS_LIMIT = 100_000
_ARTICLE = (0, frozenset())  # a word skipped altogether ("the"), unlike a word that breaks
_UNSEEN = object()


def _text_word_lemmas(raw: str) -> tuple[frozenset[str], frozenset[str] | None]:
    found = _TEXT_WORD_CACHE.get(raw)
    if found is None:
        if len(_TEXT_WORD_CACHE) >= _TEXT_WORD_CACHE_LIMIT:
            _TEXT_WORD_CACHE.clear()
        lemmas = frozenset(_ru_lemmas(_fix_mixed_script(_fold(raw))))
        stem = None
        if raw[-2:-1] in _APOSTROPHES and raw[-1:] in "sS":
            stem = frozenset(_ru_lemmas(_fix_mixed_script(_fold(raw[:-2]))))
        found = _TEXT_WORD_CACHE[raw] = (lemmas, stem)
    return found


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    score: float  # 0..1, 1 = certain


@dataclass
class _Mention:
    rids: dict[int, int]  # record id → level
    # record id → the exact spellings a short abbreviation must have ("US", not "us"),
    # or None when the key came from an ordinary name and any case will do.
    cased: dict[int, set[str] | None]


def _is_short_abbreviation(name: str) -> bool:
    """Is it like "DVK", "US", "ДВК", "VKP(b)": ≤ 4 letters, ≥ 2 capitals? Then match its case."""
    if len(name) > 12:
        return False
    letters = [c for c in name if c.isalpha()]
    return 2 <= len(letters) <= 4 and sum(c.isupper() for c in letters) >= 2


def _cased_form(text: str) -> str:
    return " ".join(m.group(1) for m in _NAME_TOKEN.finditer(_fold_cased(text))).replace("-", " ")


class NameIndex:
    """In-memory index of authority records by every key their names give.

    `entries` are (record id, names) pairs, names being the display name and all
    variants (for an organization, its abbreviation too). `person=False` builds
    an organization index: no surnames, initials or word reordering.
    """

    def __init__(
        self, entries: Iterable[tuple[int, Iterable[str]]] = (), *, person: bool = True
    ) -> None:
        self.person = person
        self._display: dict[int, str] = {}
        self._keys: dict[str, dict[int, int]] = {}  # key → {record id: best level}
        self._mentions: dict[str, _Mention] = {}  # keys a free text may contain
        self._vocab: set[str] = set()  # every word of every key
        # Word of a free text → (letters to trim off its end, the index words it may stand
        # for), or None when it stands for none (it only breaks a name). Depends on the
        # vocabulary: emptied whenever the vocabulary grows.
        self._text_options: dict[str, tuple[int, frozenset[str]] | None] = {}
        # Name → what match() made of it, until the next add(): an import meets the same
        # names (translators, signatories) on page after page.
        self._matches: dict[str, int | None] = {}
        self._cjk: dict[str, set[int]] = {}  # Han/Hangul/kana variants, matched as substrings
        self._cjk_regex: re.Pattern[str] | None = None
        self._max_words = 1
        # Built on first use, then kept up to date by add().
        self._deletion_index: dict[str, set[str]] | None = None
        self._trigram_index: dict[str, set[str]] | None = None
        # A bulk load creates hundreds of thousands of small dicts and nothing
        # cyclic: the cyclic garbage collector would only rescan them, again and again.
        collecting = gc.isenabled()
        gc.disable()
        try:
            for record_id, names in entries:
                self.add(record_id, names)
        finally:
            if collecting:
                gc.enable()

    def __len__(self) -> int:
        return len(self._display)

    # -- building ----------------------------------------------------------

    def add(self, record_id: int, names: Iterable[str]) -> None:
        """Add a record's names (or more names of a known record)."""
        self._matches.clear()
        for name in names:
            if not name or not name.strip():
                continue
            self._display.setdefault(record_id, name.strip())
            self._add_name(record_id, name)

    def _add_name(self, record_id: int, name: str) -> None:
        keys, translit = _variant_keys(name, person=self.person)
        if not keys:
            return
        cased = _cased_form(name) if _is_short_abbreviation(name) else None
        cjk = _has_cjk(name)
        for key, level in keys.items():
            rids = self._keys.get(key)
            if rids is None:
                self._keys[key] = {record_id: level}
                # Only a new key can bring new words.
                new_words = [w for w in key.split() if w not in self._vocab]
                if new_words:
                    self._vocab.update(new_words)
                    self._text_options.clear()
                    if self._deletion_index is not None:
                        for word in new_words:
                            self._index_deletions(word)
            elif rids.get(record_id, SURNAME + 1) > level:
                rids[record_id] = level
            if self._trigram_index is not None and level != INITIALS:
                self._index_trigrams(key)
            if cjk or key in translit:
                continue  # Latin text is matched by Latin variants; CJK by substring
            if cased is not None:
                if level != FULL:
                    continue  # "VKP(b)" is matched as written, not through derived keys
            elif " " not in key and (len(key) < 3 or key in _MENTION_STOPWORDS or key.isdigit()):
                continue  # "Ho", "Nam", "Lie": too often something else in running text
            mention = self._mentions.get(key)
            if mention is None:
                mention = self._mentions[key] = _Mention({}, {})
                words = key.count(" ") + 1
                if words > self._max_words:
                    self._max_words = min(words, _MAX_MENTION_WORDS)
            if mention.rids.get(record_id, SURNAME + 1) > level:
                mention.rids[record_id] = level
            if cased is None:
                mention.cased[record_id] = None  # any case will do
            elif mention.cased.get(record_id, set()) is not None:
                mention.cased.setdefault(record_id, set()).add(cased)
        if cjk:
            compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))
            self._cjk.setdefault(compact, set()).add(record_id)
            self._cjk_regex = None

    def _index_deletions(self, word: str) -> None:
        assert self._deletion_index is not None
        if len(word) < FUZZY_MIN_LETTERS - 1:
            return
        for d in (word, *_deletes(word)):
            self._deletion_index.setdefault(d, set()).add(word)

    def _index_trigrams(self, key: str) -> None:
        assert self._trigram_index is not None
        for gram in _trigrams(key):
            self._trigram_index.setdefault(gram, set()).add(key)

    # -- matching ----------------------------------------------------------

    def _hits(self, keys: Iterable[str]) -> set[int]:
        """Records the keys point to, keeping only those met at the most direct level."""
        found: dict[int, int] = {}
        for key in keys:
            for rid, level in self._keys.get(key, {}).items():
                if rid not in found or found[rid] > level:
                    found[rid] = level
        if not found:
            return set()
        best = min(found.values())
        return {rid for rid, level in found.items() if level == best}

    def _query_keys(self, name: str) -> tuple[list[str], set[str]]:
        toks = _tokens(name)[: _MAX_QUERY_WORDS * 2]
        words = [t.text for t in toks]
        if not words:
            return [], set()
        keys = {
            _flat(words),
            " ".join(w.replace("-", "") for w in words),
            _flat(w for w in words if w not in _ARTICLES),
        }
        keys |= {transliterate_ru(k) for k in keys if _has_cyrillic(k)}
        keys.discard("")
        split_words = _flat(words).split()[:_MAX_QUERY_WORDS]
        return split_words, keys

    @staticmethod
    def _combinations(options: list[set[str]]) -> Iterator[str]:
        """Keys made of one option per word (bounded: a word rarely has two)."""
        for combo in islice(product(*(sorted(o) for o in options)), _MAX_COMBINATIONS):
            yield " ".join(combo)

    def _lemma_options(self, word: str) -> set[str]:
        return _ru_lemmas(word) & self._vocab

    def _fuzzy_options(self, word: str) -> set[str]:
        if self._deletion_index is None:
            self._deletion_index = {}
            for known in self._vocab:
                self._index_deletions(known)
        found: set[str] = set()
        for form in _ru_lemmas(word) if _has_cyrillic(word) else {word}:
            if len(form) < FUZZY_MIN_LETTERS or not form.isalpha():
                continue
            probes = (form, *_deletes(form))
            for probe in probes:
                for known in self._deletion_index.get(probe, ()):
                    if known != form and _within_one_edit(form, known):
                        found.add(known)
        return found

    def _resolve(self, name: str) -> tuple[set[int], str]:
        """(records, stage) — the first stage that finds anything decides."""
        words, keys = self._query_keys(name)
        if not keys:
            return set(), "none"
        hits = self._hits(keys)
        if hits:
            return hits, "exact"
        # Russian inflection: Булганину → Булганин, Пак Хен Ена → Пак Хен Ен.
        if any(_has_cyrillic(w) for w in words):
            options = [self._lemma_options(w) for w in words]
            if all(options):
                hits = self._hits(self._combinations(options))
                if hits:
                    return hits, "inflection"
        # One OCR slip in one long word: Громико → Громыко, ВЫШНСКОМУ → Вышинскому.
        options, fuzzy = [], []
        for w in words:
            exact = self._lemma_options(w)
            if exact:
                options.append(exact)
                fuzzy.append(False)
            else:
                options.append(self._fuzzy_options(w))
                fuzzy.append(True)
        # Only one word may be a guess: two guesses make a different name.
        if all(options) and sum(fuzzy) == 1:
            hits = self._hits(self._combinations(options))
            if hits:
                return hits, "fuzzy"
        return set(), "none"

    def match(self, name: str) -> int | None:
        """The one record `name` denotes, or None when none or more than one could be meant."""
        found = self._matches.get(name, _UNSEEN)
        if found is _UNSEEN:
            hits, _stage = self._resolve(name)
            found = next(iter(hits)) if len(hits) == 1 else None
            if len(self._matches) >= _TEXT_OPTIONS_LIMIT:
                self._matches.clear()
            self._matches[name] = found
        return found  # type: ignore[return-value]

    def candidates(self, name: str, limit: int = 5) -> list[Candidate]:
        """Closest records by similarity, best first — for a curator choosing by hand."""
        if limit <= 0:
            return []
        words, keys = self._query_keys(name)
        if not keys:
            return []
        scores: dict[int, float] = {}

        def score(rid: int, value: float) -> None:
            if value > scores.get(rid, 0.0):
                scores[rid] = value

        hits, stage = self._resolve(name)
        certain = {"exact": 1.0, "inflection": 0.97, "fuzzy": 0.9}.get(stage, 0.0)
        for rid in hits:
            # Ambiguous hits are all plausible, none certain.
            score(rid, certain if len(hits) == 1 else certain * 0.9)
        if self._trigram_index is None:
            self._trigram_index = {}
            for key, rids in self._keys.items():
                if any(level != INITIALS for level in rids.values()):
                    self._index_trigrams(key)
        probes = set(keys)
        if any(_has_cyrillic(w) for w in words):
            lemmatised = [sorted(_ru_lemmas(w) & self._vocab) or [w] for w in words]
            for combo in islice(product(*lemmatised), 16):
                probes.add(" ".join(combo))
        # Keys sharing the most trigrams with the query. Rare trigrams bring keys in;
        # common ones ("  k") only add to the count of keys already in.
        grams = {gram for probe in probes for gram in _trigrams(probe)}
        postings = sorted((self._trigram_index.get(g, set()) for g in grams), key=len)
        shortlist: dict[str, int] = {}
        for posting in postings:
            if len(posting) <= _OPEN_POSTING or not shortlist:
                for key in posting:
                    shortlist[key] = shortlist.get(key, 0) + 1
            else:
                for key in shortlist:
                    if key in posting:
                        shortlist[key] += 1
        best_keys = sorted(shortlist, key=shortlist.__getitem__, reverse=True)[:200]
        for key in best_keys:
            similarity = max(SequenceMatcher(None, p, key).ratio() for p in probes)
            for rid, level in self._keys[key].items():
                if level != INITIALS:
                    score(rid, similarity * 0.95)  # below any exact match
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:limit]
        return [Candidate(rid, self._display[rid], round(s, 4)) for rid, s in ranked]

    # -- free text ---------------------------------------------------------

    def find_mentions(self, text: str) -> list[tuple[int, str]]:
        """(record id, span as written) for each name of a record found in `text`.

        Word-bounded, Russian inflected forms included; a span that could be
        either of two records is skipped. Each distinct (id, span) is reported
        once, in order of first appearance.
        """
        found = [*self._find_word_mentions(text), *self._find_cjk_mentions(text)]
        found.sort(key=lambda item: item[0])
        seen: set[tuple[int, str]] = set()
        out: list[tuple[int, str]] = []
        for _pos, rid, span in found:
            if (rid, span) not in seen:
                seen.add((rid, span))
                out.append((rid, span))
        return out

    def _find_word_mentions(self, text: str) -> Iterator[tuple[int, int, str]]:
        words, offsets = _text_words(text)
        if not words:
            return
        options_of = self._text_options
        distinct = set(words)
        unseen = distinct.difference(options_of)
        if unseen:
            if len(options_of) + len(unseen) > _TEXT_OPTIONS_LIMIT:
                options_of.clear()  # bounded; cleared before, never while, a text is read
                unseen = distinct
            for raw in unseen:
                options_of[raw] = self._text_word_options(raw)
        # A word that may stand for no index word can neither start nor continue a name:
        # it only ends a run of words that may. Each such run is searched on its own;
        # only the words that may (or are skipped, as "the" is) are looked at one by one.
        wanted = {raw for raw in distinct if options_of[raw] is not None}
        if not wanted:
            return
        tokens: list[_Span] = []
        options: list[frozenset[str]] = []
        last = -2
        for k in compress(range(len(words)), map(wanted.__contains__, words)):
            if k != last + 1 and tokens:
                yield from self._run_mentions(text, tokens, options)
                tokens, options = [], []
            last = k
            raw = words[k]
            found = options_of[raw]
            if found is _ARTICLE or not (tokens or raw[0].isupper()):
                continue  # a name starts with a capital: a run's lowercase head is no part of one
            trim, opts = found  # type: ignore[misc]
            start, end = offsets[2 * k], offsets[2 * k + 1]
            if trim:
                tokens.append(_Span(start, end - trim, raw[: len(raw) - trim]))
            else:
                tokens.append(_Span(start, end, raw))
            options.append(opts)
        if tokens:
            yield from self._run_mentions(text, tokens, options)

    def _run_mentions(
        self, text: str, tokens: list[_Span], options: list[frozenset[str]]
    ) -> Iterator[tuple[int, int, str]]:
        """Mentions in a run of words that each may stand for some index word."""
        n = len(tokens)
        i = 0
        while i < n:
            if not tokens[i].raw[0].isupper():
                # A name starts with a capital ("Molotov", "МОЛОТОВ"): "rush" and
                # "молотов" in running text are not mentions.
                i += 1
                continue
            end = i + 1
            while (
                end < n
                and end - i < self._max_words
                and not _HARD_BREAK.search(text, tokens[end - 1].end, tokens[end].start)
            ):
                end += 1
            matched = 0
            for stop in range(end, i, -1):
                rid = self._mention_at(tokens[i:stop], options[i:stop])
                if rid is None:
                    continue
                if self.person and self._names_something_else(text, tokens[stop - 1].end):
                    break  # "Wilson Center", "MacArthur Foundation", "Marshall Plan"
                yield tokens[i].start, rid, _span_text(text, tokens[i].start, tokens[stop - 1])
                matched = stop - i
                break
            i += matched or 1

    @staticmethod
    def _names_something_else(text: str, end: int) -> bool:
        following = _NEXT_WORD.match(text, end)
        return bool(following) and following.group(1).casefold() in _NAMED_AFTER_PEOPLE

    def _text_word_options(self, raw: str) -> tuple[int, frozenset[str]] | None:
        """(letters to trim off the end, the index words a text word may stand for), None
        when it may stand for none, _ARTICLE when it is skipped."""
        if raw.casefold() in _ARTICLES:
            return _ARTICLE
        lemmas, stem = _text_word_lemmas(raw)
        opts = lemmas & self._vocab
        if opts:
            return 0, opts
        if stem is not None:
            # A possessive: "Kim Il Sung's" is Kim Il Sung (while "People's" is a word).
            opts = stem & self._vocab
            if opts:
                return 2, opts
        return None

    def _mention_at(self, tokens: list[_Span], options: list[set[str]]) -> int | None:
        cased_span: str | None = None
        found: dict[int, int] = {}
        for combo in islice(product(*(sorted(o) for o in options)), _MAX_COMBINATIONS):
            mention = self._mentions.get(" ".join(combo))
            if mention is None:
                continue
            for rid, level in mention.rids.items():
                spellings = mention.cased.get(rid)
                if spellings is not None:
                    if cased_span is None:
                        cased_span = _cased_form(" ".join(t.raw for t in tokens))
                    if cased_span not in spellings:
                        continue  # "us" is not "US"
                if rid not in found or found[rid] > level:
                    found[rid] = level
        if not found:
            return None
        best = min(found.values())
        rids = [rid for rid, level in found.items() if level == best]
        return rids[0] if len(rids) == 1 else None

    def _find_cjk_mentions(self, text: str) -> Iterator[tuple[int, int, str]]:
        if not self._cjk or not _has_cjk(text):
            return
        if self._cjk_regex is None:
            alternatives = []
            for variant in sorted(self._cjk, key=len, reverse=True):
                if len(self._cjk[variant]) != 1:
                    continue
                escaped = re.escape(variant)
                if len(variant) < 3:
                    # Two characters are too easily part of another word (康生 in
                    # 健康生活): demand that no Han/Hangul touches them.
                    escaped = rf"(?<!{_CJK_CLASS}){escaped}(?!{_CJK_CLASS})"
                alternatives.append(escaped)
            self._cjk_regex = (
                re.compile("|".join(alternatives)) if alternatives else re.compile(r"(?!)")
            )
        for m in self._cjk_regex.finditer(text):
            (rid,) = self._cjk[m.group()]
            yield m.start(), rid, text[m.start() : m.end()]


# The words of the last text read, shared by the indexes that read it in turn (people,
# then organizations): (words, offsets), where word k runs from offsets[2k] to offsets[2k + 1].
_last_text: list[Any] = [None, ([], [])]


def _text_words(text: str) -> tuple[list[str], list[int]]:
    if _last_text[0] is not None and _last_text[0] == text:
        return _last_text[1]
    parts = _TEXT_TOKEN_SPLIT.split(text)
    words = parts[1::2]
    offsets = list(accumulate(map(len, parts)))
    _last_text[0], _last_text[1] = text, (words, offsets)
    return words, offsets


def _span_text(text: str, start: int, last: _Span) -> str:
    """The span as written, with the dot of a final initial ("Brezhnev L.I.", "U.S.") and the
    bracket it opened ("VKP(b)") kept."""
    end = last.end
    after = text[end : end + 1]
    initial_dot = after == "." and len(last.raw) <= 2
    closing = after == ")" and text.count("(", start, end) > text.count(")", start, end)
    return text[start : end + 1] if initial_dot or closing else text[start:end]


def _trigrams(key: str) -> set[str]:
    padded = f"  {key} "
    return {padded[i : i + 3] for i in range(len(padded) - 2)}
