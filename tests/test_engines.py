"""What the engines that consume ``dist/`` will do with it, modelled on their source (issue 12).

Argo CD v3.5.1 (argoproj/argo-cd, gitops-engine vendored under ``gitops-engine/``): sync waves wait for
health (``gitops-engine/pkg/sync/sync_context.go``), the built-in and Lua health checks
(``gitops-engine/pkg/health/``, ``resource_customizations/``), ``Delete=false`` / ``Prune=false``
(``controller/appcontroller.go``, ``sync_context.go``), projects and ApplicationSets. cert-manager's
ingress-shim, Let's Encrypt's 50 certificates per registered domain per week, and how ingress-nginx and
Gateway API pick the rule a request path goes to.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.edge import CLUSTER_ISSUER, UNTRUSTED_ISSUERS, IssuedTls, WildcardTls
from gorax_constructs.configuration.errors import ConfigError
from gorax_constructs.configuration.gitops import ArgoCdTarget
from gorax_constructs.configuration.previews import PREVIEW_PROJECT, Preview, preview_environment
from gorax_constructs.configuration.quantities import cpu_millicores, memory_bytes
from gorax_constructs.configuration.syncwaves import HOOK, SYNC_OPTIONS, SYNC_WAVE
from gorax_constructs.parts.argocd import (
    MANIFEST_GENERATE_PATHS,
    RETRY_LIMIT,
    group_kind,
)
from gorax_constructs.pipeline.kustomize import ARGOCD_FOLDER
from gorax_constructs.pipeline.validation import YAML_LOADER, custom_resource_errors

from .conftest import CATALOG, REPO, synthesize_environments
from .fixture_catalog import DEV as DEVELOPMENT
from .fixture_catalog import PREVIEWS, PRODUCTION, STAGING
from .k8s_objects import containers, pod_templates
from .test_edge import blocking

# -- 1. Sync waves against health checks ------------------------------------------------------------------------

BLOCKING_HEALTH = {
    ("cert-manager.io", "Certificate"): "resource_customizations/cert-manager.io/Certificate/health.lua",
    ("external-secrets.io", "ExternalSecret"): "resource_customizations/external-secrets.io/ExternalSecret/health.lua",
    ("autoscaling", "HorizontalPodAutoscaler"): "gitops-engine/pkg/health/health_hpa.go",
    ("networking.k8s.io", "Ingress"): "gitops-engine/pkg/health/health_ingress.go",
    ("policy", "PodDisruptionBudget"): "resource_customizations/policy/PodDisruptionBudget/health.lua",
    (
        "gateway.networking.k8s.io",
        "HTTPRoute",
    ): "resource_customizations/gateway.networking.k8s.io/HTTPRoute/health.lua",
    ("apps", "Deployment"): "gitops-engine/pkg/health/health_deployment.go",
    ("batch", "Job"): "gitops-engine/pkg/health/health_job.go",
    ("", "Service"): "gitops-engine/pkg/health/health_service.go",
    ("bitnami.com", "SealedSecret"): "resource_customizations/bitnami.com/SealedSecret/health.lua",
    ("keda.sh", "ScaledObject"): "resource_customizations/keda.sh/ScaledObject/health.lua",
}
"""Kinds whose health Argo CD checks and that can stay Progressing or turn Degraded (argo-cd v3.5.1)."""
GATES = {
    ("external-secrets.io", "ExternalSecret"): "the migration Job and the pods read the Secret it writes",
    ("bitnami.com", "SealedSecret"): "the migration Job and the pods read the Secret it unseals",
}
"""Blocking kinds allowed before the workloads: what the migration hook or the pods cannot run without."""


def wave(obj) -> int:
    return int(obj["metadata"].get("annotations", {}).get(SYNC_WAVE, "0"))


def sync_gates(objects) -> list[str]:
    """Objects Argo CD would wait on, by its health check, before it applies the workloads."""
    workloads = min(wave(o) for o in objects if o["kind"] == "Deployment")
    return [
        f"{o['kind']}/{o['metadata']['name']} in wave {wave(o)}"
        for o in objects
        if group_kind(o) in BLOCKING_HEALTH
        and group_kind(o) not in GATES
        and HOOK not in o["metadata"].get("annotations", {})
        and wave(o) < workloads
    ]


def test_nothing_but_what_the_migration_needs_is_waited_on_before_the_workloads(any_edge, every_preview):
    for output in (any_edge, *every_preview):
        assert sync_gates(output.objects) == []


def test_the_wave_model_catches_an_early_certificate(environment):
    early = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "tls"}}
    early["metadata"]["annotations"] = {SYNC_WAVE: "-2"}
    assert sync_gates([*environment.objects, early]) == ["Certificate/tls in wave -2"]


def test_no_certificate_is_an_application_resource(any_edge, every_preview):
    """Argo CD waits for the last wave too: a Certificate in any wave holds the sync while an order is pending
    (Issuing=True is Progressing) and fails it on Ready=False. ingress-shim's Certificate is the Ingress's."""
    for output in (any_edge, *every_preview):
        assert output.of_kind("Certificate") == []


# -- 2. Trusted issuers -----------------------------------------------------------------------------------------


def test_every_public_host_gets_a_trusted_certificate(every_output):
    for output in every_output:
        tls = output.env.edge.tls
        ingresses = [i for i in output.of_kind("Ingress") if not blocking(i)]
        hosts = {rule["host"] for i in ingresses for rule in i["spec"]["rules"]}
        assert hosts == set(output.env.hosts)
        if isinstance(tls, IssuedTls):
            issuers = {
                i["metadata"]["annotations"][CLUSTER_ISSUER]
                for i in ingresses
                if CLUSTER_ISSUER in i["metadata"]["annotations"]
            }
            assert issuers == {tls.cluster_issuer}
            assert not issuers & UNTRUSTED_ISSUERS, output.env.name
        else:
            assert all(tls.covers(host) for host in hosts), output.env.name


@pytest.mark.parametrize("env", [DEVELOPMENT, STAGING, PRODUCTION], ids=lambda e: e.name)
def test_a_staging_issuer_is_a_config_error(env):
    with pytest.raises(ConfigError) as caught:
        replace(env, edge=replace(env.edge, tls=IssuedTls(cluster_issuer="letsencrypt-staging")))
    message = str(caught.value)
    assert f"environment '{env.name}': edge.tls.cluster_issuer = 'letsencrypt-staging' is not allowed" in message
    assert "publicly trusted issuer" in message


# -- 3. Previews: one shared wildcard, no ACME order ------------------------------------------------------------


def test_previews_order_no_certificate_and_still_serve_tls(fixture_synthesized):
    preview = fixture_synthesized[PREVIEWS[0].name]
    tls = preview.env.edge.tls
    assert isinstance(tls, WildcardTls)
    assert tls.dns_names == (f"*.{DEVELOPMENT.api_host}", f"*.{DEVELOPMENT.webhooks_host}")
    for ingress in preview.of_kind("Ingress"):
        assert not [k for k in ingress["metadata"]["annotations"] if k.startswith("cert-manager.io/")]
        tls_hosts = {h for entry in ingress["spec"]["tls"] for h in entry["hosts"]}
        # No secretName: ingress-nginx serves its --default-ssl-certificate (the platform's wildcard).
        assert all("secretName" not in entry for entry in ingress["spec"]["tls"])
        for rule in ingress["spec"]["rules"]:
            assert rule["host"] in tls_hosts and tls.covers(rule["host"])
    assert not [p for p in preview.of_kind("NetworkPolicy") if p["metadata"]["name"].endswith("acme-solver")]


def test_a_hundred_previews_cost_no_acme_order():
    previews = [
        preview_environment(Preview(name=f"pr-{n}", owner="ci", expires="2026-12-31"), DEVELOPMENT) for n in range(100)
    ]
    assert all(isinstance(env.edge.tls, WildcardTls) for env in previews)
    assert len({env.edge.tls for env in previews}) == 1


def test_a_wildcard_covers_one_label_only():
    wildcard = WildcardTls(dns_names=(f"*.{DEVELOPMENT.api_host}",))
    assert wildcard.covers(f"pr-1.{DEVELOPMENT.api_host}")
    assert not wildcard.covers(DEVELOPMENT.api_host)
    assert not wildcard.covers(f"a.pr-1.{DEVELOPMENT.api_host}")
    with pytest.raises(ConfigError) as caught:
        replace(DEVELOPMENT, edge=replace(DEVELOPMENT.edge, tls=wildcard))
    assert f"webhooks_host = '{DEVELOPMENT.webhooks_host}' is not allowed" in str(caught.value)


def test_preview_routes_attach_to_the_wildcard_listener_by_hostname():
    preview = preview_environment(Preview(name="pr-9", owner="ci", expires="2026-12-31"), DEVELOPMENT)
    listener = preview.edge.listener(preview.api_host)
    assert (listener.name, listener.hostname) == (f"wildcard.{DEVELOPMENT.api_host}", f"*.{DEVELOPMENT.api_host}")


# -- 4. Previews delivered by an ApplicationSet; quotas ---------------------------------------------------------


@pytest.fixture(scope="session")
def argocd(synth_root, synthesized):
    folder = synth_root / ARGOCD_FOLDER
    return [doc for p in sorted(folder.glob("*.k8s.yaml")) for doc in yaml.load_all(p.read_text(), Loader=YAML_LOADER)]


def of_kind(objects, kind):
    return [o for o in objects if o["kind"] == kind]


def render(template, folder: str):
    """Go-template substitution of the git directory generator's parameters for one folder."""
    text = yaml.safe_dump(template)
    text = text.replace("{{.path.basename}}", folder.rsplit("/", 1)[-1]).replace("{{.path.path}}", folder)
    return yaml.safe_load(text)


