"""The starter authority shipped in people/data/authority.json.

Loaded by a data migration (so every new database has it) and by
`manage.py load_authority` (to take up entries added to the file later). The
load only adds: it never changes or removes what a curator edited.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from people.models import variant_key, variant_keys

AUTHORITY_FILE = Path(__file__).resolve().parent / "data" / "authority.json"


def read_authority(path: Path = AUTHORITY_FILE) -> dict[str, list[dict[str, Any]]]:
    with path.open(encoding="utf-8") as handle:
        return json.load(handle)


def _sort_name(name: str) -> str:
    parts = name.split()
    return f"{parts[-1]}, {' '.join(parts[:-1])}" if len(parts) > 1 else name


def _add_variants(variant_model, owner_field: str, owner, variants: list[dict[str, str]]) -> int:
    known = set(
        variant_model._default_manager.filter(**{owner_field: owner}).values_list(
            "name_key", flat=True
        )
    )
    # A migration passes the model as it was then, which may lack the later keys
    # (people 0005 fills those for the rows it finds).
    fields = {field.name for field in variant_model._meta.get_fields()}
    new = []
    for variant in variants:
        if variant_key(variant["name"]) in known:
            continue
        known.add(variant_key(variant["name"]))
        keys = {k: v for k, v in variant_keys(variant["name"]).items() if k in fields}
        new.append(
            variant_model(
                **{owner_field: owner},
                name=variant["name"],
                **keys,
                language=variant.get("language", ""),
                kind=variant.get("kind", "alias"),
            )
        )
    variant_model._default_manager.bulk_create(new)
    return len(new)


def load_authority(
    *, person_model, person_name_model, organization_model, organization_name_model, data=None
) -> dict[str, int]:
    """Add the file's people, organizations and variants that the database lacks.

    Takes the models as arguments so that a migration can pass its historical ones.
    """
    data = data if data is not None else read_authority()
    counts = {"people": 0, "organizations": 0, "variants": 0}
    for entry in data.get("people", []):
        person, created = person_model._default_manager.get_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "sort_name": entry.get("sort_name") or _sort_name(entry["name"]),
                "description": entry.get("description") or "",
                "birth_year": entry.get("birth_year"),
                "death_year": entry.get("death_year"),
            },
        )
        counts["people"] += created
        counts["variants"] += _add_variants(
            person_name_model, "person", person, entry.get("variants", [])
        )
    by_slug = {}
    for entry in data.get("organizations", []):
        organization, created = organization_model._default_manager.get_or_create(
            slug=entry["slug"],
            defaults={
                "name": entry["name"],
                "abbreviation": entry.get("abbreviation") or "",
                "kind": entry.get("kind") or "other",
                "description": entry.get("description") or "",
            },
        )
        by_slug[entry["slug"]] = (organization, created)
        counts["organizations"] += created
        counts["variants"] += _add_variants(
            organization_name_model, "organization", organization, entry.get("variants", [])
        )
    for entry in data.get("organizations", []):
        organization, created = by_slug[entry["slug"]]
        parent = by_slug.get(entry.get("parent") or "")
        if created and parent:
            organization.parent = parent[0]
            organization.save(update_fields=["parent"])
    return counts
