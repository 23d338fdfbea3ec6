"""`reverse()` remembered: a name and its arguments give the same address until the URLconf changes.

A public page reverses a dozen or more addresses (the navigation, every person and
archive it links to, the citation downloads); Django's `reverse()` looks up the
resolver, the script prefix and the language in context-local storage each time, about
a third of rendering a document page. The addresses depend only on the URLconf, the
script prefix and the arguments, which are the key here, and the URLconf's changes
(tests' `override_settings(ROOT_URLCONF=…)`) empty the memo.
"""

from __future__ import annotations

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse


def cached_reverse(viewname: str, *args) -> str:
    """`reverse(viewname, args=args)`, from memory when asked before."""
    return _reverse(get_urlconf(), get_script_prefix(), viewname, args)


@functools.lru_cache(maxsize=16_384)
def _reverse(urlconf, prefix: str, viewname: str, args: tuple) -> str:
    # `prefix` is part of the key only: reverse() reads the current one itself.
    return reverse(viewname, urlconf=urlconf, args=args or None)


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting == "ROOT_URLCONF":
        _reverse.cache_clear()
