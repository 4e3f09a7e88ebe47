"""Every validated string matches as a whole (issue 22): a trailing newline, a leading space, a NUL or a
non-ASCII look-alike is refused in every field, where ``re.match(r"...$")`` let ``pr-9\\n`` reach dist/."""

import argparse
from collections.abc import Callable
from dataclasses import replace

import pytest

from gorax_constructs.cli import iso_date
from gorax_constructs.configuration.edge import GatewayParent, IssuedTls, WildcardTls
from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.gitops import ArgoCdTarget, GitOpsConfig
from gorax_constructs.configuration.identity import AwsIrsa, AzureWorkloadIdentity, GkeWorkloadIdentity
from gorax_constructs.configuration.model import Image, QueueDepth
from gorax_constructs.configuration.monitoring import MonitoringConfig
from gorax_constructs.configuration.naming import is_label_value
from gorax_constructs.configuration.previews import Preview, is_date
from gorax_constructs.configuration.quantities import is_cpu, is_memory
from gorax_constructs.configuration.secrets import ExternalSecrets
from gorax_constructs.configuration.tracing import TracingConfig

from .fixture_catalog import DEV

LOOK_ALIKES = {
    **{"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441", "i": "\u0456", "s": "\u0455"},
    **{"0": "\u0660", "1": "\u0661", "3": "\u0663"},
}
"""Cyrillic letters and an Arabic-Indic digit that render like the ASCII ones (Python's str methods call
them letters and digits)."""


def look_alike(value: str) -> str:
    index = next(i for i, char in enumerate(value) if char in LOOK_ALIKES)
    return value[:index] + LOOK_ALIKES[value[index]] + value[index + 1 :]


MUTATIONS: dict[str, Callable[[str], str]] = {
    "trailing newline": lambda value: value + "\n",
    "leading space": lambda value: " " + value,
    "NUL": lambda value: value[:1] + "\x00" + value[1:],
    "look-alike": look_alike,
}


def env(**changes) -> Callable[[object], list]:
    """Problems of DEV with ``changes`` (each a function of the value under test)."""

    def build(value: object) -> list:
        try:
            replace(DEV, **{name: change(value) for name, change in changes.items()})
        except ConfigError as error:
            return [error]
        return []

    return build


def section(make: Callable[[object], object], *args) -> Callable[[object], list]:
    return lambda value: list(make(value).problems(*args))


def component(**image) -> Callable[[str], object]:
    return lambda value: replace(DEV.api, image=replace(DEV.api.image, **{image["field"]: value}))


def raises(make: Callable[[object], object]) -> Callable[[object], list]:
    def build(value: object) -> list:
        try:
            make(value)
        except (ConfigError, ValueError, argparse.ArgumentTypeError) as error:
            return [error]
        return []

    return build


def accepts(predicate: Callable[[object], bool]) -> Callable[[object], list]:
    return lambda value: [] if predicate(value) else [value]


