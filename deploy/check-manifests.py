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
            and "admin_token" in services[name].get("secrets", []),
            f"compose: {name} does not read the admin token from the secret",
        )
        # Every service of the install shows the others the same service token, from its own secret.
        expect(
            environment.get("WAREHOUSE_SERVICE_TOKEN_FILE") == "/run/secrets/service_token"
            and "service_token" in services[name].get("secrets", []),
            f"compose: {name} does not read the service token from the secret",
        )
        for secret in ("WAREHOUSE_ADMIN_TOKEN", "WAREHOUSE_SERVICE_TOKEN"):
            expect(secret not in environment, f"compose: {name} has {secret} in its environment")
    expect(
        compose.get("secrets", {}).get("service_token", {}).get("file") != compose.get("secrets", {}).get("admin_token", {}).get("file"),
        "compose: the service token is the admin token's file",
    )


def pods_by_component(documents):
    return {
        d["metadata"]["name"]: d
        for d in documents
        if d["kind"] == "Deployment"
    }


def selects(selector, labels):
    """A label selector's verdict on labels: matchLabels and matchExpressions both."""
    verdicts = {
        "In": lambda key, values: labels.get(key) in values,
        "NotIn": lambda key, values: labels.get(key) not in values,
        "Exists": lambda key, values: key in labels,
        "DoesNotExist": lambda key, values: key not in labels,
    }
    return all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()) and all(
        verdicts[e["operator"]](e["key"], e.get("values", [])) for e in selector.get("matchExpressions", [])
    )


