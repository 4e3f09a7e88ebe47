"""The generated environment reference (docs/environments.md): what it says is what the objects say.

Expected values are read here from the synthesized objects, independently of ``envdoc``'s own
readers. Rendering is pure and takes milliseconds; the only synth of this module is one modified
environment (module-scoped), the rest reuses the session's.
"""

import copy
import re
from dataclasses import replace

import pytest

from gorax_constructs.configuration.edge import CLUSTER_ISSUER
from gorax_constructs.configuration.network import Peer
from gorax_constructs.configuration.secrets import ExternalSecrets
from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.pipeline.envdoc import render_environments

from . import fixture_catalog as fixture
from .conftest import CATALOG, REPO, Synthesized, folder_app
from .test_edge import blocking

NGINX = "nginx.ingress.kubernetes.io/"
PERMANENT = [env.name for env in fixture.PERMANENT]
PRODUCTION = fixture.PRODUCTION
DEV = fixture.DEV
DATABASE_CIDRS = ("10.20.0.0/16", "10.21.0.0/16")
CELL_SEPARATOR = re.compile(r"(?<!\\)\|")
NODE = re.compile(r'^(?P<id>[a-z][a-z0-9_]*)(?P<open>\(\[|\[\(|\[)"(?P<label>[^"]*)"(?P<close>\]\)|\)\]|\])$')
EDGE = re.compile(r'^(?P<source>[a-z][a-z0-9_]*) (?:-->|-\.->|==>)(?:\|"[^"]*"\|)? (?P<target>[a-z][a-z0-9_]*)$')
SUBGRAPH = re.compile(r'^subgraph (?P<id>[a-z][a-z0-9_]*)\["[^"]*"\]$')


def render(outputs):
    return render_environments([(output.env, output.objects) for output in outputs])


