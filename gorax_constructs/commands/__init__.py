"""The commands of ``bin/gorax`` (``cli.py`` parses the command line): what they share.

Each command module defers its imports to the command that needs them, so ``--help`` imports nothing of
the project.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from ..configuration.errors import REPOSITORY

DIST = REPOSITORY / "dist"
BUILD = REPOSITORY / "build"
ENVIRONMENTS_DOC = REPOSITORY / "docs" / "environments.md"


class UsageError(Exception):
    """Bad input on the command line."""


def locked(edited: Path | None = None) -> AbstractContextManager[None]:
    """The data files' lock (``lock.data_files``), held while a command reads or edits them."""
    from ..lock import data_files

    return data_files(edited)
