#!/usr/bin/env bash
# Builds a JRE base image from Debian's packages alone, for machines that reach Debian's mirror but no image
# registry: a minimal bookworm (debootstrap --variant=minbase) with openjdk-17-jre-headless, iptables and iproute2,
# trimmed and imported as an image. The Dockerfiles take it as BASE_IMAGE and then need no network to build.
# Usage (root): docker/build-local-base.sh [IMAGE]   (default tandem-jre-base:bookworm; mirror: DEBIAN_MIRROR)
set -euo pipefail

image=${1:-tandem-jre-base:bookworm}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

if ! command -v debootstrap >/dev/null; then
    echo "build-local-base: installing debootstrap"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

work=$(mktemp -d /var/tmp/tandem-base.XXXXXX)
rootfs=$work/rootfs
cleanup() {
    # debootstrap mounts /proc and /sys in the tree while it works; never let rm descend into them.
    awk -v dir="$work/" 'index($2, dir) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT

echo "build-local-base: debootstrap bookworm from $mirror (log: $work/debootstrap.log)"
if ! debootstrap --variant=minbase --include=openjdk-17-jre-headless,iptables,iproute2 \
        bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 40 "$work/debootstrap.log" >&2
    [ -f "$rootfs/debootstrap/debootstrap.log" ] && tail -n 40 "$rootfs/debootstrap/debootstrap.log" >&2
    echo "build-local-base: debootstrap failed" >&2
    exit 1
fi

# What a runtime image does not need: downloaded packages, apt's lists, manuals, translations, documentation.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* \
    "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/* "$rootfs"/usr/share/info/*
find "$rootfs/usr/share/doc" -type f ! -name copyright -delete

# An imported image has no configuration: give it the PATH and locale a Debian image has.
tar -C "$rootfs" --numeric-owner -c . \
    | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'ENV LANG=C.UTF-8' \
        --change 'CMD ["bash"]' \
        - "$image" >/dev/null
echo "build-local-base: built $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }'))"
