"""deploy/k8s renders in every overlay, every object validates offline (built-in kinds against
the Kubernetes schemas, custom resources against their operators' CRDs), and the rendered
objects keep the rules operators rely on: probes, limits, non-root, the executor's network
reach, the images `make images` builds, lag scaling within the topics' partitions."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from modulardata.agents.main import GROUP_ID as AGENTS_GROUP
from modulardata.contracts import topics
from modulardata.executor.main import GROUP_ID as EXECUTOR_GROUP
from modulardata.profiler.main import GROUP_ID as PROFILER_GROUP
from tests.support.images import SERVICES, image_name, image_repository
from tests.support.k8s import (
    Manifest,
    crd_schemas,
    render_overlay,
    render_with_components,
    unknown_fields,
    validate,
)

OVERLAYS = ["dev", "prod"]
SCALED_ON_LAG = {
    "agents": (AGENTS_GROUP, topics.AGENTS_COMMANDS),
    "executor": (EXECUTOR_GROUP, topics.EXECUTOR_COMMANDS),
    "profiler": (PROFILER_GROUP, topics.PROFILER_COMMANDS),
}
SANDBOX_CAPABILITIES = {"SYS_ADMIN", "SETUID", "SETGID", "KILL"}
INFRASTRUCTURE_IMAGES = ("apache/kafka:", "postgres:", "minio/minio:", "minio/mc:")


@pytest.fixture(scope="module", params=OVERLAYS)
def overlay(request: pytest.FixtureRequest) -> tuple[str, list[Manifest]]:
    name: str = request.param
    return name, list(render_overlay(name))


def _of(objects: list[Manifest], kind: str) -> dict[str, Manifest]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def _workloads(objects: list[Manifest]) -> Iterator[tuple[str, Manifest]]:
    for o in objects:
        if o["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield o["metadata"]["name"], o["spec"]["template"]["spec"]


def _containers(pod: Manifest) -> list[Manifest]:
    containers: list[Manifest] = pod["containers"] + pod.get("initContainers", [])
    return containers


def _config(objects: list[Manifest]) -> dict[str, str]:
    data: dict[str, str] = _of(objects, "ConfigMap")["modulardata-config"]["data"]
    return data


def test_every_rendered_object_validates(overlay: tuple[str, list[Manifest]]) -> None:
    _, objects = overlay
    schemas = crd_schemas()
    problems = {
        f"{o['kind']}/{o['metadata']['name']}": errors
        for o in objects
        if (errors := validate(o, schemas))
    }
    assert problems == {}


def test_the_custom_resources_are_checked_against_their_crds() -> None:
    objects = list(render_overlay("prod"))
    schemas = crd_schemas()
    kinds = {o["kind"] for o in objects if (o["apiVersion"], o["kind"]) in schemas}
    assert kinds == {"ScaledObject", "Kafka", "KafkaNodePool", "KafkaTopic", "Cluster"}
    [topic] = [o for o in objects if o["kind"] == "KafkaTopic"][:1]
    broken = {**topic, "spec": {**topic["spec"], "partitions": "many", "replicaz": 3}}
    errors = validate(broken, schemas)
    assert any("partitions" in e for e in errors)
    assert "spec.replicaz: unknown field" in errors


def test_a_typo_in_a_built_in_kind_is_refused() -> None:
    deployment = _of(list(render_overlay("dev")), "Deployment")["gateway"]
    broken = {**deployment, "spec": {**deployment["spec"], "replica": 2}}
    assert validate(broken, {}) != []


def test_the_unknown_field_check_follows_lists() -> None:
    schema: Manifest = {"properties": {"a": {"items": {"properties": {"b": {}}}}}}
    assert list(unknown_fields({"a": [{"b": 1}, {"c": 2}]}, schema)) == ["a.1.c"]


def test_every_container_has_requests_limits_and_probes(
    overlay: tuple[str, list[Manifest]],
) -> None:
    _, objects = overlay
    for name, pod in _workloads(objects):
        for container in _containers(pod):
            resources = container["resources"]
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(resources[kind]), (name, container["name"], kind)
        if pod.get("restartPolicy") in ("OnFailure", "Never"):
            continue  # a Job's container runs to its end
        for container in pod["containers"]:
            assert "readinessProbe" in container, name
            assert "livenessProbe" in container, name


def test_the_services_run_non_root_with_nothing_to_spare(
    overlay: tuple[str, list[Manifest]],
) -> None:
    _, objects = overlay
    deployments = _of(objects, "Deployment")
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        for container in _containers(pod):
            context = container["securityContext"]
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["readOnlyRootFilesystem"] is True, name
            assert context["capabilities"]["drop"] == ["ALL"], name
            if name == "executor":
                # Root only of its own user namespace, with the sandbox's four capabilities.
                assert pod["hostUsers"] is False
                assert set(context["capabilities"]["add"]) == SANDBOX_CAPABILITIES
            else:
                assert pod["securityContext"]["runAsNonRoot"] is True, name
                assert pod["securityContext"]["runAsUser"] != 0, name
                assert "add" not in context["capabilities"], name


def test_the_restricted_component_puts_the_executor_under_the_same_rules(tmp_path: Path) -> None:
    objects = render_with_components(tmp_path, "dev", ["executor-restricted"])
    pod = _of(objects, "Deployment")["executor"]["spec"]["template"]["spec"]
    assert "hostUsers" not in pod
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == 10001
    assert pod["containers"][0]["securityContext"]["capabilities"] == {"drop": ["ALL"]}


def test_the_gvisor_component_runs_the_executor_under_its_runtime_class(tmp_path: Path) -> None:
    objects = render_with_components(tmp_path, "prod", ["gvisor"])
    [runtime] = _of(objects, "RuntimeClass").values()
    pod = _of(objects, "Deployment")["executor"]["spec"]["template"]["spec"]
    assert pod["runtimeClassName"] == runtime["metadata"]["name"]
    schemas = crd_schemas()
    assert [e for o in objects for e in validate(o, schemas)] == []


def test_the_images_are_the_ones_make_images_builds(overlay: tuple[str, list[Manifest]]) -> None:
    _, objects = overlay
    for name, pod in _workloads(objects):
        for container in _containers(pod):
            image = container["image"]
            if image.startswith(INFRASTRUCTURE_IMAGES):
                continue
            service = image.removeprefix(f"{image_repository('')}").split(":")[0]
            assert image == image_name(service), (name, image)
            if name in SERVICES:
                assert service in (name, "versioning"), (name, image)  # setup runs versioning's


def _selects(policy: Manifest, labels: dict[str, str]) -> bool:
    selector = policy["spec"]["podSelector"]
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for expression in selector.get("matchExpressions", []):
        assert expression["operator"] == "In"
        if labels.get(expression["key"]) not in expression["values"]:
            return False
    return True


def _pod_labels(objects: list[Manifest], name: str) -> dict[str, str]:
    labels: dict[str, str] = _of(objects, "Deployment")[name]["spec"]["template"]["metadata"][
        "labels"
    ]
    return labels


def _policies_for(objects: list[Manifest], name: str) -> list[Manifest]:
    labels = _pod_labels(objects, name)
    return [p for p in _of(objects, "NetworkPolicy").values() if _selects(p, labels)]


def _egress_peers(policies: list[Manifest]) -> list[tuple[str, tuple[int, ...]]]:
    peers = []
    for policy in policies:
        for rule in policy["spec"].get("egress", []):
            ports = tuple(sorted(p["port"] for p in rule.get("ports", [])))
            for peer in rule["to"]:
                if "ipBlock" in peer:
                    peers.append((f"ipBlock {peer['ipBlock']['cidr']}", ports))
                else:
                    labels = peer.get("podSelector", {}).get("matchLabels", {})
                    peers.append((",".join(f"{k}={v}" for k, v in sorted(labels.items())), ports))
    return sorted(peers)


def test_the_executor_reaches_only_kafka_and_storage_and_nothing_reaches_it(
    overlay: tuple[str, list[Manifest]],
) -> None:
    name, objects = overlay
    policies = _policies_for(objects, "executor")
    everything = {p["metadata"]["name"]: p for p in policies if p["spec"]["podSelector"] == {}}
    assert everything["default-deny"]["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert [rule for p in policies for rule in p["spec"].get("ingress", [])] == []
    storage = (
        ("modulardata.io/role=storage", (9000,))
        if name == "dev"
        else ("ipBlock 0.0.0.0/0", (443,))  # S3 outside the cluster
    )
    assert _egress_peers(policies) == sorted(
        [("k8s-app=kube-dns", (53, 53)), ("modulardata.io/role=kafka", (9092,)), storage]
    )


def test_kafka_and_postgresql_pods_carry_the_labels_the_policies_name() -> None:
    dev = list(render_overlay("dev"))
    roles = {
        s["spec"]["template"]["metadata"]["labels"].get("modulardata.io/role")
        for s in _of(dev, "StatefulSet").values()
    }
    assert roles == {"kafka", "postgresql", "storage"}
    prod = list(render_overlay("prod"))
    kafka = _of(prod, "Kafka")["modulardata"]["spec"]["kafka"]
    assert kafka["template"]["pod"]["metadata"]["labels"]["modulardata.io/role"] == "kafka"
    cluster = _of(prod, "Cluster")["modulardata-pg"]["spec"]
    assert cluster["inheritedMetadata"]["labels"]["modulardata.io/role"] == "postgresql"


def _consumers_per_replica(deployment: Manifest) -> int:
    """Consumers a replica runs in its group: the profiler's read workers, else one."""
    env = deployment["spec"]["template"]["spec"]["containers"][0].get("env", [])
    workers = [e["value"] for e in env if e["name"] == "MODULARDATA_PROFILER_READ_WORKERS"]
    return int(workers[0]) if workers else 1


