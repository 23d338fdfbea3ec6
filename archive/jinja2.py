"""The Jinja2 environment of the public pages (templates/): Django's filters by the same names.

The public pages are rendered with Jinja2, the admin with Django's templates. Jinja2
compiles a template to Python, so the busiest pages (a document, a search with its
facets) render in a fraction of the time Django's template engine takes; see
docs/scaling.md. Autoescaping is on (Django's backend turns it on), and Django's safe
strings (the citation's JSON-LD, `linebreaks`) pass through unescaped as they do there.
"""

from __future__ import annotations

from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import defaultfilters
from jinja2 import Environment

from archive.url_cache import cached_reverse


def linebreaks(value) -> str:
    """Paragraphs and <br> from plain text, the text escaped (Django's `linebreaks`)."""
    return defaultfilters.linebreaks_filter(value, autoescape=True)


def environment(**options) -> Environment:
    # Models are ready once Django builds its template engines, not when this is imported.
    from catalogue.citations import reference_text

    env = Environment(**options)
    # `{{ url('catalogue:document-json', document.pk) }}`, as `{% url %}` with positional arguments.
    env.globals.update(url=cached_reverse, static=staticfiles_storage.url)
    env.filters.update(
        linebreaks=linebreaks,
        pluralize=defaultfilters.pluralize,
        # An archival reference as the citations give it, from its fields.
        reference=reference_text,
        truncatewords=defaultfilters.truncatewords,
        urlencode=defaultfilters.urlencode,
    )
    return env
