"""Gateway mode on a real cluster: a listener per host, TLS that can be issued, and no default-only diff."""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import pytest
import yaml

from gorax_constructs.configuration.edge import IssuedTls, Listener, WildcardTls
from gorax_constructs.configuration.previews import Preview, preview_environment
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.validation import custom_resource_errors, is_builtin

from .argocd_lua import health_script, run_health
from .conftest import REPO, synthesize
from .every_option import EVERY_OPTION, gateway_twin, synthesize_every_option
from .fixture_catalog import DEV as DEVELOPMENT
from .schema_defaults import default_only_diff


@pytest.fixture(scope="module")
def every_option(tmp_path_factory):
    return synthesize_every_option(tmp_path_factory)


def test_no_custom_resource_has_a_default_only_diff(every_option):
    """With ServerSideApply, Argo CD's diff re-applies schema defaults only for built-in types: a field the API
    server defaults and we omit keeps the Application OutOfSync, and self-heal re-applies it in a loop."""
    outputs, argocd = every_option
    objects = [o for output in outputs.values() for o in output.objects] + argocd
    custom = [o for o in objects if not is_builtin(o)]
    assert {"HTTPRoute", "BackendTrafficPolicy", "ExternalSecret", "SealedSecret", "ScaledObject"} <= {
        o["kind"] for o in custom
    }
    diffs = {f"{o['kind']}/{o['metadata']['name']}": default_only_diff(o) for o in custom}
    assert {name: diff for name, diff in diffs.items() if diff} == {}


def test_the_defaulting_port_finds_what_the_api_server_adds(every_option):
    outputs, _ = every_option
    route = next(o for output in outputs.values() for o in output.of_kind("HTTPRoute"))
    bare = copy.deepcopy(route)
    for rule in bare["spec"]["rules"]:
        for ref in rule.get("backendRefs", []):
            del ref["group"], ref["kind"], ref["weight"]
    assert sorted(d.split(": ")[0].rsplit(".", 1)[1] for d in default_only_diff(bare)) == ["group", "kind", "weight"]


# -- listeners ------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def gateway_outputs(tmp_path_factory):
    """Every gateway-mode environment of EVERY_OPTION, and two previews of a gateway-mode development."""
    development = gateway_twin(DEVELOPMENT)
    previews = tuple(
        preview_environment(Preview(name=n, owner="ci", expires="2030-01-01"), development) for n in ("pr-1", "pr-2")
    )
    permanent = tuple(env for env in EVERY_OPTION.permanent if env.edge.mode == "gateway-api")
    outputs = synthesize(Catalog(permanent=permanent, previews=previews), tmp_path_factory.mktemp("gateway"))
    return list(outputs.values())


def attachments(outputs):
    """(environment, listener name, route hostname) for every HTTPRoute."""
    return [
        (output.env, parent["sectionName"], hostname)
        for output in outputs
        for route in output.of_kind("HTTPRoute")
        for parent in route["spec"]["parentRefs"]
        for hostname in route["spec"]["hostnames"]
    ]


def listener_admits(listener_hostname: str, route_hostname: str) -> bool:
    """Gateway API hostname matching (HTTPRoute ``spec.hostnames``): an exact listener hostname matches itself;
    ``*.d`` matches any name ending in ``.d`` with at least one more label."""
    if listener_hostname.startswith("*."):
        return route_hostname.endswith(listener_hostname[1:]) and route_hostname != listener_hostname[2:]
    return listener_hostname == route_hostname


def test_each_route_names_a_listener_of_its_own_hostname_and_tls_that_can_be_issued(gateway_outputs):
    gateway = {}  # the Gateway the docs describe: listener name -> hostname
    for env, section, hostname in attachments(gateway_outputs):
        listener = env.edge.listener(hostname)
        assert section == listener.name == Listener.for_hostname(listener.hostname).name
        assert gateway.setdefault(section, listener.hostname) == listener.hostname
        assert listener_admits(listener.hostname, hostname)
        if isinstance(env.edge.tls, IssuedTls):
            # gateway-shim issues for an exact hostname; HTTP-01 cannot validate a wildcard.
            assert listener.hostname == hostname
        else:
            assert isinstance(env.edge.tls, WildcardTls) and env.edge.tls.covers(hostname)
    exact = [(env.name, section) for env, section, hostname in attachments(gateway_outputs) if section == hostname]
    assert len({section for _, section in exact}) == len(exact), "an exact-host listener shared by two routes"
    assert len(set(gateway.values())) == len(gateway), "two listeners with one hostname"


