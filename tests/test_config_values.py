"""Configuration values the issue-22 run found unchecked or blamed on the wrong file."""

import errno
import os
import re
import subprocess
from dataclasses import replace

import pytest

from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.gitops import GitOpsConfig
from gorax_constructs.configuration.model import check_unique
from gorax_constructs.configuration.network import Peer, namespace_labels
from gorax_constructs.configuration.previews import Preview
from gorax_constructs.configuration.quantities import cpu_millicores, memory_bytes
from gorax_constructs.environments import BASE
from gorax_constructs.lock import SynthLock
from gorax_constructs.pipeline.reporting import run

from .end_to_end import copy_project
from .fixture_catalog import DEV, PRODUCTION, STAGING


@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease", "default", "cert-manager"])
def test_reserved_namespaces_are_refused(namespace):
    with pytest.raises(ConfigError, match=rf"namespace = '{namespace}' is not allowed: a namespace of its own"):
        replace(STAGING, namespace=namespace)


@pytest.mark.parametrize(
    "change,namespace",
    [
        (lambda env: replace(env.network, dns_namespace="coredns"), "coredns"),
        (lambda env: replace(env.network, monitoring=Peer(namespace_labels=namespace_labels("prom"))), "prom"),
        (lambda env: replace(env.network, otel_collector=Peer(namespace_labels=namespace_labels("otel"))), "otel"),
        (lambda env: replace(env.network, ingress_controller=Peer(namespace_labels=namespace_labels("edge"))), "edge"),
    ],
)
def test_a_namespace_the_configuration_names_as_another_system_is_refused(change, namespace):
    with pytest.raises(ConfigError, match=rf"namespace = '{namespace}' is not allowed"):
        replace(STAGING, network=change(STAGING), namespace=namespace)


def test_a_namespace_another_environment_uses_is_refused():
    with pytest.raises(ConfigError, match=r"namespace = 'gorax-prod' is not allowed: a namespace not already used"):
        check_unique((PRODUCTION, replace(STAGING, namespace="gorax-prod")))


def test_an_environment_listed_twice_is_a_message():
    with pytest.raises(ConfigError) as caught:
        check_unique((DEV, STAGING, DEV))
    assert str(caught.value) == "environment 'development' is listed twice in ENVIRONMENTS (environments.py)"


@pytest.mark.parametrize(
    "url", ["not a url", "github.com/gorax/env.git", "http://github.com/gorax/env.git", "ftp://x/y"]
)
def test_repo_url_must_be_a_git_url(url):
    with pytest.raises(ConfigError, match=r"GitOpsConfig: repo_url = .* is not allowed: a git clone URL"):
        GitOpsConfig(repo_url=url)


@pytest.mark.parametrize(
    "url",
    ["https://github.com/gorax/env.git", "ssh://git@github.com/gorax/env.git", "git@gitlab.example.com:g/env.git"],
)
def test_https_and_ssh_git_urls_are_accepted(url):
    assert GitOpsConfig(repo_url=url).repo_url == url


@pytest.mark.parametrize("expires", ["20270131", "2027-W05-1", "2027-01-31T00:00", "2027-1-31", "2027-02-30"])
def test_expires_is_exactly_yyyy_mm_dd(expires):
    assert [p.field for p in Preview(name="pr-1", owner="a", expires=expires).problems()] == ["expires"]


@pytest.mark.parametrize(
    "memory,expected",
    [("1.5Gi", 3 * 2**29), ("1e3", 1000), ("500M", 500 * 10**6), ("1Ki", 1024), (".5Ki", 512), ("2.", 2)],
)
def test_every_kubernetes_memory_form_is_accepted(memory, expected):
    resources = replace(BASE.api.resources, memory_request=memory, memory_limit="8Gi")
    assert replace(BASE, api=replace(BASE.api, resources=resources)).api.resources.memory_request == memory
    assert memory_bytes(memory) == expected


@pytest.mark.parametrize("cpu,expected", [("1.5", 1500), ("250m", 250), ("5e-1", 500), ("100000n", 1), ("1k", 10**6)])
def test_every_kubernetes_cpu_form_is_accepted(cpu, expected):
    assert cpu_millicores(cpu) == expected


def test_a_full_disk_is_one_line(capsys):
    def fails() -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "build/synth.lock")

    assert run(fails) == 1
    assert capsys.readouterr().err == (
        "gorax: no space left on the device writing build/synth.lock: free some and run the command again\n"
    )


def test_the_lock_works_when_its_pid_cannot_be_written(tmp_path, monkeypatch):
    def full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "pwrite", full)
    with SynthLock(tmp_path / "synth.lock") as lock:
        assert lock.path.exists()


@pytest.mark.scenario
def test_configuration_mistakes_name_their_file_in_a_synth(tmp_path):
    """Each mistake is appended to whatever environments.py holds, as the line a user would add."""
    project = copy_project(tmp_path / "project")
    environments = project / "gorax_constructs" / "environments.py"
    source = environments.read_text()
    env = {k: v for k, v in os.environ.items() if k != "JSII_NODE"}

    def synth(mistake: str) -> str:
        environments.write_text(f"{source}\n{mistake}\n")
        line = len(source.splitlines()) + 2
        done = subprocess.run([".venv/bin/python", "main.py"], cwd=project, env=env, capture_output=True, text=True)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        last = done.stderr.splitlines()[-1]
        assert last.startswith(f"gorax_constructs/environments.py, line {line}: "), last
        return last

    assert re.search(
        r": environment '[^']+' is listed twice in ENVIRONMENTS \(environments.py\)$",
        synth("check_unique((*ENVIRONMENTS, ENVIRONMENTS[0]))"),
    )
    assert re.search(
        r": environment '[^']+': namespace = 'kube-system' is not allowed: a namespace of its own",
        synth('replace(ENVIRONMENTS[-1], namespace="kube-system")'),
    )
    assert "GitOpsConfig: repo_url = 'not a url' is not allowed" in synth('GitOpsConfig(repo_url="not a url")')

    environments.write_text(source)
    (project / "images.yaml").write_bytes(b"\xff\xfe" + "production: {}".encode("utf-16-le"))
    done = subprocess.run([".venv/bin/python", "main.py"], cwd=project, env=env, capture_output=True, text=True)
    assert done.stderr.splitlines()[-1] == "images.yaml: not UTF-8 text (byte 1): save it as UTF-8"


def test_argo_cds_namespace_is_refused_for_an_environment(monkeypatch):
    from gorax_constructs.environments import ENVIRONMENTS
    from gorax_constructs.pipeline import catalog

    taken = ENVIRONMENTS[0].namespace
    gitops = GitOpsConfig(repo_url="https://git.example.test/r.git", argocd_namespace=taken)
    monkeypatch.setattr(catalog, "GITOPS", gitops)
    with pytest.raises(ConfigError, match=rf"namespace = '{taken}' is not allowed: not Argo CD's namespace"):
        catalog.load_catalog()
