"""The run's claims (catalogue.importer.claims): who took an identity first, kept on disk."""

import sqlite3

import pytest
from django.core.management import CommandError

from catalogue.importer.claims import Claim, ClaimsUnavailable, RunClaims
from tests.conftest import SEEDS, import_summary, run_import


def test_the_first_claim_is_kept_and_returned_to_every_later_one():
    claims = RunClaims()
    assert claims.claim("WC-1", "a" * 64, "000/one.txt") is None
    assert claims.claim("WC-1", "b" * 64, "001/two.txt") == Claim("a" * 64, "000/one.txt")
    # The earlier claim stands: a third page meets the first, not the second.
    assert claims.get("WC-1") == Claim("a" * 64, "000/one.txt")
    assert claims.claim("WC-2", "b" * 64, "001/two.txt") is None
    assert "WC-2" in claims
    assert "WC-3" not in claims


def test_keys_differ_by_every_character():
    claims = RunClaims()
    claims.claim("\0report.txt", "a" * 64, "report.txt")
    assert "report.txt" not in claims  # a source id "report.txt" is another identity
    assert "\0Report.txt" not in claims
    assert "\0report.txt " not in claims


def test_names_that_are_not_valid_unicode_are_kept_as_they_are():
    claims = RunClaims()
    odd = "\0caf\udce9.txt"  # a file name's undecodable byte, as os.fsdecode keeps it
    assert claims.claim(odd, "c" * 64, "dir/caf\udce9.txt") is None
    assert claims.get(odd) == Claim("c" * 64, "dir/caf\udce9.txt")
    assert claims.claim("Громыко", "d" * 64, "папка/письмо.txt") is None
    assert claims.get("Громыко") == Claim("d" * 64, "папка/письмо.txt")


def test_closing_lets_go_of_the_claims():
    claims = RunClaims()
    claims.claim("WC-1", "a" * 64, "one.txt")
    claims.close()
    claims.close()  # twice is harmless
    assert "WC-1" not in claims  # a new run starts with none


def test_a_temporary_file_that_cannot_be_opened_is_named_as_the_reason(monkeypatch):
    def no_temporary_directory(*args, **kwargs):
        raise sqlite3.OperationalError("unable to open database file")

    monkeypatch.setattr("catalogue.importer.claims.sqlite3.connect", no_temporary_directory)
    with pytest.raises(ClaimsUnavailable, match="unable to open database file.*TMPDIR"):
        RunClaims().claim("WC-1", "a" * 64, "one.txt")


@pytest.mark.django_db
def test_an_import_that_cannot_keep_its_claims_stops_with_a_clear_error(monkeypatch):
    """No writable temporary directory (or a full disk): the pages before are imported,
    whole; the command says why it stopped and what to do, instead of a traceback."""
    from catalogue.models import Document

    connection = RunClaims._connection
    inserts = 0

    class FailsOnTheThirdPage:
        def __init__(self, real):
            self.real = real

        def execute(self, sql, params=()):
            nonlocal inserts
            if sql.startswith("INSERT"):
                inserts += 1
                if inserts == 3:
                    # What SQLite says when it finds no temporary directory to write to.
                    raise sqlite3.OperationalError("unable to open database file")
            return self.real.execute(sql, params)

    monkeypatch.setattr(
        RunClaims, "_connection", lambda self: FailsOnTheThirdPage(connection(self))
    )
    # A batch a page, so that the first two pages are written before the third's claim.
    from catalogue.importer.load import import_paths

    monkeypatch.setitem(import_paths.__kwdefaults__, "batch_size", 1)
    with pytest.raises(CommandError) as raised:
        run_import(SEEDS, workers=0)
    message = str(raised.value)
    assert "unable to open database file" in message and "TMPDIR" in message
    assert "Stopped after 2 file(s)" in message
    assert Document.objects.count() == 2
    # Run again with a working store: the rest is imported, the first two are unchanged.
    monkeypatch.setattr(RunClaims, "_connection", connection)
    assert import_summary(SEEDS, workers=0) == "created 1, updated 0, unchanged 2, failed 0"