FIELDS: dict[str, tuple[str, Callable[[str], list]]] = {
    "environment name": ("preview-two", env(name=lambda v: v)),
    "prefix": ("dev2", env(prefix=lambda v: v)),
    "namespace": ("gorax-dev2", env(namespace=lambda v: v)),
    "api_host": ("api.dev2.gorax.io", env(api_host=lambda v: v)),
    "webhooks_host": ("webhooks.dev2.gorax.io", env(webhooks_host=lambda v: v)),
    "image tag": ("v1.2.3", section(lambda v: Image(repository="gorax/api", tag=v), "production")),
    "image digest": ("sha256:" + "0a" * 32, section(lambda v: Image(repository="gorax/api", digest=v), "production")),
    "image repository": ("gorax/api", section(lambda v: Image(repository=v, tag="v1.2.3"), "production")),
    "CORS origin": ("https://app.gorax.io", env(cors=lambda v: replace(DEV.cors, allowed_origins=(v,)))),
    "label key": ("team", env(extra_labels=lambda v: ((v, "platform"),))),
    "label value": ("platform", env(extra_labels=lambda v: (("team", v),))),
    "feature flag": ("webhook-replay", env(features=lambda v: ((v, True),))),
    "label value (naming)": ("v1.2.3", accepts(is_label_value)),
    "CPU quantity": ("100m", accepts(is_cpu)),
    "memory quantity": ("1.5Gi", accepts(is_memory)),
    "preview name": ("pr-1", section(lambda v: Preview(name=v, owner="alice", expires="2030-01-01"))),
    "preview owner": ("alice", section(lambda v: Preview(name="pr-1", owner=v, expires="2030-01-01"))),
    "preview expires": ("2030-01-01", section(lambda v: Preview(name="pr-1", owner="alice", expires=v))),
    "expires (is_date)": ("2030-01-01", accepts(is_date)),
    "--expires": ("2030-01-01", raises(iso_date)),
    "repo_url": ("https://github.com/gorax/gorax-environments.git", raises(lambda v: GitOpsConfig(repo_url=v))),
    "repo_url (ssh)": ("git@github.com:gorax/environments.git", raises(lambda v: GitOpsConfig(repo_url=v))),
    "target_revision": ("main", raises(lambda v: GitOpsConfig(repo_url="https://g.io/r.git", target_revision=v))),
    "argocd_namespace": ("argocd", raises(lambda v: GitOpsConfig(repo_url="https://g.io/r.git", argocd_namespace=v))),
    "Argo CD cluster": ("in-cluster", section(lambda v: ArgoCdTarget(cluster=v))),
    "Argo CD project": ("gorax", section(lambda v: ArgoCdTarget(project=v))),
    "secret store": ("gorax-store", section(lambda v: ExternalSecrets(store_name=v, remote_key_prefix="gorax/p"))),
    "remote key prefix": ("gorax/prod", section(lambda v: ExternalSecrets(store_name="s", remote_key_prefix=v))),
    "refresh interval": (
        "1h",
        section(lambda v: ExternalSecrets(store_name="s", remote_key_prefix="p", refresh_interval=v)),
    ),
    "role ARN": ("arn:aws:iam::123456789012:role/gorax", section(lambda v: AwsIrsa(role_arn=v))),
    "GCP service account": (
        "gorax-api@project-1.iam.gserviceaccount.com",
        section(lambda v: GkeWorkloadIdentity(service_account=v)),
    ),
    "Azure client id": (
        "0a1b2c3d-0000-4000-8000-00000000000a",
        section(lambda v: AzureWorkloadIdentity(client_id=v, tenant_id="0a1b2c3d-0000-4000-8000-00000000000b")),
    ),
    "OTLP endpoint": ("http://otel.observability.svc:4317", section(lambda v: TracingConfig(endpoint=v))),
    "scrape interval": ("30s", section(lambda v: MonitoringConfig(scrape_interval=v))),
    "Prometheus label": ("release", section(lambda v: MonitoringConfig(prometheus_labels=((v, "kps"),)))),
    "queue": ("default", section(lambda v: QueueDepth(target_per_worker=5, implementation="keda", queue=v))),
    "Prometheus URL": (
        "http://prometheus.monitoring.svc:9090",
        section(lambda v: QueueDepth(target_per_worker=5, implementation="keda", prometheus_url=v)),
    ),
    "cluster issuer": ("letsencrypt-prod", section(lambda v: IssuedTls(cluster_issuer=v))),
    "wildcard name": ("*.api.dev.gorax.io", section(lambda v: WildcardTls(dns_names=(v,)))),
    "gateway namespace": ("gateway-system", section(lambda v: GatewayParent(namespace=v))),
    "blocked path": ("/metrics", env(edge=lambda v: replace(DEV.edge, blocked_paths=(v,)))),
    "ingress class": ("nginx", env(edge=lambda v: replace(DEV.edge, ingress_class=v))),
    "DNS namespace": ("kube-dns", env(network=lambda v: replace(DEV.network, dns_namespace=v))),
}


@pytest.mark.parametrize("field", FIELDS)
def test_the_valid_value_is_accepted(field):
    valid, problems = FIELDS[field]
    assert problems(valid) == []


@pytest.mark.parametrize("mutation", MUTATIONS)
@pytest.mark.parametrize("field", FIELDS)
def test_a_value_that_only_starts_right_is_refused(field, mutation):
    valid, problems = FIELDS[field]
    assert problems(MUTATIONS[mutation](valid)), f"{field}: {MUTATIONS[mutation](valid)!r} was accepted"
