"""Switching an environment from External Secrets to Sealed Secrets, as far as the output shows it.

The Sealed Secrets controller (sealed-secrets v0.36.6, pkg/controller/controller.go) unseals into the
Secret named by the SealedSecret in its namespace and refuses one that exists and is neither its own nor
annotated ``sealedsecrets.bitnami.com/managed: "true"`` (pkg/apis/sealedsecrets/v1alpha1/types.go).
"""

from __future__ import annotations

import re
from dataclasses import replace

from gorax_constructs.configuration.secrets import SealedSecrets
from gorax_constructs.configuration.syncwaves import HOOK, SYNC_WAVE
from gorax_constructs.parts.argocd import SYNC_OPTIONS

from .conftest import REPO, synthesize_environments
from .fixture_catalog import STAGING

MANAGED = "sealedsecrets.bitnami.com/managed"
WORKLOADS = ("Deployment", "Job", "HorizontalPodAutoscaler", "Service", "NetworkPolicy")


def test_switching_to_sealed_secrets_changes_no_workload_and_adopts_the_same_secret(tmp_path):
    sealed = replace(STAGING, secrets=SealedSecrets(file="tests/fixtures/sealed-secrets/opt-sealed.yaml"))
    before = synthesize_environments((STAGING,), tmp_path / "before")[STAGING.name]
    after = synthesize_environments((sealed,), tmp_path / "after")[STAGING.name]

    def workloads(output):
        return sorted((o["kind"], o["metadata"]["name"], repr(o)) for o in output.objects if o["kind"] in WORKLOADS)

    assert workloads(before) == workloads(after)
    (old,) = before.of_kind("ExternalSecret")
    (new,) = after.of_kind("SealedSecret")
    assert after.of_kind("ExternalSecret") == []  # pruned, and only after the sync: PruneLast
    assert "PruneLast=true" in SYNC_OPTIONS
    # The controller looks for the Secret the ExternalSecret wrote: the one the annotation must be put on.
    assert new["metadata"]["name"] == old["spec"]["target"]["name"]
    assert new["metadata"]["namespace"] == old["metadata"]["namespace"] == STAGING.namespace
    # It is unsealed before the migration hook runs, in a wave of its own (no hook beside it).
    hooks = [o for o in after.objects if HOOK in o["metadata"].get("annotations", {})]
    assert hooks and all(
        int(new["metadata"]["annotations"][SYNC_WAVE]) < int(h["metadata"]["annotations"][SYNC_WAVE]) for h in hooks
    )


def test_the_docs_give_the_adoption_step_before_the_switch():
    page = (REPO / "docs" / "secrets-and-identity.md").read_text()
    section = page.split("### Switching an environment to Sealed Secrets", 1)[1].split("\n#", 1)[0]
    (command,) = re.findall(r"kubectl annotate secret .*", section)
    assert f"{MANAGED}=true" in command
