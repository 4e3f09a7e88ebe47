"""Preview environments: short-lived copies of development, one per pull request.

The set of previews lives in one file a pipeline can write (``previews.yaml``
at the repository root, or the file named by ``GORAX_PREVIEWS_FILE``). Each
entry derives a full environment from development: its own namespace and
hosts, development's secret source and sizes, owner and expiry labels (so a
janitor can find what to delete), no PodDisruptionBudget that could
block a node drain, the platform's shared wildcard certificate instead of an
ACME order of its own, a ResourceQuota and LimitRange, and the
``gorax-previews`` Argo CD project (the ApplicationSet in ``dist/argocd/``
deploys and prunes them). A preview is marked ``preview=True``: its series and
alerts carry ``tier: preview``, and it ships only its scrape monitors (the
dashboard and the alert rules of all previews are development's, see
``observability.py``).
"""

from __future__ import annotations

import datetime
import difflib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .datafile import compose, construct, read
from .dns import is_dns_label, is_label_value
from .edge import WildcardTls
from .errors import ConfigError, FileError, Problem, brief, shown
from .gitops import ArgoCdTarget
from .model import EnvironmentConfig, Image, check_unique

PREVIEWS_FILE_VARIABLE = "GORAX_PREVIEWS_FILE"
DEFAULT_PREVIEWS_FILE = Path(__file__).resolve().parents[2] / "previews.yaml"
MAX_NAME_LENGTH = 30
"""Object names grow from the preview name (``pr-123-gorax-worker-hpa``); Service names and
label values stop at 63 characters, so the name stops at 30."""
HOST_PATTERN = "{preview}.{host}"
"""How a preview's hosts derive from development's: ``pr-123.api.dev.gorax.io``."""
WILDCARD_PATTERN = "*.{host}"
"""The shared certificate's names: ``*.api.dev.gorax.io`` and ``*.webhooks.dev.gorax.io``."""
PREVIEW_PROJECT = "gorax-previews"
"""The AppProject of every preview: its own, so it may target ``gorax-pr-*`` namespaces of development's
cluster without widening what the permanent environments' project allows."""
NAME_PREFIX = "pr-"
"""Every preview name starts with it, so every preview namespace is ``gorax-pr-*``: the one pattern the
previews' AppProject admits (``parts/argocd.py``), which no permanent namespace may match."""
NAMESPACE_PREFIX = f"gorax-{NAME_PREFIX}"
OWNER_LABEL = "gorax.io/preview-owner"
EXPIRES_LABEL = "gorax.io/preview-expires"
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
EMPTY_CATALOG = "previews: []"
"""How a file says "no previews": an empty file or a missing key is more likely a mistake (a truncated write)."""


def is_date(value: object) -> bool:
    """Exactly ``YYYY-MM-DD`` and a real date (``fromisoformat`` also takes ``20270131`` and ``2027-W05-1``)."""
    if not isinstance(value, str) or not _DATE.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


@dataclass(frozen=True, kw_only=True)
class Preview:
    """One requested preview, as the pipeline writes it.

    Attributes:
        name: a DNS label of at most 30 characters starting with ``pr-``, e.g. ``pr-123``.
        owner: who to ask about it (a label value: letters, digits, ``-_.``).
        expires: the date after which it may be deleted (ISO ``YYYY-MM-DD``).
        api_tag / worker_tag: image tags to run; default: development's.
    """

    name: str
    owner: str
    expires: str
    api_tag: str = ""
    worker_tag: str = ""

    def problems(self) -> Iterator[Problem]:
        if not is_dns_label(self.name) or not self.name[:1].isalpha() or len(self.name) > MAX_NAME_LENGTH:
            yield Problem(
                "name", self.name, f"a DNS label of at most {MAX_NAME_LENGTH} characters starting with a letter"
            )
        elif not self.name.startswith(NAME_PREFIX) or self.name == NAME_PREFIX:
            yield Problem(
                "name",
                self.name,
                f"a name starting with '{NAME_PREFIX}' such as 'pr-123' (the previews' Argo CD project admits only "
                f"namespaces {NAMESPACE_PREFIX}*)",
            )
        if not is_label_value(self.owner, empty=False):
            yield Problem("owner", self.owner, "a label value: letters, digits, '-', '_', '.', at most 63")
        if not is_date(self.expires):
            yield Problem("expires", self.expires, "a date written YYYY-MM-DD, such as '2026-12-31'")


