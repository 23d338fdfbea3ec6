"""Path converters for the public URLs."""

from django.urls import register_converter


class RecordIdConverter:
    """A record's id: at most 18 digits, so that it always fits the database's 64-bit
    integer. Django's `int` takes any length, and an id past 2⁶³ reached the database
    (SQLite: OverflowError, a 500) instead of answering 404."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RecordIdConverter, "id")
