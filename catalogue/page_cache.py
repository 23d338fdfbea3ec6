"""Public pages kept whole until the catalogue changes.

A public page is a function of its address and of the catalogue's rows: the same
search, document or person page reads the same until a curator or an import writes
something. So, for settings.PAGE_CACHE_SECONDS at most (0: never), a rendered page is
kept under its full address and the catalogue's write stamp (`catalogue_version`, the
same stamp the facet counts are kept under): any write to the catalogue makes every
page render afresh on its next request (within about a second of the commit, the time
PostgreSQL takes to publish its counters).

What is kept is the view's own response (body, status 200, its own headers); the
middleware still adds the security headers to every answer, kept or not. No page
depends on who asks — the public templates read neither the user nor the session —
so one copy serves every reader; signed-in curators are served fresh pages. Without
a stamp (SQLite) nothing is kept, as with the facet counts: nothing would tell when a
page went stale.

Why: at a million documents a person's page takes most of a second and a name
search a few hundred milliseconds to compute, and the pages read most are read
again and again (the collection's first page, a famous name) between two changes.

The document page is not kept: one prepared statement reads it and it renders in
about 2 ms, less than the stamp and the cache's write add to its first reading; and
a million documents' pages would push the costly pages out of the cache.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import caches
from django.db import router
from django.http import HttpRequest, HttpResponse

from catalogue.facets import catalogue_version
from catalogue.models import Document


def kept_until_the_catalogue_changes(view: Callable[..., HttpResponse]) -> Callable:
    """Decorator for a public GET view: its 200 answers are kept (see the module)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        if not seconds or request.method not in ("GET", "HEAD") or _signed_in(request):
            return view(request, *args, **kwargs)
        # The database this request reads from (a replica, inside @reads_from_replica):
        # a replica's stamp is its replay position, which moves on with every write.
        using = router.db_for_read(Document)
        version = catalogue_version(using)
        if version is None:
            return view(request, *args, **kwargs)
        address = hashlib.sha256(request.build_absolute_uri().encode()).hexdigest()
        key = f"page:{using}:{version}:{address}"
        cache = caches["pages"]
        kept = cache.get(key)
        if kept is not None:
            content, headers = kept
            return HttpResponse(content, headers=headers)
        response = view(request, *args, **kwargs)
        if _keepable(response):
            cache.set(key, (response.content, dict(response.headers)), seconds)
        return response

    return wrapped


def _signed_in(request: HttpRequest) -> bool:
    # A curator (anyone with a session: readers have none) always gets the page as it is
    # now: the stamp can lag a commit by about a second, and a curator who has just
    # corrected a date looks at the page at once.
    return settings.SESSION_COOKIE_NAME in request.COOKIES


def _keepable(response: HttpResponse) -> bool:
    # Only a whole page: not a redirect, an error or a gone notice (cheap, and a
    # redirect's target may move), nor a streamed body, nor one that sets a cookie.
    return response.status_code == 200 and not response.streaming and not response.cookies