def preview_target(development: EnvironmentConfig) -> ArgoCdTarget:
    """Where the previews are deployed: development's cluster, the ``gorax-previews`` project."""
    return replace(development.argocd, project=PREVIEW_PROJECT)


def preview_environment(preview: Preview, development: EnvironmentConfig) -> EnvironmentConfig:
    """The environment a preview request stands for, derived from development."""
    problems = list(preview.problems())
    if problems:
        raise ConfigError(preview.name, problems)

    def image(current: Image, tag: str) -> Image:
        return replace(current, tag=tag, digest="") if tag else current

    api_host = HOST_PATTERN.format(preview=preview.name, host=development.api_host)
    webhooks_host = HOST_PATTERN.format(preview=preview.name, host=development.webhooks_host)
    # One wildcard for every preview, issued once by the platform (DNS-01): no ACME order per preview.
    wildcard = WildcardTls(dns_names=tuple(WILDCARD_PATTERN.format(host=h) for h in development.hosts))
    # Gateway mode: the routes attach to the wildcard's listener (EdgeConfig.listener).
    edge = replace(development.edge, tls=wildcard)
    return replace(
        development,
        name=preview.name,
        prefix=preview.name,
        namespace=f"gorax-{preview.name}",
        api_host=api_host,
        webhooks_host=webhooks_host,
        edge=edge,
        argocd=preview_target(development),
        api=replace(development.api, image=image(development.api.image, preview.api_tag), disruption_budget=None),
        worker=replace(
            development.worker, image=image(development.worker.image, preview.worker_tag), disruption_budget=None
        ),
        extra_labels=((OWNER_LABEL, preview.owner), (EXPIRES_LABEL, str(preview.expires))),
        # Alerted on as tier "preview"; development's chart holds the one dashboard and rule set of all previews.
        preview=True,
        monitoring=replace(development.monitoring, preview_monitoring=False),
    )


ENTRY_KEYS = ("name", "owner", "expires", "api_tag", "worker_tag")
REQUIRED_KEYS = ("name", "owner", "expires")
PRUNE_COMMAND = "bin/gorax previews prune"


@dataclass(frozen=True)
class Listed:
    """A preview as listed in the file, with the line its entry starts on."""

    preview: Preview
    line: int


def _value(node: yaml.Node, key: str, where: str) -> str:
    """An entry's value as a string; values YAML reads as something else must be quoted."""
    value = construct(node)
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime) and key == "expires":
        return value.isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise FileError(f'{where}: {key} = {brief(value)} is not allowed: a string (quote it: {key}: "...")')


def parse_previews(text: str, source: str) -> tuple[Listed, ...]:
    """The entries of a previews file (``previews: [{name, owner, expires, api_tag?, worker_tag?}, ...]``).

    Raises ``FileError`` naming the file, the line and the entry for a syntax error, an entry that is
    not a mapping, a missing, unknown or repeated key, or a value that is not a string.
    """
    root = compose(text, source)
    if root is None:
        raise FileError(f"{source}: empty; to mean no previews, write {EMPTY_CATALOG}")
    if not isinstance(root, yaml.MappingNode):
        raise FileError(f"{source}, line {root.start_mark.line + 1}: expected a mapping with the key 'previews'")
    entries: yaml.Node | None = None
    for key, value in root.value:
        if construct(key) != "previews":
            raise FileError(
                f"{source}, line {key.start_mark.line + 1}: unknown key {brief(construct(key))}; "
                "the file holds 'previews'"
            )
        entries = value
    if entries is None or construct(entries) is None:
        line = (entries or root).start_mark.line + 1
        raise FileError(f"{source}, line {line}: no 'previews' list; to mean no previews, write {EMPTY_CATALOG}")
    if not isinstance(entries, yaml.SequenceNode):
        raise FileError(
            f"{source}, line {entries.start_mark.line + 1}: previews must be a list of entries "
            "(- name: ..., owner: ..., expires: ...)"
        )
    listed = []
    for index, entry in enumerate(entries.value):
        line = entry.start_mark.line + 1
        where = f"{source}, line {line}, entry {index + 1}"
        if not isinstance(entry, yaml.MappingNode):
            raise FileError(f"{where}: expected a mapping with the keys {', '.join(REQUIRED_KEYS)}")
        values: dict[str, str] = {}
        name_nodes = [v for k, v in entry.value if construct(k) == "name"]
        if name_nodes and isinstance(construct(name_nodes[0]), str):
            where = f"{source}, line {line}, preview {brief(construct(name_nodes[0]))}"
        for key_node, value_node in entry.value:
            key = construct(key_node)
            if key not in ENTRY_KEYS:
                closest = difflib.get_close_matches(str(key), ENTRY_KEYS, n=1)
                hint = f"did you mean '{closest[0]}'? " if closest else ""
                raise FileError(f"{where}: unknown key {brief(key)}; {hint}the keys are {', '.join(ENTRY_KEYS)}")
            if key in values:
                raise FileError(f"{where}: the key '{key}' is given twice")
            values[key] = _value(value_node, key, where)
        missing = [key for key in REQUIRED_KEYS if key not in values]
        if missing:
            keys = " and ".join(f"'{key}'" for key in missing)
            raise FileError(f"{where}: missing {keys} (each entry needs {', '.join(REQUIRED_KEYS)})")
        listed.append(Listed(Preview(**values), line))
    return tuple(listed)


