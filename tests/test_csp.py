"""archive.csp: the policy built once is the header django-csp builds, and everything
django-csp does per response (decorators, exemptions, nonces, report-only) still holds."""

from __future__ import annotations

import pytest
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from archive.csp import CSPMiddleware

HEADER = "Content-Security-Policy"
REPORT_ONLY = "Content-Security-Policy-Report-Only"


def _page(request):
    return HttpResponse("page")


def _both(view=_page, path="/documents/", touch_nonce=False):
    """The response of the view through our middleware and through django-csp's."""
    responses = []
    for middleware_class in (CSPMiddleware, DjangoCSPMiddleware):
        request = RequestFactory().get(path)

        def get_response(request, view=view):
            if touch_nonce:
                str(request.csp_nonce)
            return view(request)

        responses.append(middleware_class(get_response)(request))
    return responses


def _directives(header: str) -> set[str]:
    # django-csp orders the directives by a set's order, which differs between processes.
    return {part.strip() for part in header.split(";")}


def test_the_header_is_django_csps():
    ours, theirs = _both()
    assert _directives(ours[HEADER]) == _directives(theirs[HEADER])
    assert "default-src 'self'" in ours[HEADER]
    assert REPORT_ONLY not in ours and REPORT_ONLY not in theirs


def test_a_views_own_policy_is_built_for_it():
    view = csp_update({"img-src": ["https://maps.example.org"]})(_page)
    ours, theirs = _both(view)
    assert "https://maps.example.org" in ours[HEADER]
    assert _directives(ours[HEADER]) == _directives(theirs[HEADER])
    # ...and the next page has the site's policy again.
    plain, _ = _both()
    assert "https://maps.example.org" not in plain[HEADER]


def test_an_exempt_view_has_no_header():
    ours, theirs = _both(csp_exempt()(_page))
    assert HEADER not in ours and HEADER not in theirs


def test_a_header_the_view_set_is_kept():
    def view(request):
        response = HttpResponse("x")
        response[HEADER] = "default-src 'none'"
        return response

    ours, _ = _both(view)
    assert ours[HEADER] == "default-src 'none'"


def test_a_nonce_used_by_the_page_is_in_its_header():
    from csp.constants import NONCE

    with override_settings(CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [NONCE]}}):
        ours, theirs = _both(touch_nonce=True)
        assert "'nonce-" in ours[HEADER] and "'nonce-" in theirs[HEADER]
        unused, unused_theirs = _both()
        assert unused.get(HEADER) == unused_theirs.get(HEADER)
        assert "'nonce-" not in unused.get(HEADER, "")


def test_a_nonce_asked_for_after_the_header_is_an_error_as_in_django_csp():
    from csp.exceptions import CSPNonceError

    request = RequestFactory().get("/")
    CSPMiddleware(_page)(request)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_changed_settings_give_the_changed_policy():
    policy = {"DIRECTIVES": {"default-src": ["'none'"]}, "EXCLUDE_URL_PREFIXES": ["/skip/"]}
    with override_settings(
        CONTENT_SECURITY_POLICY=policy, CONTENT_SECURITY_POLICY_REPORT_ONLY=policy
    ):
        ours, theirs = _both()
        assert ours[HEADER] == theirs[HEADER] == "default-src 'none'"
        assert ours[REPORT_ONLY] == theirs[REPORT_ONLY] == "default-src 'none'"
        skipped, _ = _both(path="/skip/this/")
        assert HEADER not in skipped and REPORT_ONLY not in skipped
    ours, _ = _both()
    assert "default-src 'self'" in ours[HEADER] and REPORT_ONLY not in ours


@override_settings(DEBUG=True)
def test_under_debug_django_csp_decides():
    def missing(request):
        return HttpResponse(status=404)

    ours, theirs = _both(missing)
    assert HEADER not in ours and HEADER not in theirs


def test_the_policy_is_built_once_not_per_response(monkeypatch):
    from archive import csp

    built = []
    monkeypatch.setattr(csp, "build_policy", lambda **kw: built.append(kw) or "default-src 'self'")
    csp._policy.cache_clear()
    try:
        for _ in range(3):
            response = CSPMiddleware(_page)(RequestFactory().get("/"))
            assert response[HEADER] == "default-src 'self'"
        assert len(built) == 2  # the policy and the report-only one, once each
    finally:
        csp._policy.cache_clear()


def test_the_site_uses_this_middleware_in_django_csps_place():
    from django.conf import settings

    assert "archive.csp.CSPMiddleware" in settings.MIDDLEWARE
    assert "csp.middleware.CSPMiddleware" not in settings.MIDDLEWARE