def test_argo_cd_objects_validate_against_their_crds(argocd):
    assert {o["kind"] for o in argocd} == {"AppProject", "Application", "ApplicationSet"}
    errors = [f"{o['kind']}/{o['metadata']['name']}: {e}" for o in argocd for e in custom_resource_errors(o)]
    assert errors == []


def test_the_application_set_deploys_exactly_the_preview_folders(argocd, synth_root, synthesized):
    (appset,) = of_kind(argocd, "ApplicationSet")
    (generator,) = appset["spec"]["generators"]
    (directories,) = generator["git"]["directories"]
    assert generator["git"]["repoURL"] == CATALOG.gitops.repo_url
    folders = sorted(str(p.relative_to(synth_root)) for p in synth_root.glob("*/*") if p.is_dir())
    matched = [f"dist/{f}" for f in folders if fnmatch.fnmatch(f"dist/{f}", directories["path"])]
    assert matched == [f"dist/previews/{env.name}" for env in CATALOG.previews]
    for folder, env in zip(matched, CATALOG.previews, strict=True):
        app = render(appset["spec"]["template"], folder)
        assert app["metadata"]["name"] == f"gorax-{env.name}"
        assert app["spec"]["destination"] == {"name": env.argocd.cluster, "namespace": env.namespace}
        assert app["spec"]["project"] == env.argocd.project == PREVIEW_PROJECT
        assert app["spec"]["source"]["path"] == folder
        # Deleting the Application (its folder left the generator) deletes the preview, Namespace included.
        assert app["metadata"]["finalizers"] == ["resources-finalizer.argocd.argoproj.io"]
        assert app["spec"]["syncPolicy"]["automated"]["prune"] is True
        namespace = synthesized[env.name].get("Namespace", env.namespace)
        assert SYNC_OPTIONS not in namespace["metadata"].get("annotations", {})
    assert appset["spec"].get("syncPolicy", {}).get("preserveResourcesOnDeletion", False) is False


