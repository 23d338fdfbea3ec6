"""Resolve the names a parsed page holds to Person / Organization records.

The whole authority is held in memory (people.names.NameIndex), so that a
batch of thousands of files costs no query per name. Unknown names become new
records flagged for review and join the index at once, so the next file finds
them; a curator's variants are in the index from the next run on. A name that could be
any of several records gets one flagged record per spelling, found again by every
later page and run (`Resolver.person`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalogue.importer.parse import ParsedDocument
from catalogue.models import OrganizationRole, PersonRole
from people.models import Organization, OrganizationName, Person, PersonName, variant_keys
from people.names import _HOMOGLYPHS, NameIndex, _fold, normalise

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


def _person_entries(flagged: dict[str, int]) -> Iterable[tuple[int, list[str]]]:
    """(id, names) of every person; `flagged` gets {spelling: id} of those awaiting review."""
    names: dict[int, list[str]] = {}
    people = Person.objects.order_by("pk").values_list("pk", "name", "needs_review")
    for pk, name, needs_review in people:
        names[pk] = [name]
        if needs_review:
            flagged.setdefault(normalise(name), pk)
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
        # Set by snapshot(): the last ids a copy of the indexes made then knows.
        self._since: tuple[int, int] | None = None
        # Records created since the snapshot, in order: ("person" | "organization", id, names).
        self.created: list[tuple[str, int, list[str]]] = []
        # How many of `created` the copies know too (`searched_here`).
        self._shared = 0
        # Counts reloads: a copy made before the last one may know records rolled back since.
        self.generation = 0
        self.reload()

    def reload(self) -> None:
        """Rebuild the indexes from the database (after a rolled-back file, say)."""
        # {normalised spelling: id} of the people awaiting review (the oldest of a spelling).
        self.flagged: dict[str, int] = {}
        people, organizations = list(_person_entries(self.flagged)), list(_organization_entries())
        self.people = NameIndex(people)
        self.organizations = NameIndex(organizations, person=False)
        self.generation += 1
        if self._since is not None:
            last_person, last_organization = self._since
            self.created = [("person", pk, names) for pk, names in people if pk > last_person]
            self.created += [
                ("organization", pk, names) for pk, names in organizations if pk > last_organization
            ]
            self._shared = 0
            self._index_unshared()

    def snapshot(self) -> None:
        """Mark the authority as it is now, for copies of this resolver in worker processes.

        A worker finds mentions of the records known at this point (`mentions`), and
        of those it is handed later (`learn`); `resolve` searches a text again here, in
        the whole index, when it may name a record the worker was not handed.
        """
        self._since = (
            max(self.people._display, default=0),
            max(self.organizations._display, default=0),
        )
        self.created = []
        self._shared = 0
        self._index_unshared()

    def searched_here(self, shared: int) -> None:
        """The copies also know the first `shared` records of `created` (they were handed
        them, see `learn`): only texts that may name one of the others are searched again."""
        if shared != self._shared:
            self._shared = shared
            self._index_unshared()

    def _index_unshared(self) -> None:
        unshared = self.created[self._shared :]
        self.new_people = _NewRecords((pk, n) for kind, pk, n in unshared if kind == "person")
        self.new_organizations = _NewRecords(
            ((pk, n) for kind, pk, n in unshared if kind == "organization"), person=False
        )

    def learn(self, created: list[tuple[str, int, list[str]]]) -> None:
        """In a copy: add records its original created since the snapshot (`created`, which
        only grows between snapshots); those already added are skipped."""
        for kind, pk, names in created[len(self.created) :]:
            (self.people if kind == "person" else self.organizations).add(pk, names)
            self.created.append((kind, pk, names))

    def _created_record(self, kind: str, pk: int, names: list[str]) -> None:
        if self._since is not None:
            self.created.append((kind, pk, names))
            index = self.new_people if kind == "person" else self.new_organizations
            index.add(pk, names)

    def mentions(self, parsed: ParsedDocument) -> tuple[list[int], list[int]]:
        """Ids of the people and organizations the page's free text mentions, in order."""
        text = _free_text(parsed)
        return _ids(self.people.find_mentions(text)), _ids(self.organizations.find_mentions(text))

    def person(self, name: str, variants: Iterable[str] = (), *, create: bool = True) -> int | None:
        for candidate in (name, *variants):
            found = self.people.match(candidate)
            if found is not None:
                return found
        if not create or not _plausible_name(name):
            return None
        spelling = normalise(name)
        if self._ambiguous(name, variants):
            # "KENNEDY" could be John F. or Robert F. Kennedy: the page keeps its link to one
            # record awaiting review, the same for every page and run that spells the name so
            # (a new record each time would make the name only more ambiguous, and leave
            # curators a merge per page). Merged into the right person, it takes all of
            # those pages' links at once; left out, the links would be lost.
            flagged = self.flagged.get(spelling)
            if flagged is not None:
                return flagged
        person = Person.objects.create(name=name.strip(), needs_review=True)
        extra = [v for v in dict.fromkeys(variants) if v.casefold() != name.casefold()]
        PersonName.objects.bulk_create(
            PersonName(person=person, name=v, **variant_keys(v)) for v in extra
        )
        self.people.add(person.pk, [person.name, *extra])
        self.flagged.setdefault(spelling, person.pk)
        self._created_record("person", person.pk, [person.name, *extra])
        return person.pk

    def _ambiguous(self, name: str, variants: Iterable[str]) -> bool:
        """Could the name (or a variant) be more than one record? (`match` says only "not one".)"""
        return any(len(self.people._resolve(c)[0]) > 1 for c in (name, *variants))

    def organization(self, name: str, *, create: bool = True) -> int | None:
        found = self.organizations.match(name)
        if found is not None or not create or not _plausible_name(name):
            return found
        organization = Organization.objects.create(name=name.strip(), needs_review=True)
        self.organizations.add(organization.pk, [organization.name])
        self._created_record("organization", organization.pk, [organization.name])
        return organization.pk

    def resolve(
        self, parsed: ParsedDocument, mentions: tuple[list[int], list[int]] | None = None
    ) -> Resolution:
        """Records for the names on the page; `mentions` as a snapshot's `mentions()` gave them."""
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
        if mentions is None:
            mentioned_people, mentioned_organizations = self.mentions(parsed)
        else:
            # Found by a copy that lacks the records created since it was handed the
            # batch: what it found stands unless one of those may be named in the text.
            # Then the text is searched again here, in the whole index: a new record is
            # matched only as the longest name and only where unambiguous, as it would be
            # with no copy at all ("Ji Pengfei" is not the new record "PENGFEI").
            text = _free_text(parsed)
            mentioned_people, mentioned_organizations = mentions
            if self.new_people.may_be_named(text):
                mentioned_people = _ids(self.people.find_mentions(text))
            if self.new_organizations.may_be_named(text):
                mentioned_organizations = _ids(self.organizations.find_mentions(text))
        named_people = {pk for pk, _ in result.people}
        for person_id in mentioned_people:
            if person_id not in named_people:
                named_people.add(person_id)
                result.add_person(person_id, PersonRole.MENTIONED)
        named_organizations = {pk for pk, _ in result.organizations}
        for organization_id in mentioned_organizations:
            if organization_id not in named_organizations:
                named_organizations.add(organization_id)
                result.add_organization(organization_id, OrganizationRole.MENTIONED)
        return result


