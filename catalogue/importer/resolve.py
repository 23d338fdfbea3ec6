"""Resolve the names a parsed page holds to Person / Organization records.

The whole authority is held in memory (people.names.NameIndex), so that a
batch of thousands of files costs no query per name. Unknown names become new
records flagged for review and join the index at once, so the next file finds
them; a curator's variants are in the index from the next run on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from catalogue.importer.parse import ParsedDocument
from catalogue.models import OrganizationRole, PersonRole
from people.models import Organization, OrganizationName, Person, PersonName, variant_key
from people.names import NameIndex

# A person named in several ways keeps the most telling role; "mentioned" only
# when nothing else is known of them in this document.
PERSON_ROLES = {choice.value for choice in PersonRole}
ORGANIZATION_ROLES = {choice.value for choice in OrganizationRole}


@dataclass
class Resolution:
    people: list[tuple[int, str]] = field(default_factory=list)  # (person id, role)
    organizations: list[tuple[int, str]] = field(default_factory=list)
    translators: list[int] = field(default_factory=list)

    def add_person(self, person_id: int, role: str) -> None:
        if (person_id, role) not in self.people:
            self.people.append((person_id, role))

    def add_organization(self, organization_id: int, role: str) -> None:
        if (organization_id, role) not in self.organizations:
            self.organizations.append((organization_id, role))


def _person_entries() -> Iterable[tuple[int, list[str]]]:
    names: dict[int, list[str]] = {}
    for pk, name in Person.objects.values_list("pk", "name"):
        names[pk] = [name]
    for person_id, name in PersonName.objects.values_list("person_id", "name"):
        names.setdefault(person_id, []).append(name)
    return names.items()


def _organization_entries() -> Iterable[tuple[int, list[str]]]:
    names: dict[int, list[str]] = {}
    for pk, name, abbreviation in Organization.objects.values_list("pk", "name", "abbreviation"):
        names[pk] = [name, abbreviation] if abbreviation else [name]
    for organization_id, name in OrganizationName.objects.values_list("organization_id", "name"):
        names.setdefault(organization_id, []).append(name)
    return names.items()


class Resolver:
    """Matches names against the authority; create() adds what it does not know."""

    def __init__(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Rebuild the indexes from the database (after a rolled-back file, say)."""
        self.people = NameIndex(_person_entries())
        self.organizations = NameIndex(_organization_entries(), person=False)

    def person(self, name: str, variants: Iterable[str] = (), *, create: bool = True) -> int | None:
        for candidate in (name, *variants):
            found = self.people.match(candidate)
            if found is not None:
                return found
        if not create or not _plausible_name(name):
            return None
        person = Person.objects.create(name=name.strip(), needs_review=True)
        extra = [v for v in dict.fromkeys(variants) if v.casefold() != name.casefold()]
        PersonName.objects.bulk_create(
            PersonName(person=person, name=v, name_key=variant_key(v)) for v in extra
        )
        self.people.add(person.pk, [person.name, *extra])
        return person.pk

    def organization(self, name: str, *, create: bool = True) -> int | None:
        found = self.organizations.match(name)
        if found is not None or not create or not _plausible_name(name):
            return found
        organization = Organization.objects.create(name=name.strip(), needs_review=True)
        self.organizations.add(organization.pk, [organization.name])
        return organization.pk

    def resolve(self, parsed: ParsedDocument) -> Resolution:
        result = Resolution()
        for found in parsed.names:
            if found.kind == "organization":
                role = found.role if found.role in ORGANIZATION_ROLES else "mentioned"
                organization_id = self.organization(found.name)
                if organization_id is not None:
                    result.add_organization(organization_id, role)
                continue
            role = found.role if found.role in PERSON_ROLES else "mentioned"
            person_id = self.person(found.name, found.variants)
            if person_id is not None:
                result.add_person(person_id, role)
        for name in parsed.translators:
            person_id = self.person(name)
            if person_id is not None:
                result.add_person(person_id, PersonRole.TRANSLATOR)
                result.translators.append(person_id)
        for name in parsed.contributors:
            person_id = self.person(name)
            if person_id is not None:
                result.add_person(person_id, PersonRole.CONTRIBUTOR)
        for name in parsed.funders:
            organization_id = self.organization(name)
            if organization_id is not None:
                result.add_organization(organization_id, OrganizationRole.FUNDER)

        # Mentions in the free text: only records the authority already knows.
        text = "\n".join(
            part for part in (parsed.title, parsed.summary, *(t.text for t in parsed.texts)) if part
        )
        named_people = {pk for pk, _ in result.people}
        for person_id, _span in self.people.find_mentions(text):
            if person_id not in named_people:
                named_people.add(person_id)
                result.add_person(person_id, PersonRole.MENTIONED)
        named_organizations = {pk for pk, _ in result.organizations}
        for organization_id, _span in self.organizations.find_mentions(text):
            if organization_id not in named_organizations:
                named_organizations.add(organization_id)
                result.add_organization(organization_id, OrganizationRole.MENTIONED)
        return result


def _plausible_name(name: str) -> bool:
    """Guards the authority against junk the parser let through."""
    stripped = name.strip()
    return 2 <= len(stripped) <= 120 and any(ch.isalpha() for ch in stripped)
