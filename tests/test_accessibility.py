"""axe-core (bundled by axe-playwright-python) on the home, search, document and person pages."""

from __future__ import annotations

import pytest

from tests.browser_support import browser  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_no_serious_or_critical_axe_violations(browser, live_server, imported_seeds):  # noqa: F811
    from axe_playwright_python.sync_playwright import Axe

    from people.models import Person

    axe = Axe()
    paths = [
        "/",
        "/documents/?q=Korea",
        "/documents/?q=Korea&language=ru",
        imported_seeds["000"].get_absolute_url(),
        imported_seeds["002"].get_absolute_url(),
        Person.objects.get(name="Andrei Gromyko").get_absolute_url(),
        "/people/",
        "/documents/facets/person/",
    ]
    problems = []
    for width in (1280, 375):
        page = browser.new_page(viewport={"width": width, "height": 900})
        for path in paths:
            page.goto(live_server.url + path)
            results = axe.run(page)
            for violation in results.response["violations"]:
                if violation["impact"] in ("serious", "critical"):
                    targets = [node["target"] for node in violation["nodes"]][:3]
                    problems.append(f"{width}px {path}: {violation['id']} {targets}")
        page.close()
    assert not problems, "\n".join(problems)
