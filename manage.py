#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "archive.settings")
    if sys.argv[1:2] == ["makemigrations"]:
        # Comparing the models with their migrations signs nothing and serves nothing: it
        # needs no production SECRET_KEY, so a bare `makemigrations --check` runs on a fresh
        # checkout (the settings refuse to start without one when DEBUG is off).
        os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
