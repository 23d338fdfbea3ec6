"""A name that could be several people: one record awaiting review, not one per page."""

from __future__ import annotations

import pytest

from catalogue.importer.load import import_paths
from catalogue.importer.resolve import Resolver
from catalogue.models import Document, DocumentPerson
from people.models import Person
from tests.conftest import SEEDS, import_summary

pytestmark = pytest.mark.django_db

SEED_001 = SEEDS / "001_b07270223d59d938.txt"  # signed **STALIN**, source id 208912


def signed_by(folder, signature: str, *source_ids: int) -> None:
    """Copies of seed 001 signed `signature` instead of STALIN, one per source id."""
    folder.mkdir(parents=True, exist_ok=True)
    data = SEED_001.read_bytes()
    assert data.count(b"**STALIN**") == 1
    for source_id in source_ids:
        page = data.replace(b"**STALIN**", f"**{signature}**".encode()).replace(
            b"208912", str(source_id).encode()
        )
        (folder / f"{source_id}.txt").write_bytes(page)


def flagged(name: str) -> list[Person]:
    return list(Person.objects.filter(name__iexact=name).filter(needs_review=True))


def authors(source_id: int) -> list[int]:
    """The authors of the page besides Stalin (the title still names him)."""
    return list(
        DocumentPerson.objects.filter(document__external_id=str(source_id), role="author")
        .exclude(person__name="Joseph Stalin")
        .values_list("person_id", flat=True)
    )


def test_the_authority_knows_two_kennedys():
    # What the tests below rely on: "KENNEDY" alone is ambiguous, not unknown.
    assert Person.objects.filter(name__in=["John F. Kennedy", "Robert F. Kennedy"]).count() == 2
    resolver = Resolver()
    assert resolver.person("KENNEDY", create=False) is None


def test_an_ambiguous_name_on_three_pages_is_one_record_awaiting_review(tmp_path):
    signed_by(tmp_path / "in", "KENNEDY", 700001, 700002, 700003)
    assert import_summary(tmp_path / "in") == "created 3, updated 0, unchanged 0, failed 0"
    (kennedy,) = flagged("KENNEDY")
    for source_id in (700001, 700002, 700003):
        assert authors(source_id) == [kennedy.pk]
    # The known Kennedys are not linked: the page does not say which one it is.
    known = Person.objects.filter(name__in=["John F. Kennedy", "Robert F. Kennedy"])
    assert not DocumentPerson.objects.filter(person__in=known).exists()


def test_later_runs_find_the_same_record_for_the_same_spelling(tmp_path):
    signed_by(tmp_path / "first", "KENNEDY", 700001)
    import_summary(tmp_path / "first")
    (kennedy,) = flagged("KENNEDY")
    signed_by(tmp_path / "second", "KENNEDY", 700002, 700003)
    assert import_summary(tmp_path / "second") == "created 2, updated 0, unchanged 0, failed 0"
    assert flagged("KENNEDY") == [kennedy]
    assert Person.objects.filter(name__icontains="kennedy").count() == 3
    for source_id in (700002, 700003):
        assert authors(source_id) == [kennedy.pk]


def test_worker_processes_and_batches_share_the_one_record(tmp_path):
    ids = range(700001, 700013)
    signed_by(tmp_path / "in", "KENNEDY", *ids)
    outcomes = import_paths([tmp_path / "in"], batch_size=3, workers=2)
    assert {o.outcome for o in outcomes} == {"created"}
    (kennedy,) = flagged("KENNEDY")
    assert {pk for source_id in ids for pk in authors(source_id)} == {kennedy.pk}


def test_records_earlier_runs_made_twice_are_not_made_a_third_time(tmp_path):
    # An authority grown by an importer without this rule: two flagged "DULLES" already.
    older = Person.objects.create(name="KENNEDY", needs_review=True)
    Person.objects.create(name="Kennedy", needs_review=True)
    signed_by(tmp_path / "in", "KENNEDY", 700001, 700002)
    import_summary(tmp_path / "in")
    assert Person.objects.filter(name__iexact="kennedy").count() == 2
    assert authors(700001) == authors(700002) == [older.pk]


def test_a_reviewed_record_of_the_spelling_is_not_taken_for_the_placeholder(tmp_path):
    # A curator looked at "KENNEDY" and kept it as a person of its own: still one of the
    # people the name may mean, so the page does not say it is that one.
    reviewed = Person.objects.create(name="KENNEDY", needs_review=False)
    signed_by(tmp_path / "in", "KENNEDY", 700001, 700002)
    import_summary(tmp_path / "in")
    (placeholder,) = flagged("KENNEDY")
    assert placeholder != reviewed
    assert authors(700001) == authors(700002) == [placeholder.pk]


def test_an_unknown_name_still_becomes_one_new_record_found_again(tmp_path):
    signed_by(tmp_path / "in", "ZORINSKY", 700001, 700002)
    import_summary(tmp_path / "in")
    (zorinsky,) = flagged("ZORINSKY")
    assert authors(700001) == authors(700002) == [zorinsky.pk]
    signed_by(tmp_path / "again", "ZORINSKY", 700003)
    import_summary(tmp_path / "again")
    assert flagged("ZORINSKY") == [zorinsky]


def test_the_resolver_gives_an_ambiguous_spelling_one_record_in_any_case():
    resolver = Resolver()
    first = resolver.person("KENNEDY")
    assert first is not None
    assert resolver.person("KENNEDY") == resolver.person("Kennedy") == first
    # A resolver of a later run, built from the database, finds it too.
    assert Resolver().person("kennedy") == first
    # A name that is no name is still no record; an unambiguous one still its person.
    assert resolver.person("K") is None and resolver.person("—") is None
    assert resolver.person("John F. Kennedy") == Person.objects.get(name="John F. Kennedy").pk
    assert Person.objects.filter(name__iexact="kennedy").count() == 1


def test_a_rolled_back_page_leaves_no_placeholder_behind(tmp_path, monkeypatch):
    from catalogue.importer import load

    signed_by(tmp_path / "in", "KENNEDY", 700001)
    write_texts = load.Loader._replace_texts

    def refuse(self, document, parsed, resolution):
        raise ValueError("the database refused this page")

    monkeypatch.setattr(load.Loader, "_replace_texts", refuse)
    assert {o.outcome for o in import_paths([tmp_path / "in"])} == {"failed"}
    assert flagged("KENNEDY") == [] and not Document.objects.exists()
    monkeypatch.setattr(load.Loader, "_replace_texts", write_texts)
    # The next page makes it afresh (the resolver forgot the record the rollback took).
    signed_by(tmp_path / "in", "KENNEDY", 700002)
    import_paths([tmp_path / "in"])
    (kennedy,) = flagged("KENNEDY")
    assert authors(700001) == authors(700002) == [kennedy.pk]
