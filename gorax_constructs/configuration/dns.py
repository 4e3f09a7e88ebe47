"""DNS name rules shared by every config section (kept apart so sections can import them without cycles)."""

from __future__ import annotations

import re

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")


def is_dns_label(value: object) -> bool:
    return isinstance(value, str) and DNS_LABEL.fullmatch(value) is not None


def is_dns_name(value: object) -> bool:
    """An RFC 1123 host name: lowercase labels joined by dots, at most 253 characters."""
    if not isinstance(value, str) or not value or len(value) > 253:
        return False
    return all(is_dns_label(label) for label in value.split("."))
