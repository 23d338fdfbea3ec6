"""A researcher's path in a real browser: search, two facets, a result, its RIS, a phone."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser_support import browser  # noqa: F401 - a fixture

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def test_search_select_two_facets_open_a_result_and_download_its_ris(
    browser,  # noqa: F811
    live_server,
    imported_seeds,
):
    page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page.goto(live_server.url + "/")
    page.get_by_label("Search the documents").fill("Korea")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url("**/documents/?q=Korea*")
    assert page.locator("h1").inner_text() == "Documents matching “Korea”"
    assert page.locator(".result").count() >= 1
    assert page.locator(".snippet mark").count() >= 1

    # Two values of the person facet: OR within the facet.
    people = page.locator("#facet-person + ul li a")
    first, second = people.nth(0).inner_text().strip("☐ "), people.nth(1).inner_text().strip("☐ ")
    people.nth(0).click()
    page.wait_for_load_state()
    page.locator("#facet-person + ul li:not(.selected) a").first.click()
    page.wait_for_load_state()
    assert page.url.count("person=") == 2
    chips = page.locator(".chips").inner_text()
    assert first in chips and second in chips

    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "search.png"), full_page=True)

    page.locator(".result h3 a").first.click()
    page.wait_for_load_state()
    assert page.locator("h1").count() == 1
    assert page.locator('meta[name="citation_title"]').count() == 1
    assert "Cite this" in page.locator("#cite").inner_text()
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        # The Politburo decision: its Russian original beside the English translation.
        shot = browser.new_page(viewport={"width": 1280, "height": 1700})
        shot.goto(live_server.url + imported_seeds["000"].get_absolute_url())
        shot.screenshot(path=str(SCREENSHOTS / "document.png"))
        shot.close()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="RIS").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ris")
    content = Path(download.path()).read_text(encoding="utf-8")
    assert content.startswith("TY  - MANSCPT") and "ER  - " in content


def test_pages_fit_a_phone_without_horizontal_scrolling(
    browser,  # noqa: F811
    live_server,
    imported_seeds,
):
    from people.models import Person

    paths = [
        "/",
        "/documents/?q=Korea",
        "/documents/facets/person/",
        imported_seeds["000"].get_absolute_url(),
        Person.objects.get(name="Andrei Gromyko").get_absolute_url(),
        "/people/",
        "/organizations/",
        "/repositories/AVPRF/",
    ]
    page = browser.new_page(viewport={"width": 375, "height": 740}, is_mobile=True)
    for path in paths:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{path} is {width}px wide on a 375px screen"
    # On the document page, the translation and the original stack.
    page.goto(live_server.url + imported_seeds["000"].get_absolute_url())
    texts = page.locator(".texts > .text")
    assert texts.count() == 2
    a, b = texts.nth(0).bounding_box(), texts.nth(1).bounding_box()
    assert b["y"] >= a["y"] + a["height"] - 1


def test_translation_sits_beside_the_original_on_a_wide_screen(
    browser,  # noqa: F811
    live_server,
    imported_seeds,
):
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.goto(live_server.url + imported_seeds["000"].get_absolute_url())
    texts = page.locator(".texts > .text")
    assert texts.count() == 2
    a, b = texts.nth(0).bounding_box(), texts.nth(1).bounding_box()
    assert abs(a["y"] - b["y"]) < 2 and b["x"] > a["x"] + a["width"] - 1


def test_print_hides_navigation_and_keeps_the_citation(
    browser,  # noqa: F811
    live_server,
    imported_seeds,
):
    page = browser.new_page()
    page.goto(live_server.url + imported_seeds["001"].get_absolute_url())
    page.emulate_media(media="print")
    assert not page.locator("header.site nav").is_visible()
    assert page.locator("#citation-text").is_visible()
    assert page.locator("h1").is_visible()


def test_keyboard_focus_is_visible(browser, live_server, imported_seeds):  # noqa: F811
    page = browser.new_page()
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "Skip to content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid"