def container_env(deployment):
    (container,) = deployment["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e for e in container.get("env", [])}


def mounted_secret(deployment, path):
    """The name of the Secret whose key `path` is in the deployment's container, or None: the mount
    whose directory holds `path`, of a volume made of exactly one Secret."""
    if not path:
        return None
    spec = deployment["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    volumes = {v["name"]: v for v in spec.get("volumes", [])}
    for mount in container.get("volumeMounts", []):
        directory, _, file = path.rpartition("/")
        secret = volumes.get(mount["name"], {}).get("secret")
        if mount["mountPath"] == directory and secret and any(item["path"] == file for item in secret.get("items", [])):
            return secret["secretName"]
    return None


def check_storage(documents, deployments, services):
    """The overlay's storage and what it implies: SQLite on a volume, so one replica replaced by Recreate
    and nothing to autoscale; or PostgreSQL by a URL in a file of each service's own Secret, so no volume, two
    replicas or more that roll without a gap, a budget that lets one go, spread over nodes, order
    autoscaled, and every order replica visible to the console."""
    autoscalers = [d for d in documents if d["kind"] == "HorizontalPodAutoscaler"]
    budgets = [d for d in documents if d["kind"] == "PodDisruptionBudget"]
    urls = {name: container_env(deployments[name]).get("WAREHOUSE_DATABASE_URL_FILE") for name in STATEFUL}
    expect(
        not any("WAREHOUSE_DATABASE_URL" in container_env(deployments[name]) for name in STATEFUL),
        "kubernetes: a database URL in the environment (it carries the password: mount it, WAREHOUSE_DATABASE_URL_FILE)",
    )
    if not any(urls.values()):
        for name in STATEFUL:
            spec = deployments[name]["spec"]
            expect(spec.get("replicas") == 1, f"kubernetes: {name} on SQLite runs {spec.get('replicas')} replicas, not 1")
            expect(spec.get("strategy", {}).get("type") == "Recreate", f"kubernetes: {name} on SQLite is not replaced by Recreate")
            volumes = spec["template"]["spec"].get("volumes", [])
            expect(any("persistentVolumeClaim" in v for v in volumes), f"kubernetes: {name} keeps SQLite on no PersistentVolumeClaim")
        expect(not autoscalers, "kubernetes: a HorizontalPodAutoscaler on SQLite (one writer per file)")
        return

    secrets = {}
    for name, url in urls.items():
        secrets[name] = mounted_secret(deployments[name], (url or {}).get("value"))
        expect(secrets[name] is not None, f"kubernetes: {name}'s WAREHOUSE_DATABASE_URL_FILE is not a file of a Secret")
    named = [secret for secret in secrets.values() if secret]
    expect(len(set(named)) == len(named), f"kubernetes: services share a database Secret: {secrets}")
    expect(not any(d["kind"] == "PersistentVolumeClaim" for d in documents), "kubernetes: a PersistentVolumeClaim with PostgreSQL")

    scaled = {}
    for autoscaler in autoscalers:
        spec = autoscaler["spec"]
        target = spec["scaleTargetRef"]
        expect(target["kind"] == "Deployment" and target["name"] in deployments, f"kubernetes: an autoscaler targets {target}")
        expect(spec.get("minReplicas", 1) >= 2 and spec["maxReplicas"] > spec.get("minReplicas", 1),
               f"kubernetes: autoscaler {autoscaler['metadata']['name']} scales {spec.get('minReplicas', 1)} to {spec['maxReplicas']}")
        expect(any(m.get("resource", {}).get("name") == "cpu" for m in spec.get("metrics", [])),
               f"kubernetes: autoscaler {autoscaler['metadata']['name']} does not scale on CPU")
        scaled[target["name"]] = spec.get("minReplicas", 1)
    expect("order" in scaled, "kubernetes: no HorizontalPodAutoscaler for order")

    for name, deployment in deployments.items():
        spec = deployment["spec"]
        labels = spec["template"]["metadata"]["labels"]
        if name in scaled:
            # `kubectl apply` would set it back at every rollout, undoing the autoscaler.
            expect("replicas" not in spec, f"kubernetes: {name} is autoscaled but its Deployment names replicas")
        replicas = scaled.get(name, spec.get("replicas", 1))
        expect(replicas >= 2, f"kubernetes: {name} runs {replicas} replica(s) with PostgreSQL, not 2 or more")
        strategy = spec.get("strategy", {})
        expect(strategy.get("type") == "RollingUpdate" and strategy.get("rollingUpdate", {}).get("maxUnavailable") == 0,
               f"kubernetes: {name} does not roll with maxUnavailable 0: {strategy}")
        expect(any(b["spec"].get("maxUnavailable") == 1 for b in budgets if selects(b["spec"]["selector"], labels)),
               f"kubernetes: no PodDisruptionBudget lets exactly one {name} pod go at a time")
        spread = spec["template"]["spec"].get("topologySpreadConstraints", [])
        expect(any(c["topologyKey"] == "kubernetes.io/hostname" and c["whenUnsatisfiable"] == "DoNotSchedule"
                   and selects(c["labelSelector"], labels) for c in spread),
               f"kubernetes: {name}'s replicas are not spread over nodes")

    # The console sees every order replica's latency: a headless Service of order's pods, named to it.
    instances = services.get("order-instances", {"spec": {}, "metadata": {}})
    order_labels = deployments["order"]["spec"]["template"]["metadata"]["labels"]
    expect(instances["spec"].get("clusterIP") == "None" and selects({"matchLabels": instances["spec"].get("selector", {})}, order_labels)
           and [p["port"] for p in instances["spec"].get("ports", [])] == [8080],
           "kubernetes: no headless Service order-instances of order's pods on port 8080")
    expect(container_env(deployments["console"]).get("WAREHOUSE_ORDER_INSTANCES", {}).get("value") == "http://order-instances:8080",
           "kubernetes: the console is not given WAREHOUSE_ORDER_INSTANCES=http://order-instances:8080")
    expect(not any(selects(m["spec"]["selector"], instances["metadata"].get("labels", {})) for m in documents if m["kind"] == "ServiceMonitor"),
           "kubernetes: a ServiceMonitor selects order-instances: every order pod would be scraped twice")


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
        from_secrets = {e["name"] for e in container.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
        expect(not from_secrets, f"kubernetes: {name} takes {sorted(from_secrets)} from a Secret as variables (mount it)")
        expect("WAREHOUSE_SERVICE_TOKEN" not in env, f"kubernetes: {name} has the service token in its environment")
        if name in STATEFUL:
            expect(
                env.get("WAREHOUSE_SERVICE_TOKEN_FILE") == "/run/secrets/warehouse/service-token",
                f"kubernetes: {name} does not read the service token from its secret",
            )
        expect(name in services and selects({"matchLabels": services[name]["spec"]["selector"]}, labels), f"kubernetes: no Service selects {name}")
        expect(any(selects(b["spec"]["selector"], labels) for b in budgets), f"kubernetes: no PodDisruptionBudget for {name}")
        if name in STATEFUL:
            mounts = {m["mountPath"] for m in container.get("volumeMounts", [])}
            expect("/var/lib/warehouse/data" in mounts, f"kubernetes: {name} has no data volume")

    # Each call of the design goes to the callee's Service, by name and port: nothing is left to a default.
    for source, target in sorted(CALLS):
        url = container_env(deployments[source]).get(f"WAREHOUSE_{target.upper()}_URL", {}).get("value")
        port = services[target]["spec"]["ports"][0]["port"] if target in services else None
        expect(url == f"http://{target}:{port}", f"kubernetes: {source} reaches {target} at {url}, not its Service")
    check_storage(documents, deployments, services)

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
