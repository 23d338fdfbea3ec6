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
WEIGHTS = {"search": 4, "document": 3, "person": 2, "json": 1}


class Reader(HttpUser):
    # A researcher reads for a moment between pages.
    wait_time = between(0.5, 1.5)

    @task
    def read(self) -> None:
        kind = random.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        self.client.get(random.choice(PATHS[kind]), name=kind)
