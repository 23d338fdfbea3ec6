"""Errors the importer raises on purpose.

Anything else escaping the importer is a bug; callers may catch ``ImporterError`` to
report a bad file and carry on with the next one.
"""

from __future__ import annotations


class ImporterError(Exception):
    """Base of every error the importer raises on purpose; message names the file and reason."""


class ParseError(ImporterError):
    """The bytes of one file could not be read as a catalogue page.

    ``ParseError(file_name, reason)`` builds the message "file_name: reason"; a single
    argument is taken as the whole message, so other stages can raise it the usual way.
    """

    def __init__(self, file_name: str, reason: str | None = None) -> None:
        self.file_name = file_name if reason is not None else None
        self.reason = reason if reason is not None else file_name
        super().__init__(f"{file_name}: {reason}" if reason is not None else file_name)