def _pods_at_most(output):
    """Each workload's most pods at once, computed here from config and the Deployment strategy."""
    env = output.env
    for owner, template in pod_templates(output.objects):
        if owner["kind"] == "Deployment":
            component = env.api if owner["metadata"]["name"].endswith("-api") else env.worker
            surge = owner["spec"]["strategy"]["rollingUpdate"]["maxSurge"]
            yield component.autoscaling.max_replicas + surge, template
        else:
            yield 1, template


def test_preview_namespaces_are_bounded_by_a_quota_that_admits_their_pods(environment):
    quotas, ranges = environment.of_kind("ResourceQuota"), environment.of_kind("LimitRange")
    if not environment.env.preview:
        assert quotas == ranges == []
        return
    (quota,) = quotas
    (limit_range,) = ranges
    hard = quota["spec"]["hard"]
    need = {"pods": 0, "requests.cpu": 0, "limits.cpu": 0, "requests.memory": 0, "limits.memory": 0}
    (limits,) = limit_range["spec"]["limits"]
    for count, template in _pods_at_most(environment):
        need["pods"] += count
        for container in containers(template):
            resources = container["resources"]
            for kind in ("requests", "limits"):
                need[f"{kind}.cpu"] += count * cpu_millicores(resources[kind]["cpu"])
                need[f"{kind}.memory"] += count * memory_bytes(resources[kind]["memory"])
            assert cpu_millicores(resources["limits"]["cpu"]) <= cpu_millicores(limits["max"]["cpu"])
            assert memory_bytes(resources["limits"]["memory"]) <= memory_bytes(limits["max"]["memory"])
    assert int(hard["pods"]) >= need["pods"]
    for kind in ("requests", "limits"):
        assert cpu_millicores(hard[f"{kind}.cpu"]) >= need[f"{kind}.cpu"]
        assert memory_bytes(hard[f"{kind}.memory"]) >= need[f"{kind}.memory"]
    assert wave(quota) < wave(environment.of_kind("Job")[0])


