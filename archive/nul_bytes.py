"""Refuse a query string holding a NUL character, before any view reads it.

PostgreSQL's text values cannot hold NUL: a view that passed such a value to a lookup
(the people list's `q` or `letter`, a facet page's filter box) failed with a 500 on
PostgreSQL and answered on SQLite. No name, word or code in the catalogue holds one,
so the request is answered 400, naming the parameter, whichever view it is for.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RefuseNulBytesMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                name = key.replace("\x00", "%00")[:40]
                return HttpResponseBadRequest(
                    f"The query string's “{name}” holds a NUL character (%00), "
                    "which no value in the catalogue can hold.",
                    content_type="text/plain; charset=utf-8",
                )
        return self.get_response(request)
