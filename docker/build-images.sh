#!/usr/bin/env bash
# Builds the Tandem image and the demo service's image from the jars `mvn -B -DskipTests package` made, as
# tandem:TAG and tandem-demo-service:TAG, on the JRE base compose-test.sh uses; installs and starts Docker first when
# needed (root). The scenario tests that run pods on Docker call it. Once the base is chosen, it prints the line that
# tells the caller what to remove afterwards, whether the builds then succeed or not:
#   base=IMAGE fetched=yes|no      (yes: this run pulled or built the base image)
# Usage: docker/build-images.sh TAG. Exit status: 0 built, 2 missing jars or Docker, 1 otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
checkout=$(dirname "$here")
say() { echo "build-images: $*" >&2; }
fail() { say "$*"; exit 1; }
# shellcheck source=docker/lib.sh
. "$here/lib.sh"

if [ $# -ne 1 ]; then
    say "usage: $0 TAG"
    exit 2
fi
tag=$1
for jar in launcher/target/tandem.jar demo-service/target/demo-service.jar; do
    if [ ! -r "$checkout/$jar" ]; then
        say "$jar is missing: build the jars first with: mvn -B -DskipTests package"
        exit 2
    fi
done
if ! command -v dockerd >/dev/null; then
    if ! command -v apt-get >/dev/null || [ "$(id -u)" != 0 ]; then
        say "Docker is missing; install it (Debian: apt-get install docker.io) or run this as root"
        exit 2
    fi
    install_packages docker.io
fi
start_dockerd
choose_base_image
echo "base=$base fetched=$([ -n "$fetched_base" ] && echo yes || echo no)"

build() {
    local log
    if ! log=$(timeout 600 docker build -q --build-arg "BASE_IMAGE=$base" -f "$checkout/$2" -t "$1" "$checkout" 2>&1); then
        echo "$log" >&2
        fail "building $1 failed"
    fi
}
build "tandem:$tag" docker/Dockerfile
build "tandem-demo-service:$tag" docker/demo-service.Dockerfile
