"""Rules the schemas cannot express, checked on docker-compose.yml and deploy/kubernetes:
grace periods longer than the drain deadline, probes on the admin port, resources set,
consumer replicas no more than the topic's partitions, the kustomization listing every manifest,
docker-compose publishing ports on 127.0.0.1 only (checkov has no docker-compose checks)."""
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S = os.path.join(ROOT, "deploy", "kubernetes")
problems = []


def load_all(path):
    with open(path) as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]


def env_value(container, name):
    for entry in container.get("env", []):
        if entry.get("name") == name:
            return entry.get("value")
    return None


documents = {}
for name in sorted(os.listdir(K8S)):
    if name.endswith(".yaml") and name != "kustomization.yaml":
        documents[name] = load_all(os.path.join(K8S, name))

kustomization = load_all(os.path.join(K8S, "kustomization.yaml"))[0]
missing = set(documents) - set(kustomization.get("resources", []))
if missing:
    problems.append(f"kustomization.yaml does not list {sorted(missing)}")

compose = load_all(os.path.join(ROOT, "docker-compose.yml"))[0]
for service_name, service in compose["services"].items():
    for port in service.get("ports", []):
        if not str(port).startswith("127.0.0.1:"):
            problems.append(f"docker-compose.yml: {service_name} publishes {port!r} beyond the loopback interface (write 127.0.0.1:{port})")
init_command = " ".join(compose["services"]["kafka-init"]["command"])
partitions = int(re.search(r"--partitions (\d+)", init_command).group(1))

for name, docs in documents.items():
    for doc in docs:
        if doc.get("kind") not in ("Deployment", "StatefulSet"):
            continue
        spec = doc["spec"]["template"]["spec"]
        annotations = doc["spec"]["template"]["metadata"].get("annotations", {})
        if annotations.get("prometheus.io/scrape") != "true":
            problems.append(f"{name}: no Prometheus scrape annotation")
        for container in spec["containers"]:
            label = f"{name}/{container['name']}"
            if "limits" not in container.get("resources", {}) or "requests" not in container.get("resources", {}):
                problems.append(f"{label}: resources need requests and limits")
            image_role = container.get("command", ["audit-producer"])[0]
            if image_role in ("audit-producer", "audit-consumer"):
                for probe in ("readinessProbe", "livenessProbe"):
                    if probe not in container:
                        problems.append(f"{label}: no {probe}")
            if image_role == "audit-producer":
                drain = float(env_value(container, "AUDIT_DRAIN_TIMEOUT") or 10)
                grace = spec.get("terminationGracePeriodSeconds", 30)
                if grace <= drain + 10:
                    problems.append(f"{label}: terminationGracePeriodSeconds {grace} must exceed the drain deadline {drain} s by more than 10 s")
        if doc["kind"] == "StatefulSet" and doc["metadata"]["name"] == "audit-consumer":
            if doc["spec"]["replicas"] > partitions:
                problems.append(f"{name}: {doc['spec']['replicas']} replicas but the topic has {partitions} partitions")
            if not doc["spec"].get("volumeClaimTemplates"):
                problems.append(f"{name}: the consumer needs a persistent volume per replica")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
