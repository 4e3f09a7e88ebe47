"""A container image reference and the rules every image follows (no cdk8s import)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import Problem

if TYPE_CHECKING:
    from .model import Tier

IMAGE_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
IMAGE_REPOSITORY = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:/[a-z0-9]+(?:[._/-][a-z0-9]+)*)*")
PINNED_VERSION = re.compile(r"v?[0-9]+\.[0-9]+\.[0-9]+(?:[-+][0-9A-Za-z.-]+)?")
COMMIT_SHA_TAG = re.compile(r"(?:sha-)?[0-9a-f]{7,40}")
"""A tag named after the commit it was built from (``3f9c2e1`` or ``sha-3f9c2e1...``): never re-pushed."""


@dataclass(frozen=True, kw_only=True)
class Image:
    """A container image: repository plus a tag, a digest, or both.

    Staging and production refuse mutable tags: they need a version tag
    (``v1.2.3``), a commit-SHA tag (``3f9c2e1``) or a ``sha256:`` digest. A new
    build pushed under a moving tag (``staging``) reaches pods only as they
    restart, without a sync and without its migration, and mixes versions.
    Development and previews may run a moving tag, pulled with ``Always``.
    """

    repository: str
    tag: str = ""
    digest: str = ""

    @property
    def reference(self) -> str:
        ref = self.repository
        if self.tag:
            ref += f":{self.tag}"
        if self.digest:
            ref += f"@{self.digest}"
        return ref

    def problems(self, tier: Tier) -> Iterator[Problem]:
        if not IMAGE_REPOSITORY.fullmatch(self.repository):
            yield Problem("repository", self.repository, "a lowercase image repository such as 'gorax/api'")
        if self.tag and not IMAGE_TAG.fullmatch(self.tag):
            yield Problem("tag", self.tag, "an image tag of letters, digits, '_', '.', '-' (at most 128)")
        if self.digest and not IMAGE_DIGEST.fullmatch(self.digest):
            yield Problem("digest", self.digest, "'sha256:' followed by 64 lowercase hex digits")
        if not self.tag and not self.digest:
            yield Problem("tag", self.tag, "a non-empty tag or a digest")
        elif tier != "development" and not self.immutable:
            yield Problem(
                "tag",
                self.tag,
                f"an immutable reference in {tier}: a version such as 'v1.2.3', a commit-SHA tag such as "
                f"'3f9c2e1', or a 'sha256:' digest ('{self.tag}' can move under a running environment)",
            )

    @property
    def immutable(self) -> bool:
        """A digest, a version tag or a commit-SHA tag: what it names never changes."""
        return bool(self.digest) or bool(PINNED_VERSION.fullmatch(self.tag) or COMMIT_SHA_TAG.fullmatch(self.tag))
