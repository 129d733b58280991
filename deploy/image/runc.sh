# Sourced by deploy/image/check.sh (and the rehearsal): runs a container of an image with runc from an
# OCI bundle, the way a Kubernetes node runs a pod's container, on a machine where `podman run` cannot
# (the sandbox forbids setrlimit, so the bundle carries no rlimits). Root only.
#
# The container gets what deploy/k8s gives a pod: the image's user, entrypoint, working directory and
# environment; a read-only root filesystem; /tmp on a tmpfs; no capabilities; no new privileges; and
# only the mounts the caller names. It joins a network namespace made with `ip netns add`. /run is a
# tmpfs too, as on a Docker host: the image is mounted read-only, so the mount points of secrets under
# /run/secrets must be made somewhere writable. Like Docker and containerd, runc works on a writable
# layer of the container's own over the image (an overlay in the bundle), where it makes the mount
# points the image lacks (/etc/hosts: the image has none); the process still sees a read-only root.

# image_root IMAGE: mounts the image's root filesystem and prints the directory.
image_root() {
    podman image mount "$1"
}

# container_start ID IMAGE NETNS LOG [--env NAME=VALUE]... [--bind HOST:CONTAINER[:ro]]... -- ARGS...
# Starts the container in the background (runc in the foreground, so `wait` on it gives the container's
# exit status) and sets container_pid. The bundle lives in $container_dir/ID.
container_start() {
    local id=$1 image=$2 netns=$3 log=$4
    shift 4
    local env=() binds=()
    while (($#)); do
        case "$1" in
        --env) env+=("$2"); shift 2 ;;
        --bind) binds+=("$2"); shift 2 ;;
        --) shift; break ;;
        *) echo "container_start: unexpected $1" >&2; return 2 ;;
        esac
    done
    local image_dir config bundle=$container_dir/$id
    image_dir=$(image_root "$image")
    config=$(podman image inspect "$image" --format '{{json .Config}}')
    mkdir -p "$bundle/layer" "$bundle/layer-work" "$bundle/rootfs"
    mount -t overlay overlay -o "lowerdir=$image_dir,upperdir=$bundle/layer,workdir=$bundle/layer-work" "$bundle/rootfs"
    (cd "$bundle" && rm -f config.json && runc spec)
    local mounts='[]'
    for bind in "${binds[@]}"; do
        IFS=: read -r source destination mode <<<"$bind"
        mounts=$(jq --arg s "$source" --arg d "$destination" --arg m "${mode:-rw}" \
            '. + [{destination: $d, type: "bind", source: $s, options: ["rbind", $m, "nosuid", "nodev"]}]' <<<"$mounts")
    done
    jq --arg root "$bundle/rootfs" --arg netns "/var/run/netns/$netns" --argjson image "$config" \
        --argjson extraEnv "$(printf '%s\n' "${env[@]}" | jq -R . | jq -s 'map(select(length > 0))')" \
        --argjson binds "$mounts" --argjson args "$(printf '%s\n' "$@" | jq -R . | jq -s .)" '
        .root = {path: $root, readonly: true}
        | .hostname = "container"
        | .process.terminal = false
        | del(.process.rlimits)
        | .process.args = ($image.Entrypoint // []) + $args
        | .process.env = ($image.Env // []) + $extraEnv
        | .process.cwd = ($image.WorkingDir // "/")
        | .process.user = ($image.User | split(":") | {uid: (.[0] | tonumber), gid: ((.[1] // .[0]) | tonumber)})
        | .process.capabilities = {bounding: [], effective: [], permitted: [], ambient: []}
        | .process.noNewPrivileges = true
        | .linux.namespaces = [.linux.namespaces[] | if .type == "network" then .path = $netns else . end]
        | .mounts += [{destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777", "size=65536k"]}]
        | .mounts += [{destination: "/run", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=755", "size=1024k"]}]
        | .mounts += $binds
        ' "$bundle/config.json" > "$bundle/config.json.new"
    mv "$bundle/config.json.new" "$bundle/config.json"
    runc run --bundle "$bundle" "$id" > "$log" 2>&1 &
    container_pid=$!
}

# container_exec ID ARGS...: runs a command in the running container, with its environment and user.
container_exec() {
    local id=$1
    shift
    runc exec "$id" "$@"
}

# container_remove ID: kills what is left of the container, forgets it and unmounts its layer.
container_remove() {
    runc kill "$1" KILL 2>/dev/null || true
    runc delete --force "$1" 2>/dev/null || true
    umount "$container_dir/$1/rootfs" 2>/dev/null || true
}

# give_up WHO DIR MESSAGE: says what failed, shows the last lines of every log in DIR (the containers'
# and any other) on standard error to explain it, and exits 1.
give_up() {
    local log
    echo "$1: FAILED: $3" >&2
    for log in "$2"/*.log; do
        [[ -f $log ]] && { echo "--- $log" >&2; tail -25 "$log" >&2; }
    done
    exit 1
}
