"""The mixed workload of `python -m bench.load`: locust users on a catalogue.

Paths come from the JSON file named by LOAD_PATHS ({"search": [...], "document": [...],
"person": [...], "json": [...]}), written by bench/load.py from the database itself.
Weights: searches with facets 4, document pages 3, person pages 2, JSON 1.
"""

from __future__ import annotations

import json
import os
import random

from locust import HttpUser, between, task

PATHS = json.loads(open(os.environ["LOAD_PATHS"], encoding="utf-8").read())  # noqa: SIM115


class Reader(HttpUser):
    # A researcher reads for a moment between pages.
    wait_time = between(0.5, 1.5)

    def _get(self, kind: str) -> None:
        path = random.choice(PATHS[kind])
        self.client.get(path, name=kind)

    @task(4)
    def search(self) -> None:
        self._get("search")

    @task(3)
    def document(self) -> None:
        self._get("document")

    @task(2)
    def person(self) -> None:
        self._get("person")

    @task(1)
    def json_search(self) -> None:
        self._get("json")
