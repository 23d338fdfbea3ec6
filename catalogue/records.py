"""The catalogue record: one JSON object per document, as ../shared/docs/RECORD.md defines it.

The export command, the per-document JSON view and the tests all call
`document_record`; fetch documents with `Document.objects.for_record()` so that
a page of records costs a fixed number of queries.
"""

from __future__ import annotations

from typing import Any

from catalogue.models import Document


def _or_none(value: str) -> str | None:
    return value if value else None


def document_record(document: Document) -> dict[str, Any]:
    return {
        "id": document.pk,
        "url": document.get_absolute_url(),
        "title": document.title,
        "date": document.date_iso,
        "date_precision": _or_none(document.date_precision),
        "date_text": _or_none(document.date_text),
        "document_type": _or_none(document.document_type),
        "classification": _or_none(document.classification),
        "summary": _or_none(document.summary),
        "citation": _or_none(document.citation),
        "source_url": _or_none(document.source_url),
        "external_id": _or_none(document.external_id),
        "status": document.status,
        "original_languages": list(document.original_languages or []),
        "archival_references": [
            {
                "repository": ref.repository.code if ref.repository else None,
                "repository_name": _or_none(ref.repository.name) if ref.repository else None,
                "fond": _or_none(ref.fond),
                "opis": _or_none(ref.opis),
                "delo": _or_none(ref.delo),
                "papka": _or_none(ref.papka),
                "folios": _or_none(ref.folios),
                "collection": _or_none(ref.collection),
                "call_number": _or_none(ref.call_number),
                "is_copy": ref.is_copy,
                "text": _or_none(ref.text),
            }
            for ref in document.references.all()
        ],
        "texts": [
            {
                "kind": text.kind,
                "language": text.language,
                "text": text.text,
                "translators": [person.name for person in text.translators.all()],
            }
            for text in document.texts.all()
        ],
        "people": [
            {"id": link.person_id, "name": link.person.name, "role": link.role}
            for link in document.person_links.all()
        ],
        "organizations": [
            {
                "id": link.organization_id,
                "name": link.organization.name,
                "abbreviation": _or_none(link.organization.abbreviation),
                "role": link.role,
            }
            for link in document.organization_links.all()
        ],
        "source": {
            "file": _or_none(document.source_file),
            "sha256": _or_none(document.sha256),
            "layout": _or_none(document.layout),
        },
    }
