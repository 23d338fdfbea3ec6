"""A search that selects a merged-away person, organization or archive follows the merge.

A bookmarked search for someone since merged into another record (`?person=279`)
found nothing, and the page's hidden inputs carried the dead id into every later
search. The record's own page answers 301 to the survivor; a search naming it is
sent to the same search with the survivor in its place.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict

from catalogue.models import RepositoryRedirect
from people.models import OrganizationRedirect, PersonRedirect

# Query-string key → (redirect model, its merged-away key, the survivor's key).
_REDIRECTS = {
    "person": (PersonRedirect, "old_id", "person_id"),
    "organization": (OrganizationRedirect, "old_id", "organization_id"),
    "repository": (RepositoryRedirect, "old_code", "repository__code"),
}
_ID_DIGITS = 18  # as the filters take them: a longer one is refused there, not looked up


def survivors_query_string(params: QueryDict) -> str | None:
    """`params` with every merged-away record replaced by the record it was merged
    into, or None when none of the selected ones was merged. One query per kind of
    record selected; none without a selection."""
    replaced: dict[tuple[str, str], str] = {}
    for key, (model, old, new) in _REDIRECTS.items():
        values = [value.strip() for value in params.getlist(key)]
        if key != "repository":
            values = [value for value in values if value.isdigit() and len(value) <= _ID_DIGITS]
        values = [value for value in values if value]
        if not values:
            continue
        rows = model.objects.filter(**{f"{old}__in": values}).values_list(old, new)
        replaced.update({(key, str(was)): str(now) for was, now in rows})
    if not replaced:
        return None
    pairs: list[tuple[str, str]] = []
    for key, values in params.lists():
        for value in values:
            pair = (key, replaced.get((key, value.strip()), value))
            if pair not in pairs:  # two merged into one: selected once
                pairs.append(pair)
    return "?" + urlencode(pairs)


def follows_merges(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorator for a search view: a selection of merged records is sent on to their
    survivors. A temporary redirect: an undone merge makes the old search right again."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        query = survivors_query_string(request.GET)
        if query is not None:
            return HttpResponseRedirect(request.path + query)
        return view(request, *args, **kwargs)

    return wrapped
