"""Accents off Latin letters, as researchers type names: Gerő → Gero, Gomułka → Gomulka.

Its own small module, apart from `people.names` (whose tables take 20 ms to load): every
process folds names, in the models' search keys and in the search's queries.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into base + accent, but that a
# researcher types without the diacritic (Gomułka, Đilas, Hammarskjöld, Ø…).
_LATIN_SPECIAL = {
    "ł": "l", "Ł": "L", "đ": "d", "Đ": "D", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE",
    "œ": "oe", "Œ": "OE", "ß": "ss", "ı": "i", "þ": "th", "Þ": "Th", "ð": "d", "Ð": "D",
}  # fmt: skip

# Those of them that stand for one plain letter (not æ → ae): a text folded with these
# alone keeps its length, letter for letter (catalogue.search's FTS5 index relies on it).
ONE_FOR_ONE = {letter: plain for letter, plain in _LATIN_SPECIAL.items() if len(plain) == 1}

# Non-ASCII Latin letters: the only characters whose accents are stripped. Cyrillic,
# Hangul and Han keep their marks: й is not и, and NFD would split a Hangul syllable.
_ACCENTED_LATIN = re.compile("[\u00c0-\u024f\u1e00-\u1eff]")


@lru_cache(maxsize=4096)
def _plain_letter(ch: str) -> str:
    if ch in _LATIN_SPECIAL:
        return _LATIN_SPECIAL[ch]
    return "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))


def strip_latin_accents(text: str) -> str:
    """Accents off Latin letters (Gomułka → Gomulka); other scripts as they are."""
    if text.isascii():
        return text
    return _ACCENTED_LATIN.sub(lambda m: _plain_letter(m.group()), text)
