"""archive.url_cache: the remembered reverse() gives what reverse() gives, whatever changes."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.urls import clear_script_prefix, path, reverse, set_script_prefix

from archive.url_cache import _reverse, cached_reverse


def _view(request):  # pragma: no cover - never called
    raise AssertionError


urlpatterns = [path("elsewhere/<int:pk>/", _view, name="document")]


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
    assert _reverse.cache_info().currsize > 0
    with override_settings(ROOT_URLCONF=__name__):
        assert _reverse.cache_info().currsize == 0
        assert cached_reverse("document", 5) == "/elsewhere/5/"
    assert cached_reverse("catalogue:home") == "/"


def test_an_unknown_name_raises_as_reverse_does():
    from django.urls import NoReverseMatch

    with pytest.raises(NoReverseMatch):
        cached_reverse("catalogue:no-such-page")
