#!/usr/bin/env bash
# Builds the image of deploy/Containerfile without pulling anything and without RUN steps, for a
# machine that reaches Debian's package mirror but no container registry and cannot run containers
# during a build (this one, and CI):
#
#   1. the `runtime-base` stage's stand-in: a minbase Debian bookworm root made by debootstrap with the
#      runtime packages, prepared by the same deploy/image/prepare-runtime.sh, imported with
#      `podman import` (cached by the script's hash: made once per change of that script);
#   2. the `build` stage's stand-in: the same `swift build --static-swift-stdlib --product warehouse`
#      run here with the toolchain of this machine, staged as the stage stages it;
#   3. `podman build --target runtime` of the Containerfile with both stand-ins given as named build
#      contexts, which replace the stages of the same name: the `runtime` stage is built as written.
#
# usage: deploy/image/build.sh [--configuration release|debug] [--tag NAME]
# Prints the image's name on stdout when done. The binary is built in .build-image (release by default).
set -euo pipefail
cd "$(dirname "$0")/../.."

configuration=release
tag=localhost/warehouse:dev
while (($#)); do
    case "$1" in
    --configuration) configuration=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "usage: $0 [--configuration release|debug] [--tag NAME]" >&2; exit 2 ;;
    esac
done
[[ $configuration == release || $configuration == debug ]] || { echo "--configuration: release or debug" >&2; exit 2; }

for tool in podman debootstrap swift; do
    command -v "$tool" >/dev/null || { echo "build.sh needs $tool (apt-get install podman debootstrap)" >&2; exit 1; }
done
if [[ $(id -u) -ne 0 ]]; then echo "build.sh runs as root (debootstrap and chroot need it)" >&2; exit 1; fi

log() { echo "image: $*" >&2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The runtime base.
prepare=deploy/image/prepare-runtime.sh
packages=$(sed -n 's/^packages="\(.*\)"$/\1/p' "$prepare")
[[ -n $packages ]] || { echo "no packages= line in $prepare" >&2; exit 1; }
key=$(sha256sum "$prepare" | cut -c1-12)
base=localhost/warehouse-runtime-base:bookworm-$key
if podman image exists "$base"; then
    log "runtime base $base already imported"
else
    cache=${WAREHOUSE_IMAGE_CACHE:-/var/cache/warehouse-image}
    archive=$cache/runtime-base-bookworm-$key.tar
    if [[ ! -s $archive ]]; then
        # The mirror apt uses here (deb822 sources first, then sources.list), else Debian's own.
        mirror=$(sed -n 's/^URIs: *\([^ ]*debian\)\/\?$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
        [[ -n $mirror ]] || mirror=$(awk '$1 == "deb" && $2 ~ /debian\/?$/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
        mirror=${mirror:-http://deb.debian.org/debian}
        log "debootstrap bookworm (minbase + ${packages// /, }) from $mirror"
        root=$work/rootfs
        debootstrap --variant=minbase --include="${packages// /,}" bookworm "$root" "$mirror" > "$work/debootstrap.log" 2>&1 \
            || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
        cp "$prepare" "$root/tmp/prepare-runtime.sh"
        chroot "$root" sh /tmp/prepare-runtime.sh --offline
        rm -f "$root/tmp/prepare-runtime.sh"
        mkdir -p "$cache"
        tar --numeric-owner -C "$root" -cf "$archive.partial" .
        mv "$archive.partial" "$archive"
    fi
    log "podman import $archive as $base"
    podman import --quiet "$archive" "$base" >/dev/null
fi

# 2. The binary, as the build stage makes it.
# A build folder of its own: objects compiled for the static Swift runtime cannot be linked
# dynamically, so sharing .build with `swift build` and `swift test` would break their next link.
flags=(-c "$configuration" --static-swift-stdlib -Xlinker -l_FoundationICU --scratch-path .build-image)
log "swift build ${flags[*]} --product warehouse"
swift build "${flags[@]}" --product warehouse >&2
bin=$(swift build "${flags[@]}" --show-bin-path)
staging=$work/build/staging
mkdir -p "$staging"
cp "$bin/warehouse" "$staging/"
cp -R "$bin"/*.resources "$staging/"
cp "$(dirname "$(readlink -f "$(command -v swift)")")/../libexec/swift/linux/swift-backtrace-static" "$staging/"

# 3. The runtime stage, as written. `--format docker`: the OCI image format has no HEALTHCHECK.
log "podman build --target runtime -t $tag"
podman build --quiet --format docker --network none --target runtime \
    --build-context build="$work/build" --build-context runtime-base="docker-image://$base" \
    -f deploy/Containerfile -t "$tag" . >&2
echo "$tag"
