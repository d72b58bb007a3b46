"""Rules the schemas cannot express, checked on docker-compose.yml and deploy/kubernetes:
grace periods longer than the drain deadline, probes on the admin port, resources set,
consumer replicas no more than the topic's partitions, a consumer Deployment only with an s3://
archive, each kustomization (base and overlays) listing every manifest and only existing files,
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


# The base, and the overlay that archives to S3 (deploy/kubernetes/archive-s3).
OVERLAYS = ["archive-s3"]
documents = {}
for directory in [""] + OVERLAYS:
    path = os.path.join(K8S, directory)
    listed = {name for name in os.listdir(path) if name.endswith(".yaml") and name != "kustomization.yaml"}
    for name in sorted(listed):
        documents[os.path.join(directory, name)] = load_all(os.path.join(path, name))
    kustomization = load_all(os.path.join(path, "kustomization.yaml"))[0]
    resources = set(kustomization.get("resources", []))
    missing = listed - resources
    if missing:
        problems.append(f"{os.path.join(directory, 'kustomization.yaml')} does not list {sorted(missing)}")
    absent = {r for r in resources if not r.startswith("..") and r not in listed}
    if absent:
        problems.append(f"{os.path.join(directory, 'kustomization.yaml')} lists missing files {sorted(absent)}")

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
        if doc["metadata"]["name"] == "audit-consumer":
            if doc["spec"]["replicas"] > partitions:
                problems.append(f"{name}: {doc['spec']['replicas']} replicas but the topic has {partitions} partitions")
            root = env_value(spec["containers"][0], "AUDIT_ARCHIVE_DIR") or ""
            if doc["kind"] == "StatefulSet" and not doc["spec"].get("volumeClaimTemplates"):
                problems.append(f"{name}: the consumer needs a persistent volume per replica")
            if doc["kind"] == "Deployment" and not root.startswith("s3://"):
                problems.append(f"{name}: a consumer Deployment (no volume of its own) must archive to s3://, not {root!r}")

for problem in problems:
    print(problem)
sys.exit(1 if problems else 0)
