"""people/data/authority.json: the starter authority is well formed and unambiguous.

Pure Python: runs without Django (`pytest -p no:django tests/test_authority_data.py`).
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from functools import cache
from pathlib import Path

import pytest

from people.names import authority_names, normalise

AUTHORITY = Path(__file__).resolve().parent.parent / "people" / "data" / "authority.json"

VARIANT_KINDS = {"transliteration", "native", "alias", "initials", "abbreviation"}
ORGANIZATION_KINDS = {
    "party",
    "state",
    "ministry",
    "embassy",
    "international",
    "foundation",
    "archive",
    "military",
    "other",
}
PERSON_FIELDS = {
    "slug",
    "name",
    "sort_name",
    "birth_year",
    "death_year",
    "description",
    "variants",
}
ORGANIZATION_FIELDS = {"slug", "name", "abbreviation", "kind", "description", "parent", "variants"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Normalised spellings that two records may share on purpose (e.g. a namesake whose
# full name really is identical). Each entry names the slugs allowed to share it.
ALLOWED_SHARED: dict[str, set[str]] = {}


@pytest.fixture(autouse=True)
def _plain_static_storage():
    # Shadows the Django-settings fixture of conftest.py: these tests need no Django.
    yield


@cache
def data() -> dict:
    return json.loads(AUTHORITY.read_text(encoding="utf-8"))


def records(part: str) -> list[dict]:
    return data()[part]


def test_top_level_shape_and_size() -> None:
    assert set(data()) == {"people", "organizations"}
    assert len(records("people")) >= 150
    assert len(records("organizations")) >= 80


@pytest.mark.parametrize("part", ["people", "organizations"])
def test_slugs_are_unique_and_url_safe(part: str) -> None:
    slugs = [r["slug"] for r in records(part)]
    assert len(slugs) == len(set(slugs))
    for slug in slugs:
        assert SLUG.match(slug) and len(slug) <= 100, slug


def test_people_fields() -> None:
    for person in records("people"):
        assert set(person) == PERSON_FIELDS, person["slug"]
        assert person["name"].strip() == person["name"] and 0 < len(person["name"]) <= 255
        assert person["sort_name"].strip() and len(person["sort_name"]) <= 255
        assert person["description"].strip(), person["slug"]
        born, died = person["birth_year"], person["death_year"]
        for year in (born, died):
            assert year is None or (isinstance(year, int) and 1800 <= year <= 2030), person
        if born is not None and died is not None:
            assert born <= died, person["slug"]


def test_organization_fields_and_parents() -> None:
    by_slug = {o["slug"]: o for o in records("organizations")}
    for organization in records("organizations"):
        slug = organization["slug"]
        assert set(organization) == ORGANIZATION_FIELDS, slug
        assert organization["kind"] in ORGANIZATION_KINDS, slug
        assert organization["name"].strip() == organization["name"] and organization["name"]
        assert len(organization["abbreviation"]) <= 50, slug
        assert organization["description"].strip(), slug
        parent = organization["parent"]
        assert parent is None or (parent in by_slug and parent != slug), slug
        # No cycles: walking up the parents ends.
        seen = {slug}
        while parent is not None:
            assert parent not in seen, f"cycle through {slug}"
            seen.add(parent)
            parent = by_slug[parent]["parent"]


@pytest.mark.parametrize("part", ["people", "organizations"])
def test_variants_are_well_formed(part: str) -> None:
    for record in records(part):
        # The database keeps one variant per record per case-insensitive spelling.
        seen = {" ".join(record["name"].split()).casefold()}
        for variant in record["variants"]:
            assert set(variant) == {"name", "language", "kind"}, record["slug"]
            assert variant["kind"] in VARIANT_KINDS, (record["slug"], variant)
            assert 2 <= len(variant["language"]) <= 8 and variant["language"].islower()
            name = variant["name"]
            assert name.strip() == name and 0 < len(name) <= 255, (record["slug"], name)
            assert normalise(name), (record["slug"], name)
            key = " ".join(name.split()).casefold()
            assert key not in seen, (record["slug"], name)
            seen.add(key)


@pytest.mark.parametrize("part", ["people", "organizations"])
def test_no_spelling_is_shared_by_two_records(part: str) -> None:
    owners: dict[str, set[str]] = defaultdict(set)
    for record in records(part):
        for name in authority_names(record):
            owners[normalise(name)].add(record["slug"])
    shared = {
        key: slugs
        for key, slugs in owners.items()
        if len(slugs) > 1 and not slugs <= ALLOWED_SHARED.get(key, set())
    }
    assert shared == {}


def test_people_and_organizations_do_not_share_spellings() -> None:
    people = {normalise(n) for r in records("people") for n in authority_names(r)}
    organizations = {normalise(n) for r in records("organizations") for n in authority_names(r)}
    assert people & organizations == set()


@pytest.mark.parametrize(
    "slug",
    [
        "joseph-stalin",
        "vyacheslav-molotov",
        "andrei-vyshinsky",
        "andrei-gromyko",
        "nikolai-bulganin",
        "nikita-khrushchev",
        "leonid-brezhnev",
        "vladimir-lenin",
        "alexander-poskrebyshev",
        "a-i-gorchakov",
        "mao-zedong",
        "zhou-enlai",
        "kim-il-sung",
        "pak-heon-yeong",
        "pak-seong-cheol",
        "syngman-rhee",
        "park-chung-hee",
        "shiina-etsusaburo",
        "w-averell-harriman",
        "gary-goldberg",
        "sergey-radchenko",
    ],
)
def test_key_people_are_present(slug: str) -> None:
    assert slug in {r["slug"] for r in records("people")}


@pytest.mark.parametrize(
    "slug",
    [
        "cpsu",
        "workers-party-of-korea",
        "ussr",
        "dprk",
        "prc",
        "usa",
        "ussr-mfa",
        "far-eastern-commission",
        "united-nations",
        "blavatnik-family-foundation",
        "leon-levy-foundation",
        "nkidp",
        "cwihp",
        "history-and-public-policy-program",
    ],
)
def test_key_organizations_are_present(slug: str) -> None:
    assert slug in {r["slug"] for r in records("organizations")}


def test_korean_and_chinese_names_carry_both_romanisations_and_native_script() -> None:
    by_slug = {r["slug"]: r for r in records("people")}
    for slug, expected in [
        ("pak-heon-yeong", {"Pak Hon Yong", "Пак Хен Ен", "박헌영"}),
        ("pak-seong-cheol", {"Pak Song Chol", "Пак Сон Чер", "박성철"}),
        ("kim-il-sung", {"Kim Il-sung", "Ким Ир Сен", "김일성"}),
        ("mao-zedong", {"Mao Tse-tung", "毛泽东", "毛澤東"}),
        ("zhou-enlai", {"Chou En-lai", "周恩来"}),
    ]:
        assert expected <= {v["name"] for v in by_slug[slug]["variants"]}, slug
