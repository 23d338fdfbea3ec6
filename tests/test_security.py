"""Security headers, admin login throttling, CSRF and method safety."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def assert_security_headers(response) -> None:
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_public_pages_and_the_admin_send_security_headers(client, imported_seeds, staff_client):
    document = imported_seeds["000"]
    for url in ("/", "/documents/", document.get_absolute_url()):
        response = Client().get(url)
        assert response.status_code == 200, url
        assert_security_headers(response)
    login = Client().get("/admin/login/")
    assert login.status_code == 200
    assert_security_headers(login)
    admin_page = staff_client.get(reverse("admin:catalogue_document_change", args=[document.pk]))
    assert admin_page.status_code == 200
    assert_security_headers(admin_page)


def test_public_pages_carry_no_inline_script(client, imported_seeds):
    document = imported_seeds["000"]
    for url in ("/", "/documents/?q=Molotov", document.get_absolute_url(), "/people/"):
        html = client.get(url).content.decode()
        for chunk in html.split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            # Only external files or JSON-LD data blocks, which are not executed.
            assert " src=" in tag or 'type="application/ld+json"' in tag, (url, tag)


def test_https_mode_redirects_and_sends_hsts_and_secure_cookies(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    response = client.get("/")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    secure = client.get("/admin/login/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert secure.cookies["csrftoken"]["secure"] is True


def failed_login(client: Client, username: str):
    return client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": "wrong-password"}
    )


def test_five_failed_logins_lock_the_account(django_user_model):
    django_user_model.objects.create_superuser("curator", "c@example.org", "right-pw-123456")
    client = Client(REMOTE_ADDR="203.0.113.7")
    for _ in range(4):
        assert failed_login(client, "curator").status_code == 200  # the form, with an error
    locked = failed_login(client, "curator")
    assert locked.status_code == 429
    # Even the right password is refused during the cool-off…
    refused = Client(REMOTE_ADDR="198.51.100.9").post(
        "/admin/login/?next=/admin/", {"username": "curator", "password": "right-pw-123456"}
    )
    assert refused.status_code == 429
    # …and once it has passed, the curator gets in.
    from axes.models import AccessAttempt

    AccessAttempt.objects.update(attempt_time=timezone.now() - datetime.timedelta(hours=2))
    ok = Client(REMOTE_ADDR="198.51.100.9").post(
        "/admin/login/?next=/admin/", {"username": "curator", "password": "right-pw-123456"}
    )
    assert ok.status_code == 302
    assert ok["Location"] == "/admin/"


def test_five_failed_logins_lock_the_address_for_every_account(django_user_model):
    django_user_model.objects.create_superuser("other", "o@example.org", "other-pw-123456")
    client = Client(REMOTE_ADDR="203.0.113.8")
    for i in range(5):
        failed_login(client, f"guess-{i}")
    refused = client.post(
        "/admin/login/?next=/admin/", {"username": "other", "password": "other-pw-123456"}
    )
    assert refused.status_code == 429


def test_admin_posts_without_a_csrf_token_are_refused(django_user_model, imported_seeds):
    user = django_user_model.objects.create_superuser("c2", "c2@example.org", "pw-12345678")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    document = imported_seeds["001"]
    url = reverse("admin:catalogue_document_change", args=[document.pk])
    response = client.post(url, {"title": "Changed without a token"})
    assert response.status_code == 403
    document.refresh_from_db()
    assert document.title == "Telegram via VcH from Stalin to Cde. Molotov"
    login = Client(enforce_csrf_checks=True).post(
        "/admin/login/", {"username": "c2", "password": "pw-12345678"}
    )
    assert login.status_code == 403


def test_no_public_get_writes_to_the_database(client, imported_seeds):
    document = imported_seeds["000"]
    person = document.person_links.select_related("person").first().person
    urls = [
        "/", "/documents/", "/documents/?q=Gromyko&language=ru", "/documents.json",
        "/documents.csv", "/documents.ris", "/documents.bib", "/documents.csl.json",
        document.get_absolute_url(), f"/documents/{document.pk}.json",
        f"/documents/{document.pk}.ris", f"/documents/{document.pk}.bib",
        f"/documents/{document.pk}.csl.json", "/people/", person.get_absolute_url(),
        "/organizations/", "/repositories/",
    ]  # fmt: skip
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(WRITES)]
        assert writes == [], url


def test_public_pages_refuse_state_changing_methods(client, imported_seeds):
    document = imported_seeds["000"]
    for url in ("/documents/", document.get_absolute_url(), "/people/"):
        for method in ("post", "put", "delete"):
            assert getattr(client, method)(url).status_code == 405, (method, url)


@pytest.mark.parametrize(
    "path",
    [
        "/documents/{big}/",
        "/documents/{big}/a-title/",
        "/documents/{big}.json",
        "/documents/{big}.ris",
        "/documents/{big}.bib",
        "/documents/{big}.csl.json",
        "/people/{big}/",
        "/organizations/{big}/a-name/",
    ],
)
@pytest.mark.parametrize("big", ["9223372036854775808", "99999999999999999999", "1" * 400])
def test_an_id_too_large_for_the_database_is_not_found(client, imported_seeds, path, big):
    # Past 2**63 an id reached the database as a number it cannot hold: a 500 on SQLite.
    assert client.get(path.format(big=big)).status_code == 404


def test_the_largest_id_the_database_holds_is_looked_up(client, imported_seeds):
    assert client.get("/documents/999999999999999999/").status_code == 404
    document = next(iter(imported_seeds.values()))
    assert client.get(f"/documents/{document.pk}/").status_code in (200, 301)


@pytest.mark.parametrize(
    ("path", "name"),
    [
        ("/people/?q=a%00b", "q"),
        ("/people/?letter=%00", "letter"),
        ("/organizations/?q=%00", "q"),
        ("/repositories/?q=%00", "q"),
        ("/documents/facets/person/?facet_q=%00", "facet_q"),
        ("/documents/facets/type/?facet_q=x%00", "facet_q"),
        ("/documents/?q=Korea&type=a%00b", "type"),
        ("/documents.json?q=%00", "q"),
        ("/?x%00y=1", "x%00y"),
    ],
)
def test_a_nul_in_the_query_string_is_refused_naming_the_parameter(
    client, imported_seeds, path, name
):
    # PostgreSQL's text holds no NUL: passed on to a lookup it was a 500 there.
    response = client.get(path)
    assert response.status_code == 400
    assert f"“{name}” holds a NUL character" in response.content.decode()


def test_a_query_string_without_nul_is_served(client, imported_seeds):
    assert client.get("/people/?q=Gromyko%20%25").status_code == 200
