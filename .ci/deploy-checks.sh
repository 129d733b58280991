#!/usr/bin/env bash
# The deploy artefacts, checked with the tools a cloud and a cluster would use (README, "Deploy"):
#   compose     deploy/compose.yaml against the Compose specification's JSON schema, and the design's rules
#   kubernetes  every overlay rendered by `kubectl kustomize`, validated for Kubernetes $K8S_VERSION
#               (kubernetes-validate --strict), the design's rules, the PrometheusRule against promtool,
#               checkov (skips justified in deploy/k8s/checkov.yaml)
#   terraform   fmt, init from the local provider, validate, plan, apply and destroy against moto's local
#               AWS API, the cloud-init it renders, checkov (skips justified next to each resource)
#   image       deploy/Containerfile checked by checkov, built by deploy/image/build.sh (a debug
#               binary, in .build-image: README, Deploy) and run by deploy/image/check.sh
#   rehearsal   deploy/rehearsal.sh: the compose deployment of that image, each service in a network
#               namespace of its own, Prometheus with the shipped rules, a smoke test through the console
# usage: .ci/deploy-checks.sh [STAGE...]       (all stages by default; root; prints each stage's time)
#
# Installs what it lacks: podman, debootstrap, runc, prometheus (promtool), jq, iproute2, curl and
# python3-yaml with apt-get; the Python tools, pinned, each in its own virtual environment under
# $WAREHOUSE_CI_TOOLS (checkov alone in one: installed globally it downgrades packages other tools use).
# terraform (with its AWS provider in /opt/tf-plugins) and kubectl come with the machine.
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION=1.33.0
# What the image stage builds and the rehearsal stage runs.
IMAGE=localhost/warehouse:ci
tools=${WAREHOUSE_CI_TOOLS:-/var/cache/warehouse-ci}
work=$(mktemp -d)
cleanup_steps=()
cleanup() {
    local step
    for step in "${cleanup_steps[@]}"; do eval "$step" || true; done
    rm -rf "$work"
}
trap cleanup EXIT

timed() {
    local name=$1 started=$SECONDS
    shift
    echo "== deploy: $name"
    "$@"
    echo "== deploy: $name passed in $((SECONDS - started)) s"
}

# venv NAME PACKAGE==VERSION...: a virtual environment with exactly these packages, made once.
venv() {
    local name=$1
    shift
    local dir=$tools/$name stamp
    stamp=$(printf '%s\n' "$@")
    if [[ ! -x $dir/bin/python || "$(cat "$dir/.requirements" 2>/dev/null)" != "$stamp" ]]; then
        rm -rf "$dir"
        python3 -m venv "$dir"
        "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
        printf '%s' "$stamp" > "$dir/.requirements"
    fi
}