def test_the_workers_scale_on_their_own_lag_within_the_partitions(
    overlay: tuple[str, list[Manifest]],
) -> None:
    _, objects = overlay
    config = _config(objects)
    partitions = int(config["MODULARDATA_TOPIC_PARTITIONS"])
    scaled = _of(objects, "ScaledObject")
    assert set(scaled) == set(SCALED_ON_LAG)
    for name, (group, topic) in SCALED_ON_LAG.items():
        spec = scaled[name]["spec"]
        assert spec["scaleTargetRef"]["name"] == name
        [trigger] = spec["triggers"]
        assert trigger["type"] == "kafka"
        assert trigger["metadata"]["consumerGroup"] == group
        assert trigger["metadata"]["topic"] == topic
        assert trigger["metadata"]["bootstrapServers"] == config["KAFKA_BOOTSTRAP_SERVERS"]
        consumers = _consumers_per_replica(_of(objects, "Deployment")[name])
        assert 2 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        assert spec["maxReplicaCount"] * consumers <= partitions, name
    for deployment in _of(objects, "Deployment").values():
        assert 2 <= deployment["spec"]["replicas"] <= partitions


def test_every_service_has_a_disruption_budget_and_the_gateway_its_front(
    overlay: tuple[str, list[Manifest]],
) -> None:
    _, objects = overlay
    budgets = _of(objects, "PodDisruptionBudget")
    assert set(budgets) == set(SERVICES)
    assert all(b["spec"]["minAvailable"] == 1 for b in budgets.values())
    [hpa] = _of(objects, "HorizontalPodAutoscaler").values()
    assert hpa["spec"]["scaleTargetRef"]["name"] == "gateway"
    assert hpa["spec"]["metrics"][0]["resource"]["name"] == "cpu"
    ingress = _of(objects, "Ingress")["gateway"]
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] in _of(objects, "Service")


