"""bench.run's choice of requests per round: what each timed round asks."""

from __future__ import annotations

from bench.run import DOCUMENTS_PER_ROUND, asked_in_round


def test_every_round_asks_new_documents_none_of_them_the_warm_ups():
    entries = [(str(i), f"/documents/{i}/", f"/db/documents/{i}") for i in range(1 + 5 * 4)]
    warm_up = asked_in_round("document", entries, -1)
    rounds = [asked_in_round("document", entries, r) for r in range(4)]
    asked = [entry for round_ in rounds for entry in round_]
    assert warm_up == entries[:1]
    assert all(len(round_) == DOCUMENTS_PER_ROUND for round_ in rounds)
    assert len(set(asked)) == len(asked) == 4 * DOCUMENTS_PER_ROUND
    assert entries[0] not in asked


def test_more_rounds_than_documents_come_round_again():
    entries = [(str(i), f"/documents/{i}/", None) for i in range(3)]
    assert [e[0] for e in asked_in_round("document", entries, 1)] == ["0", "1", "2", "0", "1"]


def test_other_classes_ask_one_request_a_round_the_warm_ups_first():
    entries = [("a", "/documents/?q=a", ""), ("b", "/documents/?q=b", "")]
    assert asked_in_round("rare", entries, -1) == asked_in_round("rare", entries, 0) == entries[:1]
    assert asked_in_round("rare", entries, 1) == entries[1:]
    assert asked_in_round("rare", entries, 2) == entries[:1]