def _plausible_name(name: str) -> bool:
    """Guards the authority against junk the parser let through."""
    stripped = name.strip()
    return 2 <= len(stripped) <= 120 and any(ch.isalpha() for ch in stripped)


class _NewRecords:
    """Records created since a snapshot: which texts may name one of them.

    A rough test, but one that never misses: a text may name a record only when it holds,
    for one of the keys the index finds the record's mentions by, the most telling word
    of that key — as written, or for a Russian word (whose ending inflection changes)
    its first letters but the last two. Most texts hold none, and keep what a copy of
    the index without these records found in them.
    """

    def __init__(self, entries: Iterable[tuple[int, list[str]]] = (), *, person: bool = True):
        self.person = person
        self.needles: set[str] = set()  # in the folded text
        self.cyrillic_needles: set[str] = set()  # in the folded text, look-alikes Cyrillic
        self.cjk_needles: set[str] = set()  # in the text as written
        for record_id, names in entries:
            self.add(record_id, names)

    def add(self, record_id: int, names: list[str]) -> None:
        # The keys the whole index takes the record's mentions by, as it builds them.
        own = NameIndex([(record_id, names)], person=self.person)
        for key in own._mentions:
            needle = max((_needle(word) for word in key.split()), key=len)
            if _CYRILLIC.search(needle):
                self.cyrillic_needles.add(needle)
            else:
                self.needles.add(needle)
        self.cjk_needles.update(own._cjk)

    def may_be_named(self, text: str) -> bool:
        if not (self.needles or self.cyrillic_needles or self.cjk_needles):
            return False
        if any(needle in text for needle in self.cjk_needles):
            return True
        folded = _fold(text)
        if any(needle in folded for needle in self.needles):
            return True
        if self.cyrillic_needles:
            # OCR puts Latin look-alikes in Russian words (ГPOMЫKO): the index reads them
            # as Cyrillic letters.
            folded = folded.translate(_HOMOGLYPHS)
            return any(needle in folded for needle in self.cyrillic_needles)
        return False


_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _needle(word: str) -> str:
    """What a text that names `word` (a word of a key, folded) holds for certain.

    A Russian word is found by its dictionary forms (people.names._ru_lemmas): the
    text's word less an ending of up to three letters, plus up to two letters — or a
    fleeting vowel put back before its last letter (Путивца → Путивец). Either way the
    text's word begins with all of `word` but its last two letters (at least one kept).
    """
    if _CYRILLIC.search(word):
        return word[: max(1, len(word) - 2)]
    return word


def _free_text(parsed: ParsedDocument) -> str:
    return "\n".join(
        part for part in (parsed.title, parsed.summary, *(t.text for t in parsed.texts)) if part
    )


def _ids(found: list[tuple[int, str]]) -> list[int]:
    return list(dict.fromkeys(pk for pk, _span in found))
