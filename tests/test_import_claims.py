"""The run's claims (catalogue.importer.claims): who took an identity first, kept on disk."""

from catalogue.importer.claims import Claim, RunClaims


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
