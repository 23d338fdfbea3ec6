"""archive.url_cache: cached_reverse() gives what reverse() gives, whatever the arguments
and whatever changes, from one form per name for numbers and slugs."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import (
    NoReverseMatch,
    clear_script_prefix,
    path,
    re_path,
    register_converter,
    reverse,
    set_script_prefix,
)

from archive.url_cache import _form, _reverse, cached_reverse


def _view(request):  # pragma: no cover - never called
    raise AssertionError


class LowerCase:
    """A converter whose address is not its value as given."""

    regex = "[a-z0-9-]+"

    def to_python(self, value):  # pragma: no cover - never resolved here
        return value

    def to_url(self, value):
        return str(value).lower()


class Padded:
    regex = "[0-9]{6}"

    def to_python(self, value):  # pragma: no cover - never resolved here
        return int(value)

    def to_url(self, value):
        return f"{value:06d}"


class Truncated:
    """Short numbers come out as they go in; the second set of stand-ins shows it."""

    regex = "[0-9]+"

    def to_python(self, value):  # pragma: no cover - never resolved here
        return int(value)

    def to_url(self, value):
        return str(value)[:8]


register_converter(LowerCase, "lower")
register_converter(Truncated, "truncated")
register_converter(Padded, "padded")

urlpatterns = [
    path("elsewhere/<int:pk>/", _view, name="document"),
    path("lower/<lower:name>/", _view, name="lower"),
    path("padded/<padded:number>/", _view, name="padded"),
    path("truncated/<truncated:number>/", _view, name="truncated"),
    re_path(r"^two-digits/(?P<n>[0-9]{2})/$", _view, name="two-digits"),
    path("braces/{x}/<int:pk>/", _view, name="braces"),
]


@pytest.mark.parametrize(
    ("viewname", "args", "kwargs"),
    [
        ("catalogue:home", (), {}),
        ("catalogue:document", (7, "a-title"), {"pk": 7, "slug": "a-title"}),
        ("catalogue:repository", ("ГАРФ 1",), {"code": "ГАРФ 1"}),
        ("people:person", (3, "gromyko"), {"pk": 3, "slug": "gromyko"}),
    ],
)
def test_the_same_address_as_reverse_asked_once_or_twice(viewname, args, kwargs):
    expected = reverse(viewname, kwargs=kwargs or None)
    assert cached_reverse(viewname, *args) == expected
    assert cached_reverse(viewname, *args) == expected


def test_other_arguments_other_addresses():
    assert cached_reverse("catalogue:document-json", 1) == "/documents/1.json"
    assert cached_reverse("catalogue:document-json", 2) == "/documents/2.json"


def test_the_script_prefix_is_part_of_the_key():
    assert cached_reverse("catalogue:documents") == "/documents/"
    set_script_prefix("/catalogue/")
    try:
        assert cached_reverse("catalogue:documents") == "/catalogue/documents/"
    finally:
        clear_script_prefix()
    assert cached_reverse("catalogue:documents") == "/documents/"


def test_a_new_urlconf_forgets_what_was_remembered():
    assert cached_reverse("catalogue:home") == "/"
    assert cached_reverse("catalogue:repository", "ГАРФ") == reverse(
        "catalogue:repository", args=["ГАРФ"]
    )
    assert _form.cache_info().currsize > 0 and _reverse.cache_info().currsize > 0
    with override_settings(ROOT_URLCONF=__name__):
        assert _form.cache_info().currsize == _reverse.cache_info().currsize == 0
        assert cached_reverse("document", 5) == "/elsewhere/5/"
    assert cached_reverse("catalogue:home") == "/"


@pytest.mark.parametrize(
    ("viewname", "args"),
    [
        ("catalogue:document", (1, "a")),
        ("catalogue:document", (123456789, "Mixed-Case_and-digits-1945")),
        ("catalogue:document", (5, "5")),  # a slug of digits
        ("people:person", (3, 77)),  # a number where a slug goes
        ("catalogue:document-json", ("12",)),  # digits as text where a number goes
        ("catalogue:repository", ("GARF",)),
        ("catalogue:repository", ("ГАРФ 1",)),  # quoted: reverse() itself
        ("catalogue:repository", ("100% a?b#c",)),
        ("catalogue:document-csl", (2**40,)),
    ],
)
def test_numbers_slugs_and_anything_else_give_what_reverse_gives(viewname, args):
    for _ in range(2):  # the form (or the memory) made, then used
        assert cached_reverse(viewname, *args) == reverse(viewname, args=args)


@pytest.mark.parametrize(
    ("viewname", "args"),
    [
        ("catalogue:document", (1, "")),  # an empty slug
        ("catalogue:document", (-1, "a")),
        ("catalogue:document", (1, "Кириллица")),
        ("catalogue:document-json", ("abc",)),
        ("catalogue:document-json", ()),
        ("catalogue:document-json", (1, 2)),
        ("catalogue:document-json", (True,)),
        ("catalogue:repository", ("a/b",)),
    ],
)
def test_arguments_reverse_refuses_are_refused(viewname, args):
    with pytest.raises(NoReverseMatch):
        reverse(viewname, args=args)
    with pytest.raises(NoReverseMatch):
        cached_reverse(viewname, *args)


@override_settings(ROOT_URLCONF=__name__)
def test_converters_that_change_their_value_are_asked_every_time():
    assert cached_reverse("lower", "MiXed") == "/lower/mixed/"
    assert cached_reverse("lower", "Other") == "/lower/other/"
    assert cached_reverse("padded", 42) == "/padded/000042/"
    assert cached_reverse("padded", 7) == "/padded/000007/"
    assert cached_reverse("two-digits", 12) == "/two-digits/12/"
    with pytest.raises(NoReverseMatch):
        cached_reverse("two-digits", 123)
    assert cached_reverse("truncated", 123456789) == "/truncated/12345678/"
    assert cached_reverse("braces", 9) == reverse("braces", args=[9])
    # None of these has a form; `braces` has one (reverse() quotes its braces).
    for name in ("lower", "padded", "two-digits", "truncated"):
        kinds = ("slug",) if name == "lower" else ("number",)
        assert _form(None, "/", name, kinds) is None
    assert _form(None, "/", "braces", ("number",)) == "/braces/%7Bx%7D/{0}/"


def test_one_form_serves_every_document():
    _form.cache_clear()
    _reverse.cache_clear()
    for pk in range(1, 1001):
        assert cached_reverse("catalogue:document", pk, f"title-{pk}") == (
            f"/documents/{pk}/title-{pk}/"
        )
    assert _form.cache_info().currsize == 1
    assert _reverse.cache_info().currsize == 0


def test_an_unknown_name_raises_as_reverse_does():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        cached_reverse("catalogue:no-such-page")
