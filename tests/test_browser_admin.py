"""A curator's path in a real browser: log in, find a re-import's conflict, keep her value.

Also makes the admin screenshot of the README (`UPDATE_SCREENSHOTS=1`), so that it shows
the panel as it is.
"""

from __future__ import annotations

import os
from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from catalogue.models import Document
from tests.browser_support import browser  # noqa: F401 - a fixture
from tests.test_browser import SCREENSHOTS
from tests.test_keep_current import CURATED_TITLE, SCRAPED_TITLE, title_in_conflict

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
PASSWORD = "a-curator's-password-1945"


@pytest.fixture
def conflict(tmp_path, django_user_model):
    """A document whose title is in conflict with its re-import; a Curator to sign in."""
    title_in_conflict(tmp_path)
    call_command("setup_roles", stdout=StringIO())
    user = django_user_model.objects.create_user("cora", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="Curator"))
    return Document.objects.get()


def test_a_curator_keeps_her_title_against_a_reimport(
    browser,  # noqa: F811
    live_server,
    conflict,
):
    change = reverse("admin:catalogue_document_change", args=[conflict.pk])
    page = browser.new_page(viewport={"width": 1280, "height": 1190})
    page.goto(f"{live_server.url}{reverse('admin:login')}?next={change}")
    page.get_by_label("Username").fill("cora")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**{change}")

    row = page.locator("tr", has_text="Telegram via VcH from Stalin to Cde. Molotov")
    accept = row.get_by_role("link", name="Accept imported value…").bounding_box()
    keep = row.get_by_role("link", name="Keep current value…").bounding_box()
    # Both shown, neither over the other (side by side or one under the other).
    assert accept and keep
    assert keep["y"] >= accept["y"] + accept["height"] or keep["x"] >= accept["x"] + accept["width"]
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        page.screenshot(path=str(SCREENSHOTS / "admin-document.png"))

    row.get_by_role("link", name="Keep current value…").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Keep the current title?"
    page.get_by_role("button", name="Keep the current value").click()
    page.wait_for_url(f"**{change}")
    assert "Kept the current title." in page.locator(".messagelist").inner_text()
    assert f"dismissed: {SCRAPED_TITLE}" in page.locator("body").inner_text()
    assert page.get_by_role("link", name="Keep current value…").count() == 0

    conflict.refresh_from_db()
    assert conflict.title == CURATED_TITLE
    assert conflict.import_conflicts == {}
    assert conflict.dismissed_conflicts == {"title": SCRAPED_TITLE}
