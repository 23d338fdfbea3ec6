"""people.names: normalisation, keys, matching and mention-finding against the real authority.

Pure Python: runs without Django (`pytest -p no:django tests/test_names.py`).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from people.names import (
    Candidate,
    NameIndex,
    authority_names,
    name_keys,
    normalise,
    transliterate_ru,
)

ROOT = Path(__file__).resolve().parent.parent
AUTHORITY = ROOT / "people" / "data" / "authority.json"
SEEDS = ROOT / "seeds"


@pytest.fixture(autouse=True)
def _plain_static_storage():
    # Shadows the Django-settings fixture of conftest.py: these tests need no Django.
    yield


@cache
def authority() -> dict:
    return json.loads(AUTHORITY.read_text(encoding="utf-8"))


@cache
def people() -> NameIndex:
    # Record ids by position, as a small stand-in for database primary keys.
    return NameIndex((i, authority_names(r)) for i, r in enumerate(authority()["people"]))


@cache
def organizations() -> NameIndex:
    records = authority()["organizations"]
    return NameIndex(((i, authority_names(r)) for i, r in enumerate(records)), person=False)


def pid(slug: str) -> int:
    return next(i for i, r in enumerate(authority()["people"]) if r["slug"] == slug)


def oid(slug: str) -> int:
    return next(i for i, r in enumerate(authority()["organizations"]) if r["slug"] == slug)


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


# -- normalise / transliterate_ru / name_keys ---------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Cde. MOLOTOV", "molotov"),
        ("To Comrade Vyshinsky", "to vyshinsky"),
        ("Т. т. Булганину", "булганину"),
        ("тов. Вышинскому", "вышинскому"),
        ("товарищ Хрущёв", "хрущев"),
        ("Т.Ф. Штыков", "т ф штыков"),  # an initial Т., not the title
        ("Mr. Ambassador Harriman", "harriman"),
        ("Generalissimo Stalin", "stalin"),
        ("Władysław Gomułka", "wladyslaw gomulka"),
        ("Nicolae Ceaușescu", "nicolae ceausescu"),
        ("Hồ Chí Minh", "ho chi minh"),
        ("Pak Heon–yeong", "pak heon yeong"),  # en dash
        ("Korean Workers’ Party", "korean workers party"),
        ("Liu Shao-ch'i", "liu shao chi"),
        ("  A.A.   Gromyko ", "a a gromyko"),
        ("ВКП(б)", "вкп б"),
        ("김일성", "김일성"),
        ("毛泽东", "毛泽东"),
        ("Й", "й"),  # the breve of й is not an accent to strip
        ("ГPOMЫKO", "громыко"),  # OCR put Latin P, O, K into a Cyrillic word
        ("", ""),
        ("...", ""),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [
        ("Громыко", "Gromyko"),
        ("Вышинский", "Vyshinsky"),
        ("Андрей Андреевич", "Andrey Andreyevich"),
        ("Хрущёв", "Khrushchev"),
        ("Щербаков", "Shcherbakov"),
        ("ЖДАНОВ", "ZHDANOV"),
        ("Ким Ир Сен", "Kim Ir Sen"),
        ("Ельцин", "Yeltsin"),
        ("Gromyko 1950", "Gromyko 1950"),
    ],
)
def test_transliterate_ru(cyrillic: str, latin: str) -> None:
    assert transliterate_ru(cyrillic) == latin


def test_name_keys_relate_the_forms_of_one_name() -> None:
    full = name_keys("Andrei Andreyevich Gromyko")
    assert {"andrei andreyevich gromyko", "andrei gromyko", "gromyko andrei andreyevich"} <= full
    assert {"a a gromyko", "gromyko a a", "a gromyko", "gromyko"} <= full
    assert name_keys("A.A. Gromyko") & name_keys("Gromyko A.A.") >= {"a a gromyko", "gromyko a a"}
    assert "gorchakov a i" in name_keys("A.I. Gorchakov")
    assert "a i gorchakov" in name_keys("Gorchakov A.I.")
    assert {"громыко", "gromyko"} <= name_keys("А.А. Громыко")  # Cyrillic and its transliteration
    # East Asian order: the surname comes first, syllables may be joined.
    assert {"kim il sung", "kim ilsung", "kim"} <= name_keys("Kim Il-sung")
    assert "sung" not in name_keys("Kim Il-sung")
    assert {"de gaulle", "gaulle"} <= name_keys("Charles de Gaulle")
    # Organizations get no surname: "Commission" must not stand for a commission.
    assert name_keys("Far Eastern Commission", person=False) == {"far eastern commission"}


# -- match: the brief's cases -------------------------------------------------


@pytest.mark.parametrize(
    "variant",
    ["Gromyko", "A. GROMYKO", "A.A. Gromyko", "Громыко", "Громико", "А. ГРОМЫКО", "ГРОМЫКО"],
)
def test_gromyko_in_every_form(variant: str) -> None:
    # "Громыко" is also its own dative: the surname does not decline.
    assert people().match(variant) == pid("andrei-gromyko")


@pytest.mark.parametrize(
    ("variant", "slug"),
    [
        ("Molotov", "vyacheslav-molotov"),
        ("Молотову", "vyacheslav-molotov"),
        ("V. M. Molotov", "vyacheslav-molotov"),
        ("Cde. MOLOTOV", "vyacheslav-molotov"),
        ("Bulganin", "nikolai-bulganin"),
        ("Булганину", "nikolai-bulganin"),
        ("Vyshinsky", "andrei-vyshinsky"),
        ("ВЫШНСКОМУ", "andrei-vyshinsky"),  # dative and a dropped letter
        ("Вышинскому", "andrei-vyshinsky"),
        ("тов. Вышинскому", "andrei-vyshinsky"),
        ("Stalin", "joseph-stalin"),
        ("STALIN", "joseph-stalin"),
        ("Сталин", "joseph-stalin"),
        ("Сталину", "joseph-stalin"),
        ("Сталиным", "joseph-stalin"),
        ("Gorchakov A.I.", "a-i-gorchakov"),
        ("Brezhnev L.I.", "leonid-brezhnev"),
        ("Брежневым", "leonid-brezhnev"),
        ("V.I. Lenin", "vladimir-lenin"),
        ("Poskrebyshev", "alexander-poskrebyshev"),
        ("Gromyko, Andrei", "andrei-gromyko"),
        ("Громыко Андрей Андреевич", "andrei-gromyko"),
        ("Хрущеву", "nikita-khrushchev"),
        ("Берии", "lavrentiy-beria"),
        ("Ким Ир Сену", "kim-il-sung"),
        ("Kim Il-sung", "kim-il-sung"),
        ("Kim Ilsung", "kim-il-sung"),
        ("Мао Цзэдуну", "mao-zedong"),
        ("Mao Tse-tung", "mao-zedong"),
        ("Chairman Mao", "mao-zedong"),
        ("Чжоу Эньлаем", "zhou-enlai"),
        ("Chou En-lai", "zhou-enlai"),
        ("周恩來", "zhou-enlai"),
        ("Rhee Syngman", "syngman-rhee"),
        ("이승만", "syngman-rhee"),
        ("Shiina", "shiina-etsusaburo"),
        ("Etsusaburo Shiina", "shiina-etsusaburo"),
        ("Harriman", "w-averell-harriman"),
        ("Gary Goldberg", "gary-goldberg"),
        ("Sergei Radchenko", "sergey-radchenko"),
        ("Gomulka", "wladyslaw-gomulka"),
        ("Фурцевой", "ekaterina-furtseva"),
    ],
)
def test_match(variant: str, slug: str) -> None:
    assert people().match(variant) == pid(slug)


HEON = ["Pak Heon-yeong", "Pak Hon Yong", "Pak Hŏn-yŏng", "Пак Хен Ен", "Пак Хен Ена", "박헌영"]
SEONG = ["Pak Seong-cheol", "Pak Song Chol", "Pak Sŏng-ch'ŏl", "Пак Сон Чер", "박성철"]


@pytest.mark.parametrize("variant", HEON)
def test_pak_heon_yeong(variant: str) -> None:
    assert people().match(variant) == pid("pak-heon-yeong")


@pytest.mark.parametrize("variant", SEONG)
def test_pak_seong_cheol(variant: str) -> None:
    assert people().match(variant) == pid("pak-seong-cheol")


@pytest.mark.parametrize(
    ("variant", "other"),
    [(v, "pak-seong-cheol") for v in HEON]
    + [(v, "pak-heon-yeong") for v in SEONG]
    # One letter off: no edit distance in words this short may bridge the two.
    + [(v, "pak-seong-cheol") for v in ("Pak Hon Yang", "Pak Heon-yeon", "Pak Song Yong")]
    + [(v, "pak-heon-yeong") for v in ("Pak Sng Chol", "Pak Seong-cheoll", "Pak Hong Chol")],
)
def test_the_two_paks_are_never_confused(variant: str, other: str) -> None:
    assert people().match(variant) != pid(other)


@pytest.mark.parametrize("surname", ["Pak", "Пак", "Kim", "Ким", "Kennedy", "Dulles", "Chen"])
def test_a_surname_shared_by_two_records_matches_none(surname: str) -> None:
    assert people().match(surname) is None


def test_a_surname_alone_matches_when_only_one_record_has_it() -> None:
    assert people().match("Molotov") == pid("vyacheslav-molotov")
    assert people().match("Nagy") == pid("imre-nagy")


@pytest.mark.parametrize("name", ["", "   ", "Cde.", "Zorim", "Kin", "Gromyko Ivan", "Andrei"])
def test_no_match_for_what_names_no_single_record(name: str) -> None:
    # "Zorim": a slip in a five-letter word is not corrected; "Andrei": given names alone
    # are not keys.
    assert people().match(name) is None


def test_ocr_slips_are_bridged_only_when_unambiguous() -> None:
    index = NameIndex([(1, ["Ivan Petrovsky"]), (2, ["Ivan Petrovskii"])])
    assert index.match("Petrovskiy") is None  # one edit from both
    assert index.match("Petrovsky") == 1
    single = NameIndex([(1, ["Ivan Petrovsky"])])
    assert single.match("Petrovskj") == 1
    assert single.match("Petrovskaja") is None  # two edits


def test_organizations_match_by_name_abbreviation_and_native_script() -> None:
    orgs = organizations()
    fec = oid("far-eastern-commission")
    for variant in ("Far Eastern Commission", "Far East Commission", "FEC", "ДВК", "DVK"):
        assert orgs.match(variant) == fec, variant
    assert orgs.match("Дальневосточной Комиссии") == fec
    kwp = oid("workers-party-of-korea")
    for variant in ("Korean Workers' Party", "KWP", "Трудовая партия Кореи", "조선로동당"):
        assert orgs.match(variant) == kwp, variant
    assert orgs.match("Трудовой партии Кореи") == kwp
    assert orgs.match("КНДР") == oid("dprk")
    assert orgs.match("Korean People's Democratic Republic") == oid("dprk")
    assert orgs.match("ВКП(б)") == oid("cpsu")
    assert orgs.match("Commission") is None
    assert orgs.match("Party") is None


def test_add_grows_the_index_during_an_import() -> None:
    index = NameIndex((i, authority_names(r)) for i, r in enumerate(authority()["people"]))
    assert index.match("Putivets A.D.") is None
    index.add(10_000, ["A. D. Putivets"])
    assert index.match("Putivets A.D.") == 10_000
    # Cyrillic meets Latin through the transliteration of either.
    assert index.match("Путивец") == 10_000
    assert index.match("Путивцу") is None  # no Cyrillic form known yet to decline
    index.add(10_000, ["Путивец"])
    assert index.match("Путивцу") == 10_000  # with its fleeting vowel restored
    index.add(10_001, ["Boris Putivets"])
    assert index.match("Putivets") is None  # now two records have the surname


# -- candidates ------------------------------------------------------------------


def test_candidates_rank_the_closest_records_first() -> None:
    found = people().candidates("Громико Андрей")
    assert found and found[0].id == pid("andrei-gromyko")
    assert all(isinstance(c, Candidate) and 0.0 <= c.score <= 1.0 for c in found)
    assert [c.score for c in found] == sorted((c.score for c in found), reverse=True)
    assert len(people().candidates("Molotov", limit=3)) <= 3
    assert people().candidates("Molotov", limit=0) == []
    top = people().candidates("Molotov")[0]
    assert (top.id, top.name, top.score) == (pid("vyacheslav-molotov"), "Vyacheslav Molotov", 1.0)


def test_candidates_offer_both_records_of_an_ambiguous_name() -> None:
    ids = {c.id for c in people().candidates("Pak", limit=10)}
    assert {pid("pak-heon-yeong"), pid("pak-seong-cheol")} <= ids
    assert people().candidates("") == []


# -- find_mentions ---------------------------------------------------------------


def mentioned(index: NameIndex, text: str, records: list[dict]) -> set[str]:
    return {records[rid]["slug"] for rid, _ in index.find_mentions(text)}


def people_in(text: str) -> set[str]:
    return mentioned(people(), text, authority()["people"])


def organizations_in(text: str) -> set[str]:
    return mentioned(organizations(), text, authority()["organizations"])


@pytest.mark.parametrize(
    ("prefix", "expected_people", "expected_organizations"),
    [
        (
            "000",
            {
                "andrei-gromyko",
                "vyacheslav-molotov",
                "joseph-stalin",
                "andrei-vyshinsky",
                "nikolai-bulganin",
                "pak-heon-yeong",
            },
            {"far-eastern-commission", "dprk", "usa", "ussr-mfa", "un-general-assembly"},
        ),
        (
            "001",
            {"joseph-stalin", "vyacheslav-molotov", "w-averell-harriman"},
            {"far-eastern-commission", "blavatnik-family-foundation", "rgaspi"},
        ),
        (
            "002",
            {
                "andrei-gromyko",
                "pak-seong-cheol",
                "leonid-brezhnev",
                "vladimir-lenin",
                "park-chung-hee",
            },
            {"cpsu", "workers-party-of-korea", "dprk", "ussr", "unesco", "icrc"},
        ),
    ],
)
def test_find_mentions_on_the_seeds(
    prefix: str, expected_people: set[str], expected_organizations: set[str]
) -> None:
    text = seed(prefix)
    assert expected_people <= people_in(text)
    assert expected_organizations <= organizations_in(text)


def test_the_seeds_do_not_mix_up_the_two_paks() -> None:
    assert "pak-seong-cheol" not in people_in(seed("000"))
    assert "pak-heon-yeong" not in people_in(seed("002"))


def test_mentions_report_the_span_as_written() -> None:
    spans = {span for _, span in people().find_mentions(seed("000"))}
    assert {"Булганину", "Молотову", "Вышинскому", "Пак Хен Ена", "А. ГРОМЫКО"} <= spans
    assert {"Pak Heon-yeong", "Pak Hon Yong"} <= spans
    spans = {span for _, span in people().find_mentions(seed("002"))}
    assert {"Gorchakov A.I.", "Brezhnev L.I.", "V.I. Lenin", "A.A. Gromyko"} <= spans
    spans = {span for _, span in organizations().find_mentions(seed("000"))}
    assert {"ДВК", "DVK", "КНДР", "Far Eastern Commission", "Дальневосточной Комиссии"} <= spans


def test_mentions_are_word_bounded_and_mind_the_case_of_short_abbreviations() -> None:
    assert people_in("They rush to judgement; the trusk and Ruskin are no one.") == set()
    assert people_in("Secretary Rusk arrived.") == {"dean-rusk"}
    assert people_in("a nagy ember") == set()  # Hungarian "big", lower case
    assert organizations_in("Tell us about it.") == set()
    assert organizations_in("Tell US about it.") == {"usa"}
    assert organizations_in("the un-named fec") == set()
    assert organizations_in("the UN and the FEC") == {"united-nations", "far-eastern-commission"}


def test_institutions_named_after_people_are_not_the_people() -> None:
    text = "Wilson Center, MacArthur Foundation, the Marshall Plan and the Stalin Prize."
    assert people_in(text) == set()
    assert people_in("Marshall said so.") == {"george-c-marshall"}


def test_ambiguous_spans_are_skipped_in_free_text() -> None:
    assert people_in("Kim said that Pak and Chen agreed.") == set()
    assert people_in("Kim Il Sung's speech") == {"kim-il-sung"}


def test_mentions_follow_the_index_as_it_grows() -> None:
    # Words of free texts are remembered between texts; a new record's words must still count.
    index = NameIndex([(1, ["Vyacheslav Molotov"])])
    text = "Putivets met Molotov. Putivets's report (Путивцу) reached the Putivets group."
    assert [rid for rid, _ in index.find_mentions(text)] == [1]
    index.add(2, ["A. D. Putivets", "Путивец"])
    assert index.find_mentions(text) == [(2, "Putivets"), (1, "Molotov"), (2, "Путивцу")]
    # Another index reading the same text (organizations after people) sees its own words.
    organizations = NameIndex([(7, ["Putivets Group"])], person=False)
    assert organizations.find_mentions(text) == [(7, "Putivets group")]
    index.add(3, ["Boris Putivets"])  # now the surname could be either
    assert index.find_mentions(text) == [(1, "Molotov"), (2, "Путивцу")]


def test_cjk_mentions_are_found_inside_unspaced_text() -> None:
    assert {"mao-zedong", "zhou-enlai"} <= people_in("毛泽东同志和周恩来总理会见了金日成。")
    assert "kim-il-sung" in people_in("김일성은 말했다")


PROSE = """
The committee met on Tuesday to consider the draft. After a long discussion about the
harvest, the weather and the railway timetable, the members agreed to postpone the vote
until the next session. Nobody objected; the chairman thanked everyone and the meeting
closed at six. Several delegates raised questions of procedure, budget and transport.

