"""Values the API server refuses never reach dist/ (issue 22), whatever built the object: the JSON schemas
let ``containerPort: 70000`` and ``imagePullPolicy: Sometimes`` through, and they failed only at apply."""

import copy

import cdk8s
import cdk8s_plus_27 as kplus
import pytest

from gorax_constructs.parts.chart import EnvironmentChart
from gorax_constructs.pipeline.apivalues import problems
from gorax_constructs.pipeline.catalog import Catalog
from gorax_constructs.pipeline.synth import InvalidOutput, synth_catalog

from .fixture_catalog import DEV, GITOPS, PERMANENT

CATALOG = Catalog(permanent=PERMANENT, previews=(), gitops=GITOPS, development=DEV)


def synth_failure(tmp_path, extension) -> str:
    with pytest.raises(InvalidOutput) as caught:
        synth_catalog(CATALOG, tmp_path, extensions={"production": (extension,)})
    return str(caught.value)


def test_a_container_port_out_of_range_added_by_an_extension_fails_the_synth(tmp_path):
    def extension(chart: EnvironmentChart) -> None:
        kplus.Deployment(
            chart,
            "proxy",
            metadata=cdk8s.ApiObjectMetadata(name="prod-gorax-proxy"),
            containers=[kplus.ContainerProps(image="nginx:1.27", ports=[kplus.ContainerPort(number=70000)])],
        )

    assert (
        "production/Deployment.prod-gorax-proxy.k8s.yaml: spec.template.spec.containers[0].ports[0].containerPort "
        "= 70000 is not allowed: a port number from 1 to 65535"
    ) in synth_failure(tmp_path, extension)


@pytest.mark.parametrize(
    "kind,name,path,value,message",
    [
        (
            "Deployment",
            "prod-gorax-api",
            "/spec/template/spec/containers/0/imagePullPolicy",
            "Sometimes",
            "spec.template.spec.containers[0].imagePullPolicy = 'Sometimes' is not allowed: "
            "one of Always, IfNotPresent, Never",
        ),
        (
            "NetworkPolicy",
            "prod-gorax-api",
            "/spec/ingress/0/ports/0/port",
            99999,
            "spec.ingress[0].ports[0].port = 99999 is not allowed: a port number from 1 to 65535",
        ),
        (
            "Service",
            "prod-gorax-api",
            "/spec/type",
            "Internal",
            "spec.type = 'Internal' is not allowed: one of ClusterIP, NodePort, LoadBalancer, ExternalName",
        ),
        (
            "Deployment",
            "prod-gorax-api",
            "/metadata/labels/team",
            "platform team",
            "metadata.labels[team] = 'platform team' is not allowed: a label value",
        ),
    ],
)
def test_a_patch_to_a_refused_value_fails_the_synth_naming_object_and_field(tmp_path, kind, name, path, value, message):
    def extension(chart: EnvironmentChart) -> None:
        chart.patch(kind, name, cdk8s.JsonPatch.add(path, value))

    assert f"production/{kind}.{name}.k8s.yaml: {message}" in synth_failure(tmp_path, extension)


POD = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "gorax-dev", "labels": {"app.kubernetes.io/name": "web"}},
    "spec": {
        "selector": {"matchLabels": {"app": "web"}},
        "strategy": {"type": "RollingUpdate"},
        "template": {
            "metadata": {"labels": {"app": "web"}},
            "spec": {
                "restartPolicy": "Always",
                "dnsPolicy": "ClusterFirst",
                "containers": [
                    {
                        "name": "web",
                        "image": "nginx",
                        "imagePullPolicy": "IfNotPresent",
                        "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
                        "readinessProbe": {"httpGet": {"port": "http"}},
                    }
                ],
            },
        },
    },
}
SERVICE = {
    "apiVersion": "v1",
    "kind": "Service",
    "metadata": {"name": "web"},
    "spec": {"type": "ClusterIP", "ports": [{"port": 80, "targetPort": "http", "protocol": "TCP"}]},
}
INGRESS = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "Ingress",
    "metadata": {"name": "web", "annotations": {"nginx.ingress.kubernetes.io/ssl-redirect": "true"}},
    "spec": {
        "rules": [{"http": {"paths": [{"pathType": "Prefix", "backend": {"service": {"port": {"number": 80}}}}]}}]
    },
}


def changed(obj: dict, path: str, value: object) -> dict:
    out = copy.deepcopy(obj)
    *parents, last = path.split(".")
    target = out
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    target[int(last) if last.isdigit() else last] = value
    return out


CONTAINER = "spec.template.spec.containers.0"
CASES = [
    (POD, f"{CONTAINER}.ports.0.containerPort", [0, 65536, -1, "8080", True]),
    (POD, f"{CONTAINER}.ports.0.protocol", ["tcp", "HTTP", "TCP\n"]),
    (POD, f"{CONTAINER}.ports.0.name", ["HTTP", "http-port-too-long", "1234", "a--b"]),
    (POD, f"{CONTAINER}.imagePullPolicy", ["always", "Sometimes", "Always\n"]),
    (POD, f"{CONTAINER}.readinessProbe.httpGet.port", [0, 70000, "Not_A_Name"]),
    (POD, f"{CONTAINER}.name", ["Web", "web\n", "w" * 64]),
    (POD, "spec.template.spec.restartPolicy", ["Sometimes", "always"]),
    (POD, "spec.template.spec.dnsPolicy", ["ClusterFirstish"]),
    (POD, "spec.strategy.type", ["Rolling"]),
    (POD, "metadata.name", ["Web", "web_1", "web\n", "-web", "\u0430pi"]),
    (POD, "metadata.namespace", ["gorax.dev", "Gorax"]),
    (POD, "metadata.labels", [{"app.kubernetes.io/name": "web\n"}, {"Bad Key": "x"}, {"a/b/c": "x"}]),
    (POD, "spec.selector.matchLabels", [{"app": "w" * 64}]),
    (SERVICE, "spec.type", ["Internal", "clusterIP"]),
    (SERVICE, "spec.ports.0.port", [0, 65536]),
    (SERVICE, "spec.ports.0.targetPort", [0, "Http"]),
    (SERVICE, "metadata.name", ["1web", "web.internal"]),
    (INGRESS, "spec.rules.0.http.paths.0.pathType", ["Regex", "prefix"]),
    (INGRESS, "spec.rules.0.http.paths.0.backend.service.port.number", [0, 70000]),
    (INGRESS, "metadata.annotations", [{"not a key": "x"}]),
]


def test_the_valid_objects_pass():
    assert [list(problems(obj)) for obj in (POD, SERVICE, INGRESS)] == [[], [], []]


@pytest.mark.parametrize(
    "obj,path,value", [(obj, path, value) for obj, path, values in CASES for value in values], ids=repr
)
def test_each_refused_value_is_named_with_its_field(obj, path, value):
    found = list(problems(changed(obj, path, value)))
    assert found, f"{path} = {value!r} was accepted"
    field = path.split(".")[-1]
    assert any(field in problem and "is not allowed" in problem for problem in found), found
