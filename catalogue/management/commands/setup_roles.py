"""Create (or bring up to date) the Curator and Viewer groups of the admin.

Curator: adds and changes catalogue and authority records, publishes and withdraws,
merges (which deletes the merged-away person, organization or repository), edits the
rows inside a document (references, texts, links) and name variants. It cannot delete a
document — withdrawing keeps the record and its URL — and cannot manage users or groups.

Viewer: reads every catalogue and authority page of the admin, its history and exports;
changes nothing.

Running it again sets each group's permissions to exactly these, so it is safe to
re-run after an upgrade adds a model. Users are put in a group from the admin (by a
superuser) or with `--add USER GROUP`.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

CURATOR, VIEWER = "Curator", "Viewer"
APPS = ("catalogue", "people")
# What a curator may delete: parts of a record (re-creatable, recorded in history) and the
# authority records a merge removes. Documents are withdrawn instead, never deleted.
CURATOR_DELETES = {
    "archivalreference",
    "translation",
    "documentperson",
    "documentorganization",
    "repository",
    "person",
    "organization",
    "personname",
    "organizationname",
}
# Redirect rows are written by merges only; curators read them.
READ_ONLY = {"personredirect", "organizationredirect", "repositoryredirect"}


def _is_history_model(model_name: str) -> bool:
    return model_name.startswith("historical")


def role_permissions() -> dict[str, list[Permission]]:
    permissions = Permission.objects.filter(content_type__app_label__in=APPS).select_related(
        "content_type"
    )
    curator, viewer = [], []
    for permission in permissions:
        model = permission.content_type.model
        action = permission.codename.split("_", 1)[0]
        if _is_history_model(model):
            # History is read through the records' own admin pages; its rows are never edited.
            continue
        if action == "view":
            curator.append(permission)
            viewer.append(permission)
        elif model in READ_ONLY:
            continue
        elif action in {"add", "change"} or action == "delete" and model in CURATOR_DELETES:
            curator.append(permission)
    return {CURATOR: curator, VIEWER: viewer}


class Command(BaseCommand):
    help = "Create or update the Curator and Viewer groups (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--add",
            nargs=2,
            action="append",
            metavar=("USERNAME", "GROUP"),
            default=[],
            help="also put USERNAME in GROUP (and make it staff); repeatable",
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would change")

    def handle(self, *args, **options) -> None:
        wanted = role_permissions()
        if not wanted[VIEWER]:
            raise CommandError("No permissions found: run `manage.py migrate` first.")
        with transaction.atomic():
            for name, permissions in wanted.items():
                group, created = Group.objects.get_or_create(name=name)
                before = set(group.permissions.values_list("pk", flat=True))
                after = {p.pk for p in permissions}
                group.permissions.set(permissions)
                if options["verbosity"] >= 1:
                    state = "created" if created else "updated"
                    self.stdout.write(
                        f"{name}: {state}, {len(after)} permissions "
                        f"(+{len(after - before)} −{len(before - after)})"
                    )
                if options["verbosity"] >= 2:
                    for permission in sorted(permissions, key=lambda p: p.codename):
                        self.stdout.write(
                            f"  {permission.content_type.app_label}.{permission.codename}"
                        )
            for username, group_name in options["add"]:
                if group_name not in wanted:
                    raise CommandError(f"Unknown group {group_name!r}: {CURATOR} or {VIEWER}.")
                try:
                    user = get_user_model().objects.get(username=username)
                except get_user_model().DoesNotExist as exc:
                    raise CommandError(f"No user {username!r}.") from exc
                user.is_staff = True
                user.save(update_fields=["is_staff"])
                user.groups.add(Group.objects.get(name=group_name))
                self.stdout.write(f"{username}: in {group_name}")
            if options["dry_run"]:
                transaction.set_rollback(True)
                self.stdout.write("Dry run: nothing was saved.")
