"""Kubernetes name and label syntax, shared by every config section and by the output checks (kept apart so
sections can import them without cycles). The patterns are k8s.io/apimachinery's ``validation.go`` ones,
ASCII only, always matched whole."""

from __future__ import annotations

import re
from functools import lru_cache

DNS_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
"""``IsDNS1123Label``: most object names, namespaces, container names."""
DNS_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
"""``IsDNS1123Subdomain`` (at most 253 characters, checked by the caller)."""
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
"""``IsDNS1035Label``: Service names."""
NAME_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
"""The name part of a qualified name (a label key without its prefix), and a non-empty label value."""


def is_dns_label(value: object) -> bool:
    return isinstance(value, str) and DNS_LABEL.fullmatch(value) is not None


def is_dns_name(value: object) -> bool:
    """An RFC 1123 host name: lowercase labels joined by dots, at most 253 characters."""
    if not isinstance(value, str) or not value or len(value) > 253:
        return False
    return all(is_dns_label(label) for label in value.split("."))


def is_label_value(value: object, *, empty: bool = True) -> bool:
    """``IsValidLabelValue``: at most 63 of letters, digits, ``-_.``, alphanumeric at both ends; the empty
    string only with ``empty``."""
    return isinstance(value, str) and ((empty and value == "") or _is_name_part(value))


def is_qualified_name(key: object) -> bool:
    """``IsQualifiedName`` (a label or annotation key): a name part, optionally after a DNS-1123 subdomain
    prefix of at most 253 characters and a ``/``."""
    return isinstance(key, str) and _is_qualified_name(key)


@lru_cache(maxsize=4096)  # every synthesized object repeats the same few label values and keys
def _is_name_part(value: str) -> bool:
    return NAME_PART.fullmatch(value) is not None


@lru_cache(maxsize=4096)
def _is_qualified_name(key: str) -> bool:
    if key.count("/") > 1:
        return False
    prefix, _, name = key.rpartition("/")
    if not _is_name_part(name):
        return False
    return not prefix or (len(prefix) <= 253 and DNS_SUBDOMAIN.fullmatch(prefix) is not None)
