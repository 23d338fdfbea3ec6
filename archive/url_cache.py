"""`reverse()` made cheap: a name's address is reversed once, then filled in for each object.

A public page reverses a dozen or more addresses (the navigation, every person and
archive it links to, the citation downloads). Django's `reverse()` costs 20–35 µs
each: it looks up the resolver, the script prefix and the language in context-local
storage and matches the arguments against every pattern of the name. A catalogue of
a million documents has a million different addresses of each kind, so remembering
addresses one by one helps little: a document page read for the first time missed
five of them.

So for arguments that are positive integers or slugs, the name is reversed once
with stand-in values and the result kept as a form (`/documents/{0}/{1}/`) into
which the real values are put. Such values come out of `reverse()` as they go in
(the converters turn them into text as `str()` does, and quoting leaves their
characters alone), which the form is checked for when it is made: a second set of
stand-ins, of other lengths and letters, must give what `reverse()` gives. Any other
argument (a negative number, text with spaces or Cyrillic) goes to `reverse()`, its
answer remembered by its arguments. A form depends on the URLconf and the script
prefix, which are part of the key; the URLconf's changes (tests'
`override_settings(ROOT_URLCONF=…)`) empty both memories.
"""

from __future__ import annotations

import functools
import re

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

# What Django's slug converter accepts; `quote()` leaves all of it unchanged.
_SLUG = re.compile(r"[-a-zA-Z0-9_]+")


def cached_reverse(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)`, from a form or from memory when possible."""
    urlconf, prefix = get_urlconf(), get_script_prefix()
    kinds = tuple(map(_kind, args))
    if None not in kinds:
        form = _form(urlconf, prefix, viewname, kinds)
        if form is not None:
            return form.format(*args)
    return _reverse(urlconf, prefix, viewname, args)


def _kind(value) -> str | None:
    # bool is an int too, and True would become "True", not "1": not a kind here.
    if type(value) is int and value > 0:
        return "number"
    if type(value) is str and _SLUG.fullmatch(value):
        return "slug"
    return None


# Two sets of stand-ins per kind and position: different lengths, and letters of both
# cases with both punctuation marks a slug may have, so that a converter that pads,
# truncates, changes case or refuses some of them shows it.
_STAND_INS = {
    "number": (lambda i: 7_390_461 + i, lambda i: 86_215_037_409 + i),
    "slug": (lambda i: f"Qz{i}-stand_in", lambda i: f"wV_{i}x-Y"),
}


@functools.lru_cache(maxsize=1024)
def _form(urlconf, prefix: str, viewname: str, kinds: tuple[str, ...]) -> str | None:
    """The name's address with `{0}`, `{1}`… for its arguments, or None if it has none."""
    first = [_STAND_INS[kind][0](i) for i, kind in enumerate(kinds)]
    second = [_STAND_INS[kind][1](i) for i, kind in enumerate(kinds)]
    try:
        address = reverse(viewname, urlconf=urlconf, args=first or None)
        expected = reverse(viewname, urlconf=urlconf, args=second or None)
    except NoReverseMatch:
        return None  # these kinds don't fit the name; reverse() will say so for the real ones
    form = address.replace("{", "{{").replace("}", "}}")
    for i, stand_in in enumerate(first):
        if form.count(str(stand_in)) != 1:
            return None
        form = form.replace(str(stand_in), f"{{{i}}}")
    return form if form.format(*second) == expected else None


@functools.lru_cache(maxsize=16_384)
def _reverse(urlconf, prefix: str, viewname: str, args: tuple) -> str:
    # `prefix` is part of the key only: reverse() reads the current one itself.
    return reverse(viewname, urlconf=urlconf, args=args or None)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _form.cache_clear()
        _reverse.cache_clear()
