"""Add the starter authority's new entries to the database; never changes curated records."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from people.authority import load_authority
from people.models import Organization, OrganizationName, Person, PersonName


class Command(BaseCommand):
    help = "Load people/data/authority.json: adds missing people, organizations and variants."

    def handle(self, *args, **options) -> None:
        with transaction.atomic():
            counts = load_authority(
                person_model=Person,
                person_name_model=PersonName,
                organization_model=Organization,
                organization_name_model=OrganizationName,
            )
        self.stdout.write(
            f"added {counts['people']} people, {counts['organizations']} organizations, "
            f"{counts['variants']} variants"
        )