def table(markdown: str) -> dict[str, list[str]]:
    """Row label -> cells of the side-by-side table (unescaping ``\\|``); the header row is ``""``."""
    section = markdown.split("## At a glance\n\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("|---"):
            continue
        cells = [c.strip().replace("\\|", "|") for c in CELL_SEPARATOR.split(line)[1:-1]]
        rows[cells[0]] = cells[1:]
    return rows


def diagrams(markdown: str) -> dict[str, str]:
    """Environment name -> its Mermaid block."""
    return dict(re.findall(r"### (\S+)\n\n```mermaid\n(.*?)```", markdown, re.S))


def names(output, kind):
    return [o["metadata"]["name"] for o in output.of_kind(kind)]


def component(output, kind, name):
    (obj,) = [o for o in output.of_kind(kind) if o["metadata"]["labels"].get("app.kubernetes.io/component") == name]
    return obj


def container_env(deployment) -> dict[str, str]:
    env = deployment["spec"]["template"]["spec"]["containers"][0]["env"]
    return {e["name"]: e["value"] for e in env if "value" in e}


@pytest.fixture(scope="module")
def permanent(fixture_synthesized):
    return [fixture_synthesized[name] for name in PERMANENT]


@pytest.fixture(scope="module")
def rendered(permanent):
    return render(permanent)


@pytest.fixture(scope="module")
def modified_chart(tmp_path_factory):
    """Production with 7 more API replicas at most, another 5xx threshold and PostgreSQL
    outside the cluster (two CIDRs, port 6432): the one synth here.

    Returns the chart (what the synth will render from) and the written files (what the tests read).
    """
    autoscaling = PRODUCTION.api.autoscaling
    thresholds = replace(PRODUCTION.monitoring.thresholds, http_5xx_ratio=0.0789)
    env = replace(
        PRODUCTION,
        api=replace(PRODUCTION.api, autoscaling=replace(autoscaling, max_replicas=autoscaling.max_replicas + 7)),
        monitoring=replace(PRODUCTION.monitoring, thresholds=thresholds),
        network=replace(PRODUCTION.network, database=Peer(cidrs=DATABASE_CIDRS), database_port=6432),
    )
    folder = tmp_path_factory.mktemp("envdoc") / env.name
    app = folder_app(folder)
    chart = EnvironmentChart(app, env)
    app.synth()
    return chart, Synthesized(env, folder)


@pytest.fixture(scope="module")
def modified(modified_chart):
    return modified_chart[1]


def test_header_says_generated_do_not_edit(rendered):
    head = rendered.splitlines()[:5]
    assert any("Generated" in line and "make synth" in line and "gorax_constructs" in line for line in head)
    assert any("do not edit by hand" in line.lower() for line in head)


def test_one_column_and_one_diagram_per_permanent_environment_in_order(rendered):
    rows = table(rendered)
    assert rows[""] == PERMANENT
    assert all(len(cells) == len(PERMANENT) for cells in rows.values())
    assert list(diagrams(rendered)) == PERMANENT
    assert all(block.startswith("flowchart LR\n") for block in diagrams(rendered).values())


def test_each_diagram_shows_the_environments_objects(rendered, permanent):
    blocks = diagrams(rendered)
    for output in permanent:
        block = blocks[output.env.name]
        serving = [i for i in output.of_kind("Ingress") if not blocking(i)]
        expected = [i["metadata"]["name"] for i in serving] + names(output, "Service") + names(output, "Deployment")
        expected += names(output, "HorizontalPodAutoscaler") + names(output, "Job")
        expected += names(output, "ServiceMonitor") + names(output, "PodMonitor")
        assert len(expected) >= 2 + 1 + 2 + 2 + 1 + 1  # monitors: the API's (the released worker serves no metrics)
        for name in expected:
            assert re.search(rf"\b{re.escape(name)}\b", block), f"{output.env.name}: {name} not in its diagram"
        for ingress in serving:
            (host,) = [rule["host"] for rule in ingress["spec"]["rules"]]
            assert re.search(rf'"Ingress {ingress["metadata"]["name"]}<br/>{re.escape(host)}', block)
        assert "Argo CD Sync hook, wave -1" in block


def test_table_rows_are_the_objects_values(rendered, permanent):
    rows = table(rendered)
    for i, output in enumerate(permanent):
        env = output.env
        (namespace,) = names(output, "Namespace")
        assert rows["namespace"][i] == f"`{namespace}`"
        for title, comp in (("API", "api"), ("worker", "worker")):
            deployment = component(output, "Deployment", comp)
            image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
            shown = rows[f"{title} image tag"][i].strip("`")
            if "@" in image:  # a digest: shown shortened, enough of it to tell releases apart
                digest = image.split("@", 1)[1]
                assert shown.endswith("…") and digest.startswith(shown[:-1]) and len(shown) > 16, shown
            else:
                assert shown == image.rsplit(":", 1)[1]
            hpa = component(output, "HorizontalPodAutoscaler", comp)["spec"]
            assert rows[f"{title} replicas (HPA min–max)"][i] == f"{hpa['minReplicas']}–{hpa['maxReplicas']}"
            targets = {m["resource"]["name"]: m["resource"]["target"]["averageUtilization"] for m in hpa["metrics"]}
            expected = f"cpu {targets['cpu']}% · memory {targets['memory']}%"
            assert rows[f"{title} autoscaling signals"][i] == expected
            resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
            for kind in ("cpu", "memory"):
                expected = f"{resources['requests'][kind]} / {resources['limits'][kind]}"
                assert rows[f"{title} {kind} request / limit"][i] == expected
            pdb = component(output, "PodDisruptionBudget", comp)["spec"]
            key = "minAvailable" if "minAvailable" in pdb else "maxUnavailable"
            assert rows[f"{title} PodDisruptionBudget"][i] == f"{key} {pdb[key]}"
        serving = [i for i in output.of_kind("Ingress") if not blocking(i)]
        by_host = {rule["host"]: ing for ing in serving for rule in ing["spec"]["rules"]}
        for role, host in (("api", env.api_host), ("webhooks", env.webhooks_host)):
            annotations = by_host[host]["metadata"]["annotations"]
            assert rows[f"{role} host"][i] == f"`{host}`"
            origins = annotations.get(NGINX + "cors-allow-origin")
            expected = "<br>".join(f"`{o}`" for o in origins.split(",")) if origins else "none (no CORS)"
            assert rows[f"CORS allowed origins ({role} host)"][i] == expected
            assert rows[f"rate limit ({role} host)"][i].startswith(f"{annotations[NGINX + 'limit-rps']} rps, ")
        assert rows["edge mode"][i] == "ingress-nginx"
        (ingress_class,) = {ing["spec"]["ingressClassName"] for ing in output.of_kind("Ingress")}
        assert rows["ingress class"][i] == f"`{ingress_class}`"
        assert output.of_kind("Certificate") == []
        (issuer,) = [
            i["metadata"]["annotations"][CLUSTER_ISSUER]
            for i in serving
            if CLUSTER_ISSUER in i["metadata"]["annotations"]
        ]
        secret = by_host[env.api_host]["spec"]["tls"][0]["secretName"]
        assert rows["TLS source"][i] == f"ClusterIssuer `{issuer}` (ingress-shim, Secret `{secret}`)"
        (refusing,) = [i for i in output.of_kind("Ingress") if blocking(i)]
        paths = [p["path"] for p in refusing["spec"]["rules"][0]["http"]["paths"]]
        assert rows["paths the edge refuses"][i] == ", ".join(f"`{p}`" for p in paths)
        namespace = output.of_kind("Namespace")[0]["metadata"]["name"]
        assert rows["Argo CD destination"][i] == (
            f"cluster `{env.argocd.cluster}`, namespace `{namespace}`, project `{env.argocd.project}`"
        )
        assert (
            rows["tracing sample ratio"][i]
            == container_env(component(output, "Deployment", "api"))["TRACING_SAMPLE_RATE"]
        )


def test_secret_source_is_the_external_secret_or_the_existing_secret(rendered, permanent):
    cells = table(rendered)["secret source"]
    for output, cell in zip(permanent, cells, strict=True):
        external = output.of_kind("ExternalSecret")
        if external:
            store = external[0]["spec"]["secretStoreRef"]
            assert f"from {store['kind']} `{store['name']}`" in cell
        else:
            assert cell == f"existing Secret `{output.env.prefix}-gorax-secrets` (created out of band)"
    assert [bool(o.of_kind("ExternalSecret")) for o in permanent] == [
        isinstance(o.env.secrets, ExternalSecrets) for o in permanent
    ]


def rule(output, alert):
    return next(
        r
        for o in output.of_kind("PrometheusRule")
        for g in o["spec"]["groups"]
        for r in g["rules"]
        if r["alert"] == alert and r["labels"]["tier"] != "preview"
    )


def severity(output, alert):
    return rule(output, alert)["labels"]["severity"]


def test_alerts_whose_threshold_or_severity_differ_get_a_row(rendered, permanent):
    rows = table(rendered)
    alert_rows = [label for label in rows if label.startswith("alert ")]
    assert "alert `HighHTTPRequestRate`" not in alert_rows  # info and > 1000 everywhere
    for alert in ("HighHTTPErrorRate", "HighMemoryUsage"):  # the rule's own words, never PromQL read back
        expected = [f"{rule(o, alert)['annotations']['threshold']} ({severity(o, alert)})" for o in permanent]
        assert rows[f"alert `{alert}`"] == [cell.replace("<br>", "\n") for cell in expected]
    assert not [label for label in table(render(permanent[:1])) if label.startswith("alert ")]


def test_the_previews_section_names_the_shared_dashboard_and_rules(rendered, permanent):
    section = rendered.split("## Previews\n", 1)[1].split("\n## ", 1)[0]
    development = next(o for o in permanent if o.env.name == DEV.name)
    rules, dashboard = f"{DEV.prefix}-gorax-previews-alerts", f"{DEV.prefix}-gorax-previews-dashboard"
    rule = development.get("PrometheusRule", rules)
    count = sum(len(g["rules"]) for g in rule["spec"]["groups"])
    assert f"PrometheusRule `{rules}` in `{DEV.namespace}`, {count} rules" in section
    assert f"Grafana uid `gorax-previews` (ConfigMap `{dashboard}`" in section
    assert "/d/gorax-previews?var-namespace=gorax-<name>" in section
    assert "## Previews" not in render([o for o in permanent if o.env.name != DEV.name])


def test_a_changed_replica_range_and_threshold_appear(permanent, modified):
    markdown = render([*permanent[:2], modified])
    rows = table(markdown)
    new_max = PRODUCTION.api.autoscaling.max_replicas + 7
    assert rows["API replicas (HPA min–max)"][2] == f"{PRODUCTION.api.autoscaling.min_replicas}–{new_max}"
    assert f'"scales {PRODUCTION.api.autoscaling.min_replicas}–{new_max}"' in diagrams(markdown)[PRODUCTION.name]
    cells = rows["alert `HighHTTPErrorRate`"]
    assert "0.0789" in cells[2] and not [c for c in cells[:2] if "0.0789" in c]


def test_a_database_outside_the_cluster_is_one_node_with_its_cidrs(modified):
    block = diagrams(render([modified]))[PRODUCTION.name]
    assert 'peer_postgresql[("PostgreSQL<br/>10.20.0.0/16<br/>10.21.0.0/16")]' in block
    prefix = PRODUCTION.prefix
    for source in (f"deploy_{prefix}_gorax_api", f"deploy_{prefix}_gorax_worker", f"job_{prefix}_gorax_migrate"):
        assert f'{source} ==>|"TCP 6432"| peer_postgresql' in block
    assert "namespace postgres" not in block


def test_the_charts_objects_and_the_written_files_render_alike(modified_chart):
    chart, files = modified_chart
    assert render_environments([(chart.env, chart.to_json())]) == render([files])


def test_gateway_api_mode_renders(gateway_synthesized):
    outputs = [gateway_synthesized[name] for name in PERMANENT]
    markdown = render(outputs)
    rows = table(markdown)
    assert rows["edge mode"] == ["gateway-api"] * len(outputs)
    blocks = diagrams(markdown)
    for i, output in enumerate(outputs):
        routes = {h: r for r in output.of_kind("HTTPRoute") for h in r["spec"]["hostnames"]}
        parent = routes[output.env.api_host]["spec"]["parentRefs"][0]
        gateway = f"Gateway `{parent['namespace']}/{parent['name']}`"
        hosts = (output.env.api_host, output.env.webhooks_host)  # each host on its own listener
        listeners = [routes[h]["spec"]["parentRefs"][0]["sectionName"] for h in hosts]
        assert rows["TLS source"][i] == "<br>".join(f"{gateway} listener `{listener}`" for listener in listeners)
        blocked = [m["path"]["value"] for m in routes[output.env.api_host]["spec"]["rules"][0]["matches"]]
        assert rows["paths the edge refuses"][i] == ", ".join(f"`{p}`" for p in blocked)
        assert rows["ingress class"][i] == f"— (HTTPRoutes on {gateway})"
        cors = routes[output.env.api_host]["spec"]["rules"][-1]["filters"][0]["cors"]["allowOrigins"]
        assert rows["CORS allowed origins (api host)"][i] == "<br>".join(f"`{o}`" for o in cors)
        assert rows["CORS allowed origins (webhooks host)"][i] == "none (no CORS)"
        for role, host in (("api", output.env.api_host), ("webhooks", output.env.webhooks_host)):
            (policy,) = [
                p
                for p in output.of_kind("BackendTrafficPolicy")
                if p["spec"]["targetRefs"][0]["name"] == routes[host]["metadata"]["name"]
            ]
            requests = policy["spec"]["rateLimit"]["local"]["rules"][0]["limit"]["requests"]
            assert rows[f"rate limit ({role} host)"][i] == f"{requests} rps"
        block = blocks[output.env.name]
        for name in names(output, "HTTPRoute"):
            assert f"HTTPRoute {name}" in block
        assert "namespace envoy-gateway-system" in block
        assert f'"Gateway {parent["namespace"]}/{parent["name"]}<br/>listener {parent["sectionName"]}"' in block
        assert "ingress-nginx" not in block


def test_mermaid_ids_are_valid_labels_quoted_and_every_edge_endpoint_declared(rendered, gateway_synthesized):
    markdown = rendered + render([gateway_synthesized[name] for name in PERMANENT])
    for name, block in [*diagrams(rendered).items(), *diagrams(markdown).items()]:
        declared, used = set(), set()
        for line in block.splitlines()[1:]:
            line = line.strip()
            if line == "end":
                continue
            if match := SUBGRAPH.match(line) or NODE.match(line):
                assert match["id"] not in declared, f"{name}: {match['id']} declared twice"
                declared.add(match["id"])
            elif match := EDGE.match(line):
                used |= {match["source"], match["target"]}
            else:
                raise AssertionError(f"{name}: not a node, edge or subgraph line: {line!r}")
        assert used <= declared, f"{name}: edges to undeclared nodes {used - declared}"


def test_network_allowances_come_from_the_network_policies(rendered, permanent):
    for output in permanent:
        block = diagrams(rendered)[output.env.name]
        namespace = names(output, "Namespace")[0]
        assert f"subgraph ns_{namespace.replace('-', '_')}[" in block
        assert "default deny: ingress and egress" in block
        prefix = output.env.prefix
        edges = re.findall(r"^  (\S+) ==>\|\"([^\"]*)\"\| (\S+)$", block, re.M)
        assert (f"ns_{namespace.replace('-', '_')}", "UDP/TCP 53", "peer_cluster_dns") in edges
        assert ("peer_ingress_controller", "TCP http", f"deploy_{prefix}_gorax_api") in edges
        assert ("peer_prometheus", "TCP metrics", f"deploy_{prefix}_gorax_worker") in edges
        for source in (f"deploy_{prefix}_gorax_api", f"deploy_{prefix}_gorax_worker", f"job_{prefix}_gorax_migrate"):
            assert (source, "TCP 5432", "peer_postgresql") in edges
        assert (f"deploy_{prefix}_gorax_worker", "TCP 80, 443", "peer_internet") in edges
        assert (f"deploy_{prefix}_gorax_api", "TCP 80, 443", "peer_internet") not in edges
        assert 'peer_internet["internet<br/>0.0.0.0/0<br/>except 10.0.0.0/8' in block


def test_deterministic_whatever_the_object_and_key_order(rendered, permanent):
    def reversed_deeply(value):
        if isinstance(value, dict):
            return {k: reversed_deeply(v) for k, v in reversed(list(value.items()))}
        if isinstance(value, list):
            return [reversed_deeply(v) for v in value]
        return value

    assert render(permanent) == rendered
    shuffled = [(o.env, [reversed_deeply(obj) for obj in reversed(o.objects)]) for o in permanent]
    assert render_environments(shuffled) == rendered


def test_pipes_in_values_are_escaped(permanent):
    output = permanent[2]
    objects = copy.deepcopy(output.objects)
    for obj in objects:
        if obj["kind"] == "Ingress" and NGINX + "cors-allow-origin" in obj["metadata"]["annotations"]:
            obj["metadata"]["annotations"][NGINX + "cors-allow-origin"] = "https://a|b.io"
    markdown = render_environments([(output.env, objects)])
    (line,) = [row for row in markdown.splitlines() if row.startswith("| CORS allowed origins (api host)")]
    assert "`https://a\\|b.io`" in line
    assert len(CELL_SEPARATOR.split(line)) == 3 + 1


def test_no_disruption_budget_says_none(permanent):
    """As in a preview environment (no PDBs)."""
    output = permanent[0]
    objects = [o for o in output.objects if o["kind"] != "PodDisruptionBudget"]
    markdown = render_environments([(output.env, objects)])
    rows = table(markdown)
    assert rows["API PodDisruptionBudget"] == rows["worker PodDisruptionBudget"] == ["none"]
    assert "PDB " not in markdown


def test_committed_environments_doc_matches_a_fresh_synth(synthesized):
    """`make synth` writes docs/environments.md; a config change without it fails CI."""
    committed_names = [env.name for env in CATALOG.permanent]
    fresh = render_environments([(synthesized[name].env, synthesized[name].objects) for name in committed_names])
    committed = (REPO / "docs" / "environments.md").read_text()
    assert committed == fresh, "docs/environments.md is stale; run `make synth` and commit"


def test_source_identity_and_scaling_signal_of_every_option(options_synthesized):
    """The guide's other options show in the table as the objects make them (tests/fixture_catalog.py)."""
    outputs = list(options_synthesized.values())
    rows = table(render(outputs))
    for i, output in enumerate(outputs):
        env = output.env
        secret = f"{env.prefix}-gorax-secrets"
        sealed, provider_classes = output.of_kind("SealedSecret"), output.of_kind("SecretProviderClass")
        if sealed:
            assert rows["secret source"][i] == f"SealedSecret `{secret}` (Sealed Secrets controller)"
        else:
            (spc,) = provider_classes
            provider = spc["spec"]["provider"]
            assert rows["secret source"][i] == f"SecretProviderClass `{secret}` (Secrets Store CSI, `{provider}`)"
        (account,) = output.of_kind("ServiceAccount")
        annotations = account["metadata"].get("annotations", {})
        identity = [
            v for k, v in annotations.items() if k.endswith(("/role-arn", "/gcp-service-account", "/client-id"))
        ]
        if not identity:
            assert rows["workload identity"][i] == "none"
        assert all(f"`{value}`" in rows["workload identity"][i] for value in identity)
        scaled = output.of_kind("ScaledObject")
        worker_hpa = [
            h for h in output.of_kind("HorizontalPodAutoscaler") if h["metadata"]["name"].endswith("worker-hpa")
        ]
        if scaled:
            (obj,) = scaled
            assert worker_hpa == []
            hpa = obj["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["name"]
            assert rows["worker autoscaler"][i] == f"KEDA ScaledObject `{obj['metadata']['name']}` (owns HPA `{hpa}`)"
            (trigger,) = [t for t in obj["spec"]["triggers"] if t["type"] == "prometheus"]
            assert (
                f"queue depth {trigger['metadata']['threshold']} per pod (Prometheus)"
                in rows["worker autoscaling signals"][i]
            )
            assert (
                rows["worker replicas (HPA min–max)"][i]
                == f"{obj['spec']['minReplicaCount']}–{obj['spec']['maxReplicaCount']}"
            )
        else:
            (hpa,) = worker_hpa
            external = [m["external"] for m in hpa["spec"]["metrics"] if m["type"] == "External"]
            suffix = " + Prometheus Adapter" if external else ""
            assert rows["worker autoscaler"][i] == f"HPA `{hpa['metadata']['name']}`{suffix}"
            for metric in external:
                expected = f"queue depth {metric['target']['averageValue']} per pod (External)"
                assert expected in rows["worker autoscaling signals"][i]
    assert len({cell for cell in rows["worker autoscaler"]}) == 4  # each mode is told apart