# -- 5. manifest-generate-paths ----------------------------------------------------------------------------------


def test_every_application_regenerates_only_for_its_own_folder(argocd):
    applications = of_kind(argocd, "Application") + [of_kind(argocd, "ApplicationSet")[0]["spec"]["template"]]
    assert len(applications) == len(CATALOG.permanent) + 1
    for app in applications:
        assert app["metadata"]["annotations"][MANIFEST_GENERATE_PATHS] == "."  # relative to spec.source.path


# -- 6. Namespaces survive; AppProjects -------------------------------------------------------------------------


def test_permanent_namespaces_survive_an_application_deletion(synthesized):
    for env in CATALOG.permanent:
        namespace = synthesized[env.name].get("Namespace", env.namespace)
        options = namespace["metadata"]["annotations"][SYNC_OPTIONS].split(",")
        assert "Delete=false" in options and "Prune=false" in options


def test_each_application_is_confined_by_its_project(argocd, synthesized):
    """Argo CD's own matcher on these projects: tests/test_argocd_projects.py."""
    projects = {p["metadata"]["name"]: p["spec"] for p in of_kind(argocd, "AppProject")}
    (appset,) = of_kind(argocd, "ApplicationSet")
    apps = of_kind(argocd, "Application") + [
        render(appset["spec"]["template"], f"dist/previews/{env.name}") for env in CATALOG.previews
    ]
    assert sorted(projects) == sorted({env.argocd.project for env in CATALOG.permanent} | {PREVIEW_PROJECT})
    for app in apps:
        spec = projects[app["spec"]["project"]]
        assert spec["sourceRepos"] == [app["spec"]["source"]["repoURL"]]


# -- 7. Per-environment destination and project -----------------------------------------------------------------


def test_production_can_live_in_its_own_cluster_and_project(tmp_path):
    target = ArgoCdTarget(cluster="prod-eu-1", project="gorax-production")
    moved = replace(PRODUCTION, argocd=target)
    synthesize_environments((DEVELOPMENT, STAGING, moved), tmp_path)
    docs = [yaml.safe_load(p.read_text()) for p in sorted((tmp_path / ARGOCD_FOLDER).glob("*.k8s.yaml"))]
    (app,) = [d for d in docs if d["kind"] == "Application" and d["metadata"]["name"] == f"gorax-{PRODUCTION.name}"]
    assert app["spec"]["destination"] == {"name": "prod-eu-1", "namespace": PRODUCTION.namespace}
    assert app["spec"]["project"] == "gorax-production"
    (project,) = [d for d in docs if d["kind"] == "AppProject" and d["metadata"]["name"] == "gorax-production"]
    assert project["spec"]["destinations"] == [{"name": "prod-eu-1", "namespace": PRODUCTION.namespace}]
    with pytest.raises(ConfigError, match=r"argocd.cluster = 'Prod_EU' is not allowed"):
        replace(PRODUCTION, argocd=ArgoCdTarget(cluster="Prod_EU"))