def test_versioning_migrates_and_creates_the_topics_before_it_starts() -> None:
    objects = list(render_overlay("dev"))
    pod = _of(objects, "Deployment")["versioning"]["spec"]["template"]["spec"]
    assert [c["command"] for c in pod["initContainers"]] == [
        ["modulardata-migrate"],
        ["modulardata-topics"],
    ]


def _secret_refs(objects: list[Manifest]) -> set[str]:
    refs = set()
    for _, pod in _workloads(objects):
        for container in _containers(pod):
            for source in container.get("envFrom", []):
                if "secretRef" in source and not source["secretRef"].get("optional"):
                    refs.add(source["secretRef"]["name"])
            for variable in container.get("env", []):
                if ref := variable.get("valueFrom", {}).get("secretKeyRef"):
                    refs.add(ref["name"])
    return refs


def test_dev_makes_every_secret_it_uses() -> None:
    objects = list(render_overlay("dev"))
    assert _secret_refs(objects) <= set(_of(objects, "Secret"))


def test_prod_topics_are_replicated_three_times_and_partitioned_for_every_replica() -> None:
    objects = list(render_overlay("prod"))
    config = _config(objects)
    kafka_topics = _of(objects, "KafkaTopic").values()
    assert sorted(t["spec"]["topicName"] for t in kafka_topics) == sorted(topics.ALL)
    most_replicas = max(s["spec"]["maxReplicaCount"] for s in _of(objects, "ScaledObject").values())
    for topic in kafka_topics:
        assert topic["spec"]["replicas"] == 3
        assert topic["spec"]["partitions"] >= most_replicas
        assert topic["spec"]["partitions"] == int(config["MODULARDATA_TOPIC_PARTITIONS"])
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "modulardata"
    assert config["MODULARDATA_TOPIC_REPLICATION_FACTOR"] == "3"
    [pool] = _of(objects, "KafkaNodePool").values()
    assert pool["spec"]["replicas"] >= 3
    assert _secret_refs(objects) == {"modulardata-pg-app", "modulardata-storage"}


def _values(manifest: Any) -> Iterator[Any]:
    if isinstance(manifest, dict):
        for value in manifest.values():
            yield from _values(value)
    elif isinstance(manifest, list):
        for value in manifest:
            yield from _values(value)
    else:
        yield manifest


def test_no_credential_of_dev_reaches_prod() -> None:
    prod = list(render_overlay("prod"))
    assert not any("modulardata-dev" in str(value) for o in prod for value in _values(o))
