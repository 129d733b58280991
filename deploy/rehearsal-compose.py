"""What deploy/compose.yaml gives each service, for deploy/rehearsal.sh, as JSON on standard output.

    python3 deploy/rehearsal-compose.py COMPOSE_FILE PROMETHEUS_ROOT

Variables are interpolated the way Compose does on a host with none of them set (`${NAME:-default}`
is the default, `${NAME}` is empty): the values a VM with no `.env` runs with. The image is the
rehearsal's own argument instead of `${WAREHOUSE_IMAGE…}`.

- `services`: every service of the image, in the order Compose starts them (a service after those it
  depends on), each with its port (WAREHOUSE_PORT), command, environment, secrets (mounted at
  /run/secrets/NAME), volumes (named, or a file of the repository), its health check's command, and the
  services it waits for.
- `secrets`: the names of the secrets (the rehearsal makes one token file for each).
- `prometheus`: its command with every absolute path moved under PROMETHEUS_ROOT, where the rehearsal
  lays out the files and volumes Compose mounts at those paths (so `rule_files` resolve against exactly
  what Compose mounts next to the configuration), the user it runs as, and those mounts.

Any other service fails the rehearsal: it could not say it had rehearsed the whole file.
"""

import json
import os
import re
import sys

import yaml

VARIABLE = re.compile(r"\$\{(\w+)(?::?-([^}]*))?\}")


def interpolated(value):
    return VARIABLE.sub(lambda match: match.group(2) or "", str(value))


def environment(service):
    variables = service.get("environment", {})
    if isinstance(variables, list):
        return [interpolated(variable) for variable in variables]
    return [f"{name}={interpolated(value)}" for name, value in variables.items()]


def volumes(service, compose_dir):
    """Each mount as {kind: "volume" (source: its name) or "file" (source: its path), destination, mode}."""
    mounts = []
    for entry in service.get("volumes", []):
        source, destination, *mode = interpolated(entry).split(":")
        mount = {"kind": "volume", "source": source, "destination": destination, "mode": "ro" if mode == ["ro"] else "rw"}
        if source.startswith((".", "/")):
            mount.update(kind="file", source=os.path.normpath(os.path.join(compose_dir, source)))
        mounts.append(mount)
    return mounts


def depends_on(service):
    """{dependency: condition}; the list form means only "started"."""
    dependencies = service.get("depends_on", {})
    if isinstance(dependencies, list):
        return {dependency: "service_started" for dependency in dependencies}
    return {dependency: condition.get("condition", "service_started") for dependency, condition in dependencies.items()}


def start_order(services):
    ordered = []

    def visit(name, path):
        if name in ordered:
            return
        if name in path:
            sys.exit(f"rehearsal: depends_on has a cycle through {name}")
        for dependency in depends_on(services[name]):
            visit(dependency, path + [name])
        ordered.append(name)

    for name in services:
        visit(name, [])
    return ordered


def main():
    compose_file, prometheus_root = sys.argv[1:]
    compose_dir = os.path.dirname(os.path.abspath(compose_file))
    compose = yaml.safe_load(open(compose_file))
    image = compose["x-service"]["image"]
    services = compose["services"]
    ours = {name: service for name, service in services.items() if service.get("image") == image}
    others = set(services) - set(ours) - {"prometheus"}
    if others:
        sys.exit(f"rehearsal: compose.yaml has services the rehearsal does not run: {sorted(others)}")

    rehearsed = []
    for name in start_order(ours):
        service = ours[name]
        test = service["healthcheck"]["test"]
        if test[0] != "CMD":
            sys.exit(f"rehearsal: {name}'s health check is not a CMD: {test}")
        variables = dict(variable.split("=", 1) for variable in environment(service))
        rehearsed.append({
            "name": name,
            "port": int(variables["WAREHOUSE_PORT"]),
            "command": service["command"],
            "environment": environment(service),
            "secrets": service.get("secrets", []),
            "volumes": volumes(service, compose_dir),
            "healthcheck": test[1:],
            "waitsFor": [dependency for dependency, condition in depends_on(service).items()
                         if condition == "service_healthy"],
        })

    prometheus = services["prometheus"]
    command = [re.sub(r"^(--[\w.-]+=)?/", lambda match: (match.group(1) or "") + prometheus_root + "/", argument)
               for argument in prometheus["command"]]
    print(json.dumps({
        "services": rehearsed,
        "secrets": list(compose.get("secrets", {})),
        "prometheus": {
            "command": command,
            "user": prometheus["user"],
            "volumes": volumes(prometheus, compose_dir),
        },
    }))


main()
