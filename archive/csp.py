"""django-csp's middleware, with the site's policy built once instead of for every response.

django-csp 4 builds the Content-Security-Policy header from the settings for each
response, and then the report-only one: about 80 µs a page over HTTP, the most of any
middleware here and a twentieth of a document page. The settings' policy is the same
for every response, so it is built once (again when the settings change, as tests
change them). A response that a view's decorator gives a policy of its own, a page
that used a nonce, and everything under DEBUG (where django-csp leaves error pages
alone) go through django-csp's own `process_response`, unchanged.
"""

from __future__ import annotations

import functools

from csp import middleware as csp_middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What csp's decorators put on a response (csp_update, csp_replace, csp, each also _ro).
_OWN_POLICY = tuple(
    f"_csp_{kind}{suffix}" for kind in ("config", "update", "replace") for suffix in ("", "_ro")
)
# Per header, report-only or not: its name, the attribute that exempts a response, its setting.
_HEADERS = {
    False: (HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
    True: (HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
}


class CSPMiddleware(csp_middleware.CSPMiddleware):
    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or any(getattr(response, name, None) is not None for name in _OWN_POLICY)
        ):
            return super().process_response(request, response)
        for report_only, (header, exempt, _) in _HEADERS.items():
            policy, excluded = _policy(report_only)
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header was written is an error.
        request.csp_nonce = csp_middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _policy(report_only: bool) -> tuple[str, tuple[str, ...]]:
    """The header built from its setting, and the URL prefixes it leaves out."""
    configured = getattr(settings, _HEADERS[report_only][2], None) or {}
    return (
        build_policy(report_only=report_only),
        tuple(configured.get("EXCLUDE_URL_PREFIXES", None) or ()),
    )


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs) -> None:
    if setting in (name for _, _, name in _HEADERS.values()):
        _policy.cache_clear()
