#!/usr/bin/env python3
"""What the schema validators and checkov cannot know about Warehouse's deploy files: that they say
what the design says. Run by .ci/deploy-checks.sh.

  check-manifests.py compose deploy/compose.yaml
  check-manifests.py kubernetes RENDERED.yaml deploy/prometheus/alerts.yml
  check-manifests.py cloud-init RENDERED-USER-DATA deploy/compose.yaml deploy/prometheus/prometheus.yml deploy/prometheus/alerts.yml

Exits non-zero and names every difference it finds.
"""
import sys

import yaml

# The calls the design makes between services, and only those (DESIGN.md: console -> order, inventory
# and notification, order -> inventory, notification -> order for its event feed).
CALLS = {
    ("console", "order"), ("console", "inventory"), ("console", "notification"), ("order", "inventory"),
    ("notification", "order"),
}
STATEFUL = {"order", "inventory", "notification"}

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)


def check_compose(path):
    compose = yaml.safe_load(open(path))
    services = compose["services"]
    for name, service in services.items():
        published = service.get("ports", [])
        if name == "console":
            expect(published, "compose: the console publishes no port")
        else:
            expect(not published, f"compose: {name} publishes a port; only the console may")
        expect(service.get("read_only") is True, f"compose: {name} has a writable root filesystem")
        expect(service.get("cap_drop") == ["ALL"], f"compose: {name} keeps capabilities")
        expect(service.get("restart") == "unless-stopped", f"compose: {name} has no restart policy")
        expect("healthcheck" in service, f"compose: {name} has no health check")
    for name in STATEFUL:
        volumes = services[name].get("volumes", [])
        expect(any(v.endswith(":/var/lib/warehouse/data") for v in volumes), f"compose: {name} keeps no data volume")
    for name in ("order", "inventory", "notification"):
        environment = services[name]["environment"]
        expect(
            environment.get("WAREHOUSE_ADMIN_TOKEN_FILE") == "/run/secrets/admin_token"
            and services[name].get("secrets") == ["admin_token"],
            f"compose: {name} does not read the admin token from the secret",
        )
        expect("WAREHOUSE_ADMIN_TOKEN" not in environment, f"compose: {name} has the admin token in its environment")


def pods_by_component(documents):
    return {
        d["metadata"]["name"]: d
        for d in documents
        if d["kind"] == "Deployment"
    }


def selects(selector, labels):
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items())


