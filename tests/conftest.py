"""Shared fixtures: small factories for hand-built records and the seed files."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def run_import(*paths, **options) -> tuple[int, str, str]:
    """`import_documents` as the command line runs it: (exit code, stdout, stderr)."""
    from io import StringIO

    from django.core.management import call_command

    out, err = StringIO(), StringIO()
    try:
        call_command("import_documents", *map(str, paths), stdout=out, stderr=err, **options)
        code = 0
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def import_summary(*paths, **options) -> str:
    """The summary line of an import in which no file failed ("created 1, updated 0, …")."""
    code, out, err = run_import(*paths, **options)
    assert code == 0, err
    return out.splitlines()[-1]


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    # The manifest storage needs `collectstatic`; pages under test only need URLs.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("curator", "curator@example.org", "pw-123456")
    client.force_login(user)
    return client


def make_document(**fields):
    from catalogue.models import Document

    defaults = {
        "title": "Record of Conversation",
        "date": datetime.date(1950, 10, 25),
        "date_precision": "day",
        "date_text": "October 25, 1950",
        "original_languages": ["ru"],
    }
    defaults.update(fields)
    return Document.objects.create(**defaults)


def make_person(name: str, *variants: str, **fields):
    from people.models import Person, PersonName

    person = Person.objects.create(name=name, **fields)
    for variant in variants:
        PersonName.objects.create(person=person, name=variant)
    return person


@pytest.fixture
def imported_seeds(db):
    """The three seed pages imported through the real command; returns {file prefix: Document}."""
    from io import StringIO

    from django.core.management import call_command

    from catalogue.models import Document

    call_command("import_documents", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    return {d.source_file[:3]: d for d in Document.objects.all()}


def data_queries(captured) -> list[dict]:
    """The captured queries that read or write data: without transaction control and
    the settings around them (PostgreSQL: SAVEPOINT/RELEASE around each facet, set_config
    of statement_timeout and enable_seqscan), which differ between the databases."""
    control = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT")
    return [
        q
        for q in captured.captured_queries
        if not q["sql"].startswith(control)
        and "set_config(" not in q["sql"]
        and "current_setting(" not in q["sql"]
    ]
