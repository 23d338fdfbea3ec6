"""Fill in an admin change form the way a browser would: what the page shows, submitted back."""

from __future__ import annotations

import datetime


def _encode(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "on" if value else None
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return str(value)


def _add_form(data: dict, form) -> None:
    for name in form.fields:
        value = _encode(form[name].value())
        if value is not None:
            data[form.add_prefix(name)] = value


def change_form_data(client, url: str) -> dict:
    """The POST data of the admin page at `url` as loaded now, with its inlines."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    data: dict = {}
    _add_form(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        formset = inline.formset
        _add_form(data, formset.management_form)
        for form in formset.forms:
            _add_form(data, form)
    data["_save"] = "Save"
    return data


def error_text(response) -> str:
    """The non-field errors the admin shows above the form."""
    form = response.context["adminform"].form
    return " ".join(str(e) for e in form.non_field_errors())