def route_status(route, gateway: dict[str, str]) -> dict:
    """What a Gateway API implementation writes on a route attached to ``gateway`` (listener name -> hostname)."""
    parent = route["spec"]["parentRefs"][0]
    section = parent.get("sectionName")
    listeners = [section] if section else list(gateway)
    admitted = any(listener_admits(gateway[name], h) for name in listeners for h in route["spec"]["hostnames"])
    accepted = {"type": "Accepted", "status": "True", "reason": "Accepted"}
    if not admitted:
        accepted = {
            "type": "Accepted",
            "status": "False",
            "reason": "NoMatchingListenerHostname",
            "message": "no match",
        }
    conditions = [accepted, {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"}]
    return {"parents": [{"parentRef": parent, "controllerName": "gateway.envoyproxy.io", "conditions": conditions}]}


def test_every_route_is_healthy_on_the_documented_gateway_and_was_not_on_one_shared_listener(gateway_outputs):
    script = health_script("gateway.networking.k8s.io", "HTTPRoute")
    routes = [(output.env, r) for output in gateway_outputs for r in output.of_kind("HTTPRoute")]
    gateway = {section: env.edge.listener(hostname).hostname for env, section, hostname in attachments(gateway_outputs)}
    for _, route in routes:
        live = {**route, "status": route_status(route, gateway)}
        assert run_health(script, live).status == "Healthy", route["metadata"]["name"]
    # The old layout: every route on one listener "https", whose single hostname is the first route's.
    first = routes[0][1]["spec"]["hostnames"][0]
    shared = {"https": first}
    degraded = []
    for _, route in routes:
        old = copy.deepcopy(route)
        old["spec"]["parentRefs"][0]["sectionName"] = "https"
        old["status"] = route_status(old, shared)
        if run_health(script, old).status == "Degraded":
            degraded.append(route["metadata"]["name"])
    assert len(degraded) == len(routes) - 1


def test_a_host_outside_the_wildcard_is_a_config_error():
    wildcard = WildcardTls(dns_names=(f"*.{DEVELOPMENT.api_host}",))
    with pytest.raises(ValueError, match="is not allowed: a host that edge.tls.dns_names"):
        replace(DEVELOPMENT, edge=replace(DEVELOPMENT.edge, mode="gateway-api", tls=wildcard))


def test_the_docs_gateway_is_valid_and_follows_the_listener_rule():
    """The platform Gateway docs/edge.md shows: schema-valid against the vendored CRD, one HTTPS listener per
    hostname named as routes name it, and healthy for Argo CD's Gateway check once every listener is
    programmed."""
    section = (REPO / "docs" / "edge.md").read_text().split("**`gateway-api`**", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```yaml\n(.*?)```", section, re.S)
    gateway = yaml.safe_load(block)
    assert list(custom_resource_errors(gateway)) == []
    https = [listener for listener in gateway["spec"]["listeners"] if listener["protocol"] == "HTTPS"]
    assert https and len({listener["hostname"] for listener in https}) == len(https)
    for listener in https:
        assert listener["name"] == Listener.for_hostname(listener["hostname"]).name
        assert listener["tls"]["certificateRefs"]  # gateway-shim issues per certificateRefs Secret
    ok = [{"type": t, "status": "True", "reason": t} for t in ("Accepted", "ResolvedRefs", "Programmed")]
    status = {"conditions": ok, "listeners": [{"name": entry["name"], "conditions": ok} for entry in https]}
    script = health_script("gateway.networking.k8s.io", "Gateway")
    assert run_health(script, {**gateway, "status": status}).status == "Healthy"
    missing = {"type": "ResolvedRefs", "status": "False", "reason": "InvalidCertificateRef", "message": "no secret"}
    status["listeners"][0]["conditions"] = [missing]
    assert run_health(script, {**gateway, "status": status}).status == "Degraded"