Комиссия собралась во вторник, чтобы рассмотреть проект решения. После долгого
обсуждения урожая, погоды и расписания поездов участники согласились отложить
голосование до следующего заседания. Никто не возражал; председатель поблагодарил
всех, и заседание закрылось в шесть часов. Того же мнения держались и другие.
"""


def test_ordinary_prose_mentions_no_one_and_nothing() -> None:
    assert people().find_mentions(PROSE) == []
    assert organizations().find_mentions(PROSE) == []


def test_find_mentions_handles_empty_and_odd_text() -> None:
    assert people().find_mentions("") == []
    assert people().find_mentions("()[]{} — … 1950 ** __") == []


# -- robustness ------------------------------------------------------------------

ANY_TEXT = st.text(
    alphabet=st.sampled_from(
        list("AaÁbKkMmOoPpUuSs .,;:-–'’()[]\n0")
        + list("АаБбВвГгДдЕеЁёЖжЙйКкМмОоПпРрСсТтУуЫыЬь")
        + list("김일성박헌영毛泽东周恩来")
    )
    | st.characters(),
    max_size=120,
)


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_nothing_raises_on_arbitrary_text(text: str) -> None:
    assert isinstance(normalise(text), str)
    assert isinstance(transliterate_ru(text), str)
    assert isinstance(name_keys(text), set)
    assert isinstance(name_keys(text, person=False), set)
    found = people().match(text)
    assert found is None or isinstance(found, int)
    assert organizations().match(text) is None or True
    for rid, span in people().find_mentions(text):
        assert isinstance(rid, int) and span and span in text
    for candidate in people().candidates(text, limit=3):
        assert 0.0 <= candidate.score <= 1.0


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["Molotov", "Громико", "Pak", "Kim", "ДВК", ",", "the"]), max_size=40)
)
def test_nothing_raises_on_runs_of_names(words: list[str]) -> None:
    text = " ".join(words)
    people().find_mentions(text)
    organizations().find_mentions(text)
    people().match(text)
