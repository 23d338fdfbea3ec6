"""Optimistic locking: a save based on a stale copy of a record is refused, never applied.

Every versioned model (Person, Organization, Repository, Document) carries a
`version` that each save increments — the admin, the services and the importer
alike. The admin form carries the version the curator loaded in a hidden field;
on save the row is locked (SELECT … FOR UPDATE inside the admin's transaction;
on SQLite the settings open every transaction with BEGIN IMMEDIATE, which takes
the write lock) and compared. A mismatch refuses the save with a message built
from the history: who changed what since the curator's copy.
"""

from __future__ import annotations

from django import forms
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

# Fields every save touches; naming them in "what changed" would only be noise.
BOOKKEEPING_FIELDS = {
    "version",
    "updated_at",
    "imported_at",
    "imported_values",
    "import_conflicts",
    "dismissed_conflicts",
}


def locked_version(model: type[Model], pk) -> int | None:
    """The row's current version, locked until the end of the transaction (None: deleted)."""
    rows = model._default_manager.filter(pk=pk)
    if connection.in_atomic_block:
        rows = rows.select_for_update()
    return rows.values_list("version", flat=True).first()


def changes_since(model: type[Model], pk, version: int, related=()) -> str:
    """A sentence naming the fields (and related records) changed since `version`, and by whom.

    `related` lists (label, historical model, foreign-key attname) for inline records whose
    changes count as changes to this one (name variants, references …).
    """
    history = model.history.filter(id=pk)
    base = history.filter(version=version).order_by("-history_date", "-history_id").first()
    latest = history.order_by("-history_date", "-history_id").first()
    if latest is None:
        return "the record was changed"
    later = (
        history.filter(version__gt=version)
        if base is None
        else history.filter(history_date__gt=base.history_date)
    )
    who = sorted({str(r.history_user) for r in later.select_related("history_user")
                  if r.history_user is not None})  # fmt: skip
    fields: list[str] = []
    if base is not None:
        delta = latest.diff_against(base)
        fields = [
            str(model._meta.get_field(name).verbose_name)
            for name in delta.changed_fields
            if name not in BOOKKEEPING_FIELDS
        ]
        since = base.history_date
        for label, historical_model, fk in related:
            if historical_model.objects.filter(**{fk: pk}, history_date__gt=since).exists():
                fields.append(label)
    when = timezone.localtime(latest.history_date).strftime("%Y-%m-%d %H:%M:%S")
    what = ", ".join(fields) if fields else "its contents"
    by = " and ".join(who) if who else "someone else"
    return f"{by} changed {what} (last at {when}, now version {latest.version})"


class VersionedModelForm(forms.ModelForm):
    """A model form that refuses to save over a version other than the one it was loaded from."""

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by the admin: inline models whose changes belong to this record's story.
    related_histories: tuple = ()
    # Set by the admin's revert view: the copy being edited is an old version, so the form is
    # "loaded from" the row as it is now, not from the historical copy.
    loads_current_version = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            version = self.instance.version
            if self.loads_current_version:
                rows = type(self.instance)._default_manager.filter(pk=self.instance.pk)
                version = rows.values_list("version", flat=True).first() or version
            self.fields["loaded_version"].initial = version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None or self.instance._state.adding:
            return cleaned
        model = type(self.instance)
        loaded = cleaned.get("loaded_version")
        current = locked_version(model, self.instance.pk)
        if current is None:
            raise forms.ValidationError(
                "This record was deleted while you were editing it; your changes were not saved. "
                "Recover it from “Deleted records” if it should exist.",
                code="deleted",
            )
        if loaded is None:
            raise forms.ValidationError(
                "This form does not say which version of the record it was loaded from; "
                "open the record again and redo your changes.",
                code="no_version",
            )
        if loaded != current:
            story = changes_since(model, self.instance.pk, loaded, self.related_histories)
            raise forms.ValidationError(
                f"Not saved: while you were editing, {story}. Nothing was overwritten. "
                "Open the record again to see the current values, then redo your changes.",
                code="stale",
            )
        return cleaned


def next_version(form: forms.Form, obj: Model) -> int:
    """The version a checked form's save writes."""
    loaded = form.cleaned_data.get("loaded_version") if hasattr(form, "cleaned_data") else None
    return (loaded if loaded is not None else obj.version) + 1


def bump_version(obj: Model) -> None:
    """Increment a record's version for a save made outside the admin form (services, actions).

    Reads the locked row so that two services never write the same version number.
    """
    current = locked_version(type(obj), obj.pk)
    obj.version = (current if current is not None else obj.version) + 1


def atomic_for(model: type[Model]):
    return transaction.atomic(using=model._default_manager.db)


class PartOfVersionedForm(forms.ModelForm):
    """A form for a part of a versioned record (a document's text, a person's name variant).

    The part has no version of its own: its record's version stands for it, as in the
    record's own form, whose inlines hold the same rows. A save is refused when the record
    changed since the page was loaded (through its form, an import, or another part's page).
    """

    loaded_parent_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    # Set by the admin: the foreign key to the record, and that record's inline histories.
    parent_field = ""
    parent_histories: tuple = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parent_model, parent_id = self._parent()
        if parent_id is not None:
            rows = parent_model._default_manager.filter(pk=parent_id)
            self.fields["loaded_parent_version"].initial = rows.values_list(
                "version", flat=True
            ).first()

    def _parent(self):
        fk = self.instance._meta.get_field(self.parent_field)
        if self.instance.pk is None or self.instance._state.adding:
            return fk.related_model, None
        # The record the part belongs to now (the instance is not yet changed by the form).
        return fk.related_model, getattr(self.instance, fk.attname)

    def clean(self):
        cleaned = super().clean()
        parent_model, parent_id = self._parent()
        if parent_id is None:
            return cleaned
        loaded = cleaned.get("loaded_parent_version")
        current = locked_version(parent_model, parent_id)
        name = parent_model._meta.verbose_name
        if current is None:
            # The record is gone, and its parts with it: the admin reports the part missing.
            return cleaned
        if loaded is None:
            raise forms.ValidationError(
                f"This form does not say which version of its {name} it was loaded from; "
                "open it again and redo your changes.",
                code="no_version",
            )
        if loaded != current:
            story = changes_since(parent_model, parent_id, loaded, self.parent_histories)
            raise forms.ValidationError(
                f"Not saved: while you were editing, its {name} changed: {story}. Nothing was "
                "overwritten. Open this page again to see the current values, then redo "
                "your changes.",
                code="stale",
            )
        return cleaned