install_tools() {
    local missing=()
    command -v podman >/dev/null || missing+=(podman)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    command -v runc >/dev/null || missing+=(runc)
    command -v promtool >/dev/null || missing+=(prometheus)
    command -v jq >/dev/null || missing+=(jq)
    command -v ip >/dev/null || missing+=(iproute2)
    command -v curl >/dev/null || missing+=(curl)
    # The rehearsal reads the compose file with the system's Python, as an operator would run it.
    python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
    if ((${#missing[@]})); then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    for tool in terraform kubectl; do
        command -v "$tool" >/dev/null || { echo "deploy checks need $tool, which this machine should have" >&2; return 1; }
    done
    venv validate kubernetes-validate==1.37.0 check-jsonschema==0.39.0 "moto[server]==5.2.1" PyYAML==6.0.3
    venv checkov checkov==3.3.30
}

checkov() {
    # --skip-download: no call home for guidelines (there is no network to call).
    "$tools/checkov/bin/checkov" --quiet --compact --skip-download "$@"
}

check_compose() {
    "$tools/validate/bin/check-jsonschema" --builtin-schema vendor.compose-spec deploy/compose.yaml
    "$tools/validate/bin/python" deploy/check-manifests.py compose deploy/compose.yaml
}

check_kubernetes() {
    # A copy, so the secret files each overlay needs are never written into the checkout: every file its
    # secretGenerator reads (tokens, database URLs), made up.
    cp -r deploy "$work/k8s-deploy"
    local overlay name rendered secret
    for overlay in "$work"/k8s-deploy/k8s/overlays/*/; do
        name=$(basename "$overlay")
        for secret in $("$tools/validate/bin/python" -c '
import sys, yaml
for generator in yaml.safe_load(open(sys.argv[1])).get("secretGenerator", []):
    for source in generator.get("files", []):
        print(source.split("=")[-1])' "$overlay/kustomization.yaml"); do
            head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$overlay/$secret"
        done
        rendered=$work/$name.yaml
        kubectl kustomize "$overlay" > "$rendered"
        echo "overlay $name: $(grep -c '^kind:' "$rendered") objects"
        # It has no schema for the Prometheus Operator's kinds and says so (a warning): the next two
        # steps check those.
        "$tools/validate/bin/kubernetes-validate" --strict --quiet -k "$K8S_VERSION" "$rendered"
        "$tools/validate/bin/python" deploy/check-manifests.py kubernetes "$rendered" deploy/prometheus/alerts.yml
        "$tools/validate/bin/python" -c '
import sys, yaml
rule = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "PrometheusRule"][0]
yaml.safe_dump({"groups": rule["spec"]["groups"]}, open(sys.argv[2], "w"))' "$rendered" "$work/$name-rules.yml"
        promtool check rules "$work/$name-rules.yml"
        checkov --framework kubernetes --config-file deploy/k8s/checkov.yaml -f "$rendered"
    done
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

check_terraform() {
    local dir=$work/tf-deploy/terraform port moto
    cp -r deploy "$work/tf-deploy"
    export TF_CLI_CONFIG_FILE=$work/terraformrc TF_IN_AUTOMATION=1
    : > "$TF_CLI_CONFIG_FILE"
    terraform -chdir="$dir" fmt -check -diff
    terraform -chdir="$dir" init -backend=false -input=false -plugin-dir=/opt/tf-plugins >/dev/null
    terraform -chdir="$dir" validate -no-color

    # moto's AWS API on loopback, the provider pointed at it by an override file in the copy only.
    port=$(free_port)
    MOTO_IAM_LOAD_MANAGED_POLICIES=true "$tools/validate/bin/moto_server" -H 127.0.0.1 -p "$port" > "$work/moto.log" 2>&1 &
    moto=$!
    cleanup_steps+=("kill $moto")
    for _ in $(seq 1 150); do curl -sf "http://127.0.0.1:$port/moto-api/" >/dev/null && break; sleep 0.2; done
    sed "s|ENDPOINT|http://127.0.0.1:$port|" > "$dir/moto_override.tf" <<'EOF'
provider "aws" {
  access_key                  = "moto"
  secret_key                  = "moto"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  endpoints {
    ec2 = "ENDPOINT"
    ecr = "ENDPOINT"
    iam = "ENDPOINT"
    ssm = "ENDPOINT"
    sts = "ENDPOINT"
  }
}
EOF
    # AWS reserves /aws/service/… (moto too): the same lookup, under a name of our own, naming one of
    # moto's Ubuntu images.
    "$tools/validate/bin/python" - "$port" <<'EOF'
import sys, boto3
aws = dict(endpoint_url=f"http://127.0.0.1:{sys.argv[1]}", region_name="eu-central-1",
           aws_access_key_id="moto", aws_secret_access_key="moto")
image = boto3.client("ec2", **aws).describe_images(Owners=["099720109477"])["Images"][0]["ImageId"]
boto3.client("ssm", **aws).put_parameter(Name="/warehouse/ci/ubuntu-ami", Value=image, Type="String")
EOF
    local vars=(-var 'console_cidrs=["203.0.113.0/24"]' -var ami_parameter=/warehouse/ci/ubuntu-ami)
    terraform -chdir="$dir" plan -input=false -no-color -out="$work/plan" "${vars[@]}" | tail -3
    terraform -chdir="$dir" apply -input=false -no-color -auto-approve "$work/plan" | tail -8
    terraform -chdir="$dir" destroy -input=false -no-color -auto-approve "${vars[@]}" | tail -1

    # The cloud-init the VM boots with, rendered as the configuration renders it.
    terraform -chdir="$dir" console -var 'console_cidrs=["203.0.113.0/24"]' > "$work/user-data.json" <<'EOF'
jsonencode(templatefile("cloud-init.yaml.tftpl", { region = "eu-central-1", registry = "123456789012.dkr.ecr.eu-central-1.amazonaws.com", image = "123456789012.dkr.ecr.eu-central-1.amazonaws.com/warehouse:0.1.0", data_volume_id = "vol0123456789abcdef0", compose = file("../compose.yaml"), prometheus = file("../prometheus/prometheus.yml"), alerts = file("../prometheus/alerts.yml") }))
EOF
    "$tools/validate/bin/python" -c 'import json, sys; print(json.loads(json.load(open(sys.argv[1]))), end="")' \
        "$work/user-data.json" > "$work/user-data.yaml"
    "$tools/validate/bin/python" deploy/check-manifests.py cloud-init "$work/user-data.yaml" \
        deploy/compose.yaml deploy/prometheus/prometheus.yml deploy/prometheus/alerts.yml

    rm -f "$dir/moto_override.tf"
    checkov --framework terraform -d "$dir"
}

check_image() {
    # checkov knows a Containerfile only by the name Dockerfile.
    mkdir -p "$work/containerfile"
    cp deploy/Containerfile "$work/containerfile/Dockerfile"
    checkov --framework dockerfile -f "$work/containerfile/Dockerfile"
    local image
    image=$(deploy/image/build.sh --configuration debug --tag "$IMAGE")
    deploy/image/check.sh "$image"
}

stages=("$@")
((${#stages[@]})) || stages=(compose kubernetes terraform image rehearsal)
timed tools install_tools
for stage in "${stages[@]}"; do
    case "$stage" in
    compose) timed compose check_compose ;;
    kubernetes) timed kubernetes check_kubernetes ;;
    terraform) timed terraform check_terraform ;;
    image) timed image check_image ;;
    rehearsal) timed rehearsal deploy/rehearsal.sh "$IMAGE" ;;
    *) echo "unknown stage $stage (compose, kubernetes, terraform, image, rehearsal)" >&2; exit 2 ;;
    esac
done
