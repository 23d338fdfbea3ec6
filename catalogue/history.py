"""Deleted records and their recovery, from django-simple-history's tables.

A deletion leaves a "-" row in the model's history table holding every field of
the record as it was. Recovering saves that copy again under its old id, and
brings back the child records the deletion cascaded to (a document's references,
texts and role links; a person's name variants and links) — each recovery is a
new "+" history entry with the reason "recovered", so the story stays complete.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import IntegrityError, models, transaction
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.utils import timezone
from simple_history.signals import pre_create_historical_record
from simple_history.utils import get_m2m_reverse_field_name

# Children deleted by the same cascade are deleted within the same transaction; a child
# deleted on its own long before or after is not part of the record being recovered.
CASCADE_WINDOW = datetime.timedelta(seconds=30)
RECOVERED = "recovered"


class RecoveryError(Exception):
    pass


@dataclass
class Recovery:
    record: models.Model
    children: dict[str, int] = field(default_factory=dict)


class KeepsImportBaseline(models.Model):
    """The base of Document's historical model: a deletion's row keeps the import baseline.

    The history leaves out `imported_values` and the conflicts: they hold the whole
    last import (texts included) and would double the size of every history row, and a
    revert must not roll them back (they describe the last import, not the curators'
    version; simple-history reads fields it leaves out from the live row). A deleted
    document has no live row, so without this a recovered document came back with no
    baseline and no conflicts, and the next import of changed bytes overwrote curators'
    fixes. Only "-" rows fill `import_baseline`; others leave it null.
    """

    import_baseline = models.JSONField(null=True, blank=True, editable=False)

    KEPT_FIELDS = ("imported_values", "import_conflicts", "dismissed_conflicts")

    class Meta:
        abstract = True


def _kept_fields(model: type[models.Model]) -> tuple[str, ...]:
    manager = getattr(model._meta, "simple_history_manager_attribute", None)
    historical = getattr(model, manager).model if manager else None
    if historical is not None and issubclass(historical, KeepsImportBaseline):
        return historical.KEPT_FIELDS
    return ()


@receiver(pre_delete)
def _load_kept_fields(sender, instance, **kwargs) -> None:
    # The deletion's history row is written after the row is gone: read what it keeps now.
    deferred = set(_kept_fields(sender)) & instance.get_deferred_fields()
    if deferred:
        instance.refresh_from_db(fields=deferred)


@receiver(pre_create_historical_record)
def _keep_on_deletion(sender, instance, history_instance, **kwargs) -> None:
    if isinstance(history_instance, KeepsImportBaseline) and history_instance.history_type == "-":
        history_instance.import_baseline = {
            name: getattr(instance, name) for name in history_instance.KEPT_FIELDS
        }


def deleted_records(model: type[models.Model], *, limit: int = 200) -> list:
    """The last "-" history row of each record of `model` that no longer exists, newest first."""
    rows = (
        model.history.filter(history_type="-")
        .exclude(id__in=model._default_manager.values("pk"))
        .select_related("history_user")
        .order_by("-history_date", "-history_id")
    )
    seen: set = set()
    latest = []
    for row in rows[: limit * 4]:
        if row.id not in seen:
            seen.add(row.id)
            latest.append(row)
        if len(latest) >= limit:
            break
    return latest


def related_or_gone(obj: models.Model, name: str) -> str:
    """The name of `obj`'s related record `name`, or its id when that row is gone.

    History pages and "Deleted records" show old copies whose foreign keys point at
    records merged away or deleted since; naming such a copy must not raise. With the
    related record loaded (select_related, or read before) this costs no query.
    """
    field = obj._meta.get_field(name)
    related_id = getattr(obj, field.attname)
    if related_id is None:
        return f"no {field.verbose_name}"
    try:
        return str(getattr(obj, name))
    except field.related_model.DoesNotExist:
        return f"{field.verbose_name} #{related_id}, deleted"


def _cascading_children(model: type[models.Model]):
    """(child model, foreign key name) for every history-tracked child a deletion cascades to."""
    for relation in model._meta.related_objects:
        if not relation.one_to_many or relation.on_delete is not models.CASCADE:
            continue
        child = relation.related_model
        if hasattr(child, "history"):
            yield child, relation.field.attname


def _restore(historical_row, *, reason: str) -> models.Model:
    # The deletion's own copy has no many-to-many links left (the cascade removed them
    # first): take them from the last copy made while the record still existed.
    alive = (
        type(historical_row)
        .objects.filter(id=historical_row.id)
        .exclude(history_type="-")
        .order_by("-history_date", "-history_id")
        .first()
    )
    links = {}
    for m2m_field in getattr(historical_row, "_history_m2m_fields", None) or []:
        if alive is not None:
            target = get_m2m_reverse_field_name(m2m_field)
            links[m2m_field.name] = [
                getattr(row, f"{target}_id") for row in getattr(alive, m2m_field.name).all()
            ]
    instance = historical_row.instance
    for name, value in (getattr(historical_row, "import_baseline", None) or {}).items():
        setattr(instance, name, value)
    instance._change_reason = reason
    # Exactly the old row again, under its old id; never an update of something else.
    instance.save(force_insert=True)
    for name, ids in links.items():
        model = instance._meta.get_field(name).related_model
        getattr(instance, name).set(model._default_manager.filter(pk__in=ids))
    return instance


def record_recover(*, model: type[models.Model], pk, reason: str = RECOVERED) -> Recovery:
    """Bring back a deleted record and what its deletion cascaded to, as one transaction."""
    with transaction.atomic():
        if model._default_manager.filter(pk=pk).exists():
            raise RecoveryError(f"{model._meta.verbose_name} #{pk} exists; nothing to recover.")
        deletion = model.history.filter(id=pk).order_by("-history_date", "-history_id").first()
        if deletion is None or deletion.history_type != "-":
            raise RecoveryError(f"No deleted {model._meta.verbose_name} #{pk} in the history.")
        try:
            with transaction.atomic():
                record = _restore(deletion, reason=reason)
                recovery = Recovery(record)
                _drop_redirects_of(record)
                _recover_children(model, pk, deletion.history_date, recovery, reason)
        except IntegrityError as exc:
            raise RecoveryError(
                f"{model._meta.verbose_name} #{pk} cannot come back as it was: {exc}. "
                "Another record now holds one of its unique values (a slug, a code, an id)."
            ) from exc
        return recovery


def _drop_redirects_of(record: models.Model) -> None:
    """Delete the redirects sending `record`'s address to another record: it was merged away.

    Back under its old id (or code), the record answers at its address again; a redirect
    left behind would also stop it from being merged a second time (old ids are unique).
    """
    from catalogue.models import Repository, RepositoryRedirect
    from people.models import Organization, OrganizationRedirect, Person, PersonRedirect

    if isinstance(record, Person):
        PersonRedirect.objects.filter(old_id=record.pk).delete()
    elif isinstance(record, Organization):
        OrganizationRedirect.objects.filter(old_id=record.pk).delete()
    elif isinstance(record, Repository):
        RepositoryRedirect.objects.filter(old_code=record.code).delete()


def _recover_children(model, pk, deleted_at, recovery: Recovery, reason: str) -> None:
    for child, fk in _cascading_children(model):
        rows = child.history.filter(
            **{fk: pk},
            history_type="-",
            history_date__gte=deleted_at - CASCADE_WINDOW,
            history_date__lte=deleted_at + CASCADE_WINDOW,
        ).exclude(id__in=child._default_manager.values("pk"))
        restored = 0
        done: set = set()
        for row in rows.order_by("-history_date", "-history_id"):
            if row.id in done:
                continue
            done.add(row.id)
            _restore(row, reason=reason)
            restored += 1
            _recover_children(child, row.id, row.history_date, recovery, reason)
        if restored:
            label = str(child._meta.verbose_name_plural)
            recovery.children[label] = recovery.children.get(label, 0) + restored


def deleted_at_display(row) -> str:
    return timezone.localtime(row.history_date).strftime("%Y-%m-%d %H:%M")
