"""The one exception type for bad environment configuration."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
BRIEF = 80
"""At most this many characters of a value are quoted in a message: a value may be megabytes."""


def brief(value: object, limit: int = BRIEF) -> str:
    """``repr(value)``, cut to ``limit`` characters (a huge value is neither printed nor fully rendered)."""
    if isinstance(value, str | bytes) and len(value) > limit:
        return f"{value[:limit]!r}... ({len(value)} characters)"
    if isinstance(value, list | tuple | dict | set) and len(value) > 20:
        return f"a {type(value).__name__} of {len(value)} items"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def shown(path: Path | str) -> str:
    """A path as the user would type it: relative to the repository when inside it."""
    path = Path(path).resolve()
    return str(path.relative_to(REPOSITORY)) if path.is_relative_to(REPOSITORY) else str(path)


@dataclass(frozen=True)
class Problem:
    """One invalid field: where it is, what it holds, and what would be accepted."""

    field: str
    value: object
    allowed: str

    def under(self, section: str) -> Problem:
        """The same problem, with its field path prefixed by the section that holds it."""
        return Problem(f"{section}.{self.field}", self.value, self.allowed)

    def describe(self) -> str:
        return f"{self.field} = {brief(self.value)} is not allowed: {self.allowed}"


class ConfigError(ValueError):
    """An environment's configuration is invalid; nothing is synthesized.

    The message names the environment, every offending field, its value and
    what is allowed, so the fix is obvious from the error alone.
    """

    def __init__(self, environment: str, problems: Sequence[Problem], label: str = "") -> None:
        self.environment = environment
        self.problems = tuple(problems)
        label = label or f"environment {brief(environment)}"
        lines = [f"{label}: {p.describe()}" for p in self.problems] or [label]
        super().__init__("\n".join(lines))


class FileError(ConfigError):
    """A mistake found in a file (``environments.py``, ``previews.yaml``, ``images.yaml``); the message
    says where (file, line) and what is allowed."""

    def __init__(self, message: str, environment: str = "") -> None:
        ValueError.__init__(self, message)
        self.environment = environment
        self.problems = ()