def check_kubernetes(path, alerts_path):
    documents = [d for d in yaml.safe_load_all(open(path)) if d]
    deployments = pods_by_component(documents)
    expect(set(deployments) == {"order", "inventory", "notification", "console"}, f"kubernetes: Deployments {sorted(deployments)}")
    services = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Service"}
    budgets = [d for d in documents if d["kind"] == "PodDisruptionBudget"]
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]
        labels = pod["metadata"]["labels"]
        spec = pod["spec"]
        (container,) = spec["containers"]
        probes = {kind: container.get(kind, {}).get("httpGet", {}).get("path") for kind in ("startupProbe", "livenessProbe", "readinessProbe")}
        expect(
            probes == {"startupProbe": "/health/live", "livenessProbe": "/health/live", "readinessProbe": "/health/ready"},
            f"kubernetes: {name} probes {probes}",
        )
        resources = container.get("resources", {})
        expect(
            all(k in resources.get("requests", {}) for k in ("cpu", "memory")) and "memory" in resources.get("limits", {}),
            f"kubernetes: {name} lacks requests or a memory limit",
        )
        security = container.get("securityContext", {})
        expect(
            security.get("readOnlyRootFilesystem") is True
            and security.get("allowPrivilegeEscalation") is False
            and security.get("capabilities", {}).get("drop") == ["ALL"]
            and spec.get("securityContext", {}).get("runAsNonRoot") is True
            and spec.get("securityContext", {}).get("seccompProfile", {}).get("type") == "RuntimeDefault",
            f"kubernetes: {name} is not restricted",
        )
        expect(container["args"][:2] == ["serve", name], f"kubernetes: {name} runs {container['args']}")
        env = {e["name"]: e.get("value") for e in container.get("env", [])}
        expect("WAREHOUSE_ADMIN_TOKEN" not in env, f"kubernetes: {name} has the admin token in its environment")
        expect(name in services and selects(services[name]["spec"], labels), f"kubernetes: no Service selects {name}")
        expect(any(selects(b["spec"]["selector"], labels) for b in budgets), f"kubernetes: no PodDisruptionBudget for {name}")
        if name in STATEFUL:
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            expect("/var/lib/warehouse/data" in mounts, f"kubernetes: {name} has no data volume")

    # The network policy allows exactly the design's calls, in both directions.
    policies = [d for d in documents if d["kind"] == "NetworkPolicy"]
    component = {name: d["spec"]["template"]["metadata"]["labels"] for name, d in deployments.items()}
    expect(
        any(p["spec"]["podSelector"] == {} and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"} and not p["spec"].get("ingress") and not p["spec"].get("egress") for p in policies),
        "kubernetes: no default-deny policy",
    )

    def allowed(direction, source, target):
        """Whether some policy on `target` (ingress) or `source` (egress) lets source reach target."""
        holder, peer = (target, source) if direction == "ingress" else (source, target)
        for policy in policies:
            if not selects(policy["spec"]["podSelector"], component[holder]):
                continue
            for rule in policy["spec"].get(direction, []):
                peers = rule.get("from" if direction == "ingress" else "to")
                if peers is None:
                    return True
                for p in peers:
                    if "podSelector" in p and "namespaceSelector" not in p and selects(p["podSelector"], component[peer]):
                        return True
        return False

    for source in deployments:
        for target in deployments:
            if source == target:
                continue
            wanted = (source, target) in CALLS
            for direction in ("ingress", "egress"):
                if target == "console" and direction == "ingress":
                    continue  # the console takes anyone's connections: it is the edge
                got = allowed(direction, source, target)
                expect(got == wanted, f"kubernetes: {direction} {source} -> {target} is {'allowed' if got else 'denied'}")

    # The PrometheusRule says what deploy/prometheus/alerts.yml says.
    rules = [d for d in documents if d["kind"] == "PrometheusRule"]
    expect(len(rules) == 1, "kubernetes: expected one PrometheusRule")
    if rules:
        expect(rules[0]["spec"]["groups"] == yaml.safe_load(open(alerts_path))["groups"], "kubernetes: the PrometheusRule differs from alerts.yml")
    monitors = {d["spec"]["selector"]["matchLabels"].get("app.kubernetes.io/component") for d in documents if d["kind"] == "ServiceMonitor"}
    expect(monitors == set(deployments), f"kubernetes: ServiceMonitors for {sorted(monitors)}")


def check_cloud_init(path, compose_path, prometheus_path, alerts_path):
    text = open(path).read()
    expect(text.startswith("#cloud-config\n"), "cloud-init: the user data does not start with #cloud-config")
    config = yaml.safe_load(text)
    files = {f["path"]: f["content"] for f in config["write_files"]}
    for destination, source in (
        ("/opt/warehouse/compose.yaml", compose_path),
        ("/opt/warehouse/prometheus/prometheus.yml", prometheus_path),
        ("/opt/warehouse/prometheus/alerts.yml", alerts_path),
    ):
        expect(
            yaml.safe_load(files.get(destination, "")) == yaml.safe_load(open(source)),
            f"cloud-init: {destination} is not {source}",
        )
    expect("docker-compose-v2" in config.get("packages", []), "cloud-init: no compose plugin installed")


if __name__ == "__main__":
    kind, *arguments = sys.argv[1:]
    {"compose": check_compose, "kubernetes": check_kubernetes, "cloud-init": check_cloud_init}[kind](*arguments)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        sys.exit(1)
    print(f"{kind}: every check passed")
