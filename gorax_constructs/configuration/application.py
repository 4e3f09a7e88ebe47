"""What the application is told besides its components: the database pool, CORS and the migration Job.

Each section reports what is wrong with it through ``problems()``; ``EnvironmentConfig`` (``model.py``)
collects them under the section's field path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Problem
from .fieldtypes import is_integer

if TYPE_CHECKING:
    from .model import Tier

ORIGIN = re.compile(r"https?://[a-z0-9]([-a-z0-9.]*[a-z0-9])?(?::[0-9]{1,5})?")
GO_DURATION = re.compile(r"(?:[0-9]+(?:ns|us|ms|s|m|h))+")


@dataclass(frozen=True, kw_only=True)
class Migration:
    """The database migration Job (an Argo CD Sync hook in wave -1).

    Attributes:
        backoff_limit: retries before the Job fails (default 2).
        active_deadline_seconds: the whole Job's time limit (default 600).
        ttl_seconds_after_finished: when Kubernetes deletes the finished Job (default 86400).
    """

    backoff_limit: int = 2
    active_deadline_seconds: int = 600
    ttl_seconds_after_finished: int = 86400

    def problems(self) -> Iterator[Problem]:
        if not is_integer(self.backoff_limit, 0):
            yield Problem("backoff_limit", self.backoff_limit, "an integer of at least 0")
        for name in ("active_deadline_seconds", "ttl_seconds_after_finished"):
            value = getattr(self, name)
            if not is_integer(value, 1):
                yield Problem(name, value, "a positive integer")


@dataclass(frozen=True, kw_only=True)
class DatabasePool:
    """database/sql pool settings the binaries read (DB_* variables)."""

    max_open_conns: int = 25
    max_idle_conns: int = 10
    conn_max_lifetime: str = "5m"
    conn_max_idle_time: str = "1m"

    def problems(self) -> Iterator[Problem]:
        if not isinstance(self.max_open_conns, int) or self.max_open_conns < 1:
            yield Problem("max_open_conns", self.max_open_conns, "an integer of at least 1")
        elif not isinstance(self.max_idle_conns, int) or not 0 <= self.max_idle_conns <= self.max_open_conns:
            yield Problem(
                "max_idle_conns", self.max_idle_conns, f"an integer from 0 to max_open_conns ({self.max_open_conns})"
            )
        for name in ("conn_max_lifetime", "conn_max_idle_time"):
            if not isinstance(getattr(self, name), str) or not GO_DURATION.fullmatch(getattr(self, name)):
                yield Problem(name, getattr(self, name), "a Go duration such as '5m' or '90s'")


@dataclass(frozen=True, kw_only=True)
class Cors:
    """Cross-origin settings, shared by the application and the edge (one source of truth)."""

    allowed_origins: tuple[str, ...]
    allowed_methods: tuple[str, ...] = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS")
    allowed_headers: tuple[str, ...] = ("Content-Type", "Authorization", "X-Request-ID")
    max_age_seconds: int = 3600
    allow_credentials: bool = True

    def problems(self, tier: Tier) -> Iterator[Problem]:
        if not self.allowed_origins:
            yield Problem("allowed_origins", self.allowed_origins, "at least one origin")
        for origin in self.allowed_origins:
            if origin == "*":
                if tier != "development":
                    yield Problem("allowed_origins", origin, f"explicit origins in {tier}; '*' only in development")
            elif not isinstance(origin, str) or not ORIGIN.fullmatch(origin):
                yield Problem(
                    "allowed_origins", origin, "an absolute http(s) origin such as 'https://app.gorax.io' (no path)"
                )
        if "*" in self.allowed_origins and self.allow_credentials:
            yield Problem("allow_credentials", True, "false when allowed_origins contains '*' (browsers reject it)")
        if not isinstance(self.max_age_seconds, int) or not 0 <= self.max_age_seconds <= 86400:
            yield Problem("max_age_seconds", self.max_age_seconds, "an integer from 0 to 86400")
