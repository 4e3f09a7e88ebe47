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
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from .dns import is_dns_label
from .edge import WildcardTls
from .errors import ConfigError, Problem
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
"""The AppProject of every preview: its own, so it may target ``gorax-*`` namespaces of development's
cluster without widening what the permanent environments' project allows."""
OWNER_LABEL = "gorax.io/preview-owner"
EXPIRES_LABEL = "gorax.io/preview-expires"
_OWNER = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")


@dataclass(frozen=True, kw_only=True)
class Preview:
    """One requested preview, as the pipeline writes it.

    Attributes:
        name: a DNS label of at most 30 characters starting with a letter, e.g. ``pr-123``.
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
        if not isinstance(self.owner, str) or not _OWNER.match(self.owner):
            yield Problem("owner", self.owner, "a label value: letters, digits, '-', '_', '.', at most 63")
        try:
            datetime.date.fromisoformat(str(self.expires))
        except ValueError:
            yield Problem("expires", self.expires, "an ISO date such as '2026-12-31'")


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
    edge = replace(
        development.edge,
        tls=wildcard,
        # No listener name: the route attaches to the Gateway's listener whose hostname (the wildcard) matches.
        gateway=replace(development.edge.gateway, section_name=""),
    )
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


def parse_previews(document: object, source: str) -> tuple[Preview, ...]:
    """Previews from the parsed YAML of a previews file (``previews: [{name, owner, expires}, ...]``)."""
    if document is None:
        return ()
    entries = document.get("previews") if isinstance(document, Mapping) else None
    if entries is None:
        entries = []
    if not isinstance(entries, list):
        raise ConfigError(source, [Problem("previews", entries, "a list of {name, owner, expires} entries")])
    previews = []
    fields = set(Preview.__dataclass_fields__)
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping) or not {"name", "owner", "expires"} <= entry.keys() <= fields:
            allowed = f"a mapping with name, owner, expires and optionally api_tag, worker_tag ({source})"
            label = entry.get("name", f"#{index}") if isinstance(entry, Mapping) else f"#{index}"
            raise ConfigError(str(label), [Problem(f"previews[{index}]", entry, allowed)])
        previews.append(Preview(**{k: str(v) for k, v in entry.items()}))
    return tuple(previews)


def previews_file() -> Path:
    configured = os.environ.get(PREVIEWS_FILE_VARIABLE)
    return Path(configured) if configured else DEFAULT_PREVIEWS_FILE


def load_previews(
    permanent: tuple[EnvironmentConfig, ...], development: EnvironmentConfig, path: Path | None = None
) -> tuple[EnvironmentConfig, ...]:
    """The preview environments requested in ``path``; names, namespaces and hosts must not
    collide with each other or with a permanent environment."""
    path = path or previews_file()
    if not path.exists():
        return ()
    requests = parse_previews(yaml.safe_load(path.read_text()), str(path))
    environments = tuple(preview_environment(request, development) for request in requests)
    check_unique((*permanent, *environments))
    return environments
