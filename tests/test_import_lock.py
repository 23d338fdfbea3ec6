"""Two imports at once: the second exits with "another import is running" (or waits)."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from catalogue.importer import lock
from tests.conftest import SEEDS

pytestmark = pytest.mark.django_db


@pytest.fixture
def held_lock(tmp_path, monkeypatch):
    """Holds the import lock as another process would."""
    if connection.vendor == "postgresql":
        import psycopg

        settings = connection.settings_dict
        other = psycopg.connect(
            dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"] or None,
            port=settings["PORT"] or None, password=settings["PASSWORD"] or None, autocommit=True,
        )  # fmt: skip
        other.execute("SELECT pg_advisory_lock(%s)", [lock.ADVISORY_LOCK_KEY])
        release = lambda: other.execute(  # noqa: E731
            "SELECT pg_advisory_unlock(%s)", [lock.ADVISORY_LOCK_KEY]
        )
        yield release
        other.close()
        return
    import fcntl

    path = tmp_path / "db.sqlite3.import.lock"
    monkeypatch.setattr(lock, "_lock_file_path", lambda: path)
    handle = open(path, "a+")  # noqa: SIM115 (held across the yield)
    fcntl.flock(handle, fcntl.LOCK_EX)
    yield lambda: fcntl.flock(handle, fcntl.LOCK_UN)
    handle.close()


def test_a_second_import_exits_while_one_is_running(held_lock):
    from catalogue.models import Document

    with pytest.raises(CommandError, match="another import is running"):
        call_command("import_documents", str(SEEDS), stdout=StringIO(), stderr=StringIO())
    assert Document.objects.count() == 0


def test_a_second_import_with_wait_goes_on_once_the_first_ends(held_lock):
    from catalogue.models import Document

    threading.Timer(0.5, held_lock).start()
    out = StringIO()
    call_command("import_documents", str(SEEDS), wait=True, stdout=out, stderr=StringIO())
    assert out.getvalue().strip().splitlines()[-1].startswith("created 3")
    assert Document.objects.count() == 3