# -- 8. HPA health override: tests/test_argocd_health.py -------------------------------------------------------


# -- 9. Image tags ------------------------------------------------------------------------------------------------


def test_staging_and_production_run_immutable_images_and_moving_tags_are_pulled_always(every_output):
    for output in every_output:
        for _, template in pod_templates(output.objects):
            for container in containers(template):
                image = container["image"]
                immutable = "@sha256:" in image or re.search(r":(v?\d+\.\d+\.\d+\S*|(sha-)?[0-9a-f]{7,40})$", image)
                if output.env.tier != "development":
                    assert immutable, f"{output.env.name}: {image}"
                expected = "IfNotPresent" if immutable else "Always"
                assert container["imagePullPolicy"] == expected, f"{output.env.name}: {image}"


# -- 10. /metrics and /health are not served by the edge ---------------------------------------------------------

INTERNAL = ("/metrics", "/health/live", "/health/ready", "/health", "/ready")
PUBLIC = ("/", "/api/v1/workflows", "/webhooks/github", "/healthcheck-is-not-health")


def _prefix_match(prefix: str, path: str) -> bool:
    """``Prefix`` / ``PathPrefix`` match element-wise: ``/health`` matches ``/health/x``, not ``/healthz``."""
    return prefix == "/" or path == prefix.rstrip("/") or path.startswith(prefix.rstrip("/") + "/")


def nginx_route(ingresses, host: str, path: str):
    """The Ingress ingress-nginx sends ``host`` + ``path`` to: Exact first, else the longest Prefix (all Ingresses
    of one host are merged into one server)."""
    candidates = []
    for ingress in ingresses:
        for rule in ingress["spec"]["rules"]:
            if rule["host"] != host:
                continue
            for p in rule["http"]["paths"]:
                if (p["pathType"] == "Exact" and p["path"] == path) or (
                    p["pathType"] == "Prefix" and _prefix_match(p["path"], path)
                ):
                    candidates.append((p["pathType"] == "Exact", len(p["path"]), ingress))
    return max(candidates, key=lambda c: c[:2])[2] if candidates else None


def gateway_rule(routes, host: str, path: str):
    candidates = [
        (len(m["path"]["value"]), rule)
        for route in routes
        if host in route["spec"]["hostnames"]
        for rule in route["spec"]["rules"]
        for m in rule["matches"]
        if m["path"]["type"] == "PathPrefix" and _prefix_match(m["path"]["value"], path)
    ]
    return max(candidates, key=lambda c: c[0])[1] if candidates else None


def test_no_edge_object_forwards_metrics_or_health(any_edge, every_preview):
    for output in (any_edge, *every_preview):
        for host in output.env.hosts:
            for path in INTERNAL:
                ingress = nginx_route(output.of_kind("Ingress"), host, path)
                if ingress is not None:
                    assert blocking(ingress), f"{host}{path} -> {ingress['metadata']['name']}"
                    annotations = ingress["metadata"]["annotations"]
                    assert set(annotations["nginx.ingress.kubernetes.io/denylist-source-range"].split(",")) == {
                        "0.0.0.0/0",
                        "::/0",
                    }
                rule = gateway_rule(output.of_kind("HTTPRoute"), host, path)
                if rule is not None:
                    assert not rule.get("backendRefs") and not rule.get("filters"), f"{host}{path}"
                assert ingress is not None or rule is not None
            for path in PUBLIC:
                ingress = nginx_route(output.of_kind("Ingress"), host, path)
                rule = gateway_rule(output.of_kind("HTTPRoute"), host, path)
                assert (ingress is not None and not blocking(ingress)) or (rule and rule.get("backendRefs"))


# -- 11. Docs say what really happens ----------------------------------------------------------------------------


def test_the_runbook_says_what_self_heal_and_retries_do():
    runbook = " ".join((REPO / "docs" / "runbook.md").read_text().split())
    assert "A self-heal sync is selective and runs no hooks" in runbook
    assert f"`retry.limit: {RETRY_LIMIT}`" in runbook
    assert "each retry replaces the failed migration Job" in runbook