def expiry_warnings(previews: tuple[EnvironmentConfig, ...], today: datetime.date) -> list[str]:
    """One warning per preview past its expiry date: still synthesized, never an error."""
    warnings = []
    for env in previews:
        expires = dict(env.extra_labels).get(EXPIRES_LABEL, "")
        if is_date(expires) and datetime.date.fromisoformat(expires) < today:
            warnings.append(f"preview '{env.name}' expired on {expires}; remove it with {PRUNE_COMMAND}")
    return warnings


def previews_file() -> Path:
    configured = os.environ.get(PREVIEWS_FILE_VARIABLE)
    return Path(configured) if configured else DEFAULT_PREVIEWS_FILE


def load_previews(
    permanent: tuple[EnvironmentConfig, ...], development: EnvironmentConfig, path: Path | None = None
) -> tuple[EnvironmentConfig, ...]:
    """The preview environments requested in ``path``; a name listed twice, or a name, namespace or host
    of a permanent environment, is an error that says so."""
    check_permanent_namespaces(permanent)
    path = path or previews_file()
    if not path.exists():
        return ()
    source = shown(path)
    listed = parse_previews(read(path), source)
    first: dict[str, Listed] = {}
    for entry in listed:
        name = entry.preview.name
        if name in first:
            raise FileError(
                f"{source}, line {entry.line}: preview '{name}' is listed twice (also line {first[name].line})", name
            )
        first[name] = entry
    environments = []
    for entry in listed:
        try:
            environments.append(preview_environment(entry.preview, development))
        except ConfigError as error:
            raise FileError(f"{source}, line {entry.line}: {error}", entry.preview.name) from None
    for entry, env in zip(listed, environments, strict=True):
        for other in permanent:
            clash = _shared(env, other)
            if clash:
                raise FileError(
                    f"{source}, line {entry.line}: preview '{env.name}' collides with the permanent environment "
                    f"'{other.name}' (both use {clash}); choose another name",
                    env.name,
                )
    check_unique((*permanent, *environments))
    return tuple(environments)


def check_permanent_namespaces(permanent: tuple[EnvironmentConfig, ...]) -> None:
    """A permanent environment in a ``gorax-pr-*`` namespace would be a destination of the previews' project."""
    for env in permanent:
        if env.namespace.startswith(NAMESPACE_PREFIX):
            allowed = f"a namespace not starting with '{NAMESPACE_PREFIX}' (reserved for previews)"
            raise ConfigError(env.name, [Problem("namespace", env.namespace, allowed)])


def _shared(env: EnvironmentConfig, other: EnvironmentConfig) -> str:
    """What two environments both use (name, namespace, prefix, a host), or ``""``."""
    for field_name in ("name", "namespace", "prefix"):
        if getattr(env, field_name) == getattr(other, field_name):
            return f"the {field_name} '{getattr(env, field_name)}'"
    common = sorted(set(env.hosts) & set(other.hosts))
    return f"the host '{common[0]}'" if common else ""
