#!/usr/bin/env bash
# Proves the docker-compose demo (docker/docker-compose.yml) on this machine; CI runs it as root after Maven has
# built the jars. It installs and starts a Docker engine and a compose tool if missing, picks the JRE base image
# (the public eclipse-temurin:17-jre if present or pullable, else one built from Debian's packages by
# build-local-base.sh), builds the images, brings the three pods up, calls the frontend from the client container
# and through the published port, checks that the call crossed every sidecar, checks that the sidecars drain and
# exit 0 on SIGTERM, and removes everything it made: containers, network, volumes, the images it built or pulled.
# TANDEM_KEEP_IMAGES=1 keeps the base image for the next run. Exit status: 0 passed, non-zero otherwise.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
checkout=$(dirname "$here")
project=tandem-demo
built_images=(tandem:local tandem-demo-service:local)
# shellcheck source=docker/lib.sh
. "$here/lib.sh"

passed=0
say() { echo "compose-test: $*"; }
ok() { say "ok: $*"; passed=$((passed + 1)); }
fail() { say "FAIL: $*" >&2; exit 1; }
# The demo's container of a compose service, running or not (the same for docker compose and docker-compose).
container_of() {
    docker ps -aq --filter "label=com.docker.compose.project=$project" --filter "label=com.docker.compose.service=$1"
}

# --- the jars Maven made --------------------------------------------------------------------------------------
for jar in launcher/target/tandem.jar demo-service/target/demo-service.jar; do
    if [ ! -r "$checkout/$jar" ]; then
        say "$jar is missing: build the jars first with: mvn -B -DskipTests package" >&2
        exit 2
    fi
done

# --- tools, from the distribution's packages when missing -----------------------------------------------------
packages=()
command -v dockerd >/dev/null || packages+=(docker.io)
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
    packages+=(docker-compose)
fi
command -v jq >/dev/null || packages+=(jq)
if [ "${#packages[@]}" -gt 0 ]; then
    install_packages "${packages[@]}"
fi
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    compose=(docker-compose)
fi
compose+=(--project-name "$project" --file "$here/docker-compose.yml")

# --- the engine: no systemd here, so start dockerd in the background when it is not running -------------------
start_dockerd

# --- cleanup, on every exit ------------------------------------------------------------------------------------
logs=$(mktemp -d /tmp/tandem-compose-test.XXXXXX)
fetched_base=""   # a base image this run pulled or built: removed at exit unless TANDEM_KEEP_IMAGES=1

# On failure: the state of every container of the demo, and the logs of those that failed (all, if none did).
report_failure() {
    local ids id state shown=0
    ids=$(docker ps -aq --filter "label=com.docker.compose.project=$project" 2>/dev/null || true)
    [ -n "$ids" ] || return 0
    echo "---- containers of $project" >&2
    docker ps -a --filter "label=com.docker.compose.project=$project" --format '{{.Names}}\t{{.Status}}' >&2 || true
    for pass in failed all; do
        for id in $ids; do
            state=$(docker inspect -f '{{.State.Status}} {{.State.ExitCode}} {{if .State.Health}}{{.State.Health.Status}}{{end}}' "$id")
            if [ "$pass" = failed ]; then
                case "$state" in "running 0 healthy" | "running 0 starting" | "running 0 " | "exited 0 ") continue ;; esac
            fi
            echo "---- docker logs $(docker inspect -f '{{.Name}}' "$id") ($state)" >&2
            docker logs --tail 100 "$id" >&2 2>&1 || true
            if [[ "$state" == *unhealthy* ]]; then
                docker inspect -f '{{range .State.Health.Log}}health check: exit {{.ExitCode}} {{.Output}}{{"\n"}}{{end}}' "$id" >&2
            fi
            shown=1
        done
        [ "$shown" = 1 ] && break
    done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ "$rc" != 0 ] && [ "$rc" != 130 ]; then   # not when interrupted
        report_failure || true
    fi
    say "removing the demo"
    timeout 120 "${compose[@]}" down --volumes --remove-orphans --timeout 20 >/dev/null 2>&1 || rc=1
    docker image rm "${built_images[@]}" >/dev/null 2>&1 || true
    if [ -n "$fetched_base" ] && [ "${TANDEM_KEEP_IMAGES:-}" != 1 ]; then
        docker image rm "$fetched_base" >/dev/null 2>&1 || true
    fi
    rm -rf "$logs"
    left=$(docker ps -aq --filter "label=com.docker.compose.project=$project"; \
        docker network ls -q --filter "label=com.docker.compose.project=$project"; \
        docker volume ls -q --filter "label=com.docker.compose.project=$project")
    if [ -n "$left" ]; then
        say "left behind: $(tr '\n' ' ' <<<"$left")" >&2
        rc=1
    fi
    say "took $SECONDS s"
    if [ "$rc" = 0 ]; then say "$passed passed, 0 failed"; else say "$passed passed, 1 failed" >&2; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Whatever an interrupted earlier run left behind.
"${compose[@]}" down --volumes --remove-orphans --timeout 5 >/dev/null 2>&1 || true

# --- the base image: the public one if here or pullable (the only pull this script tries), else a local one -----
choose_base_image
say "base image $base"
export TANDEM_BASE_IMAGE=$base
export TANDEM_DEMO_PORT=0   # the frontend's published port: any free one, so nothing on the host is in the way

# --- build and start the pods ----------------------------------------------------------------------------------
say "building ${built_images[*]}"
if ! timeout 600 "${compose[@]}" build >"$logs/build.log" 2>&1; then
    tail -n 60 "$logs/build.log" >&2
    fail "building the images failed"
fi
for image in "${built_images[@]}"; do
    say "image $image: $(( $(docker image inspect -f '{{.Size}}' "$image") / 1000000 )) MB"
done
say "starting the pods (holder, init, sidecar once init succeeded, application once the sidecar is healthy)"
timeout 300 "${compose[@]}" up -d || fail "the pods did not come up"

# --- check 1: the client container calls http://frontend:8080/ on the demo's network -------------------------
client=$(container_of client)
[ -n "$client" ] || fail "the client container was not created"
client_exit=$(timeout 120 docker wait "$client") || fail "the client did not finish in 120 s"
answer=$(docker logs "$client" 2>/dev/null)
echo "$answer"
[ "$client_exit" = 0 ] || fail "the client exited $client_exit"

# Every service must have been delivered by its own sidecar (peer 127.0.0.6), along the whole chain, with the
# client's traceparent passed on unchanged, and the x-request-id the frontend's sidecar made (the client sent none)
# the same at every hop. That the calls also left through the callers' sidecars is checked on their metrics below.
crossed_every_sidecar='
    .service == "frontend" and .peer == "127.0.0.6"
    and .upstream.service == "catalog" and .upstream.peer == "127.0.0.6"
    and .upstream.upstream.service == "ratings" and .upstream.upstream.peer == "127.0.0.6"
    and (.upstream.upstream | has("upstream") | not)
    and (.headers.traceparent | startswith("00-"))
    and .upstream.headers.traceparent == .headers.traceparent
    and .upstream.upstream.headers.traceparent == .headers.traceparent
    and (.headers["x-request-id"] | test("^[0-9a-f-]{36}$"))
    and .upstream.headers["x-request-id"] == .headers["x-request-id"]
    and .upstream.upstream.headers["x-request-id"] == .headers["x-request-id"]'
jq -e "$crossed_every_sidecar" <<<"$answer" >/dev/null \
    || fail "the client's answer did not cross every sidecar (want peer 127.0.0.6 at frontend, catalog and ratings)"
ok "client -> frontend -> catalog -> ratings crossed every sidecar"

# --- check 2: the frontend's published port on 127.0.0.1, from the host ----------------------------------------
port=$("${compose[@]}" port frontend 8080 | sed 's/.*://')
[ -n "$port" ] || fail "the frontend's port 8080 is not published"
# A plain HTTP/1.0 GET over bash's /dev/tcp: the server closes after the answer; the body follows the blank line.
response=$(
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    timeout 30 cat <&3
) || fail "no answer on 127.0.0.1:$port"
published=$(tr -d '\r' <<<"$response" | sed '1,/^$/d')
jq -e '.service == "frontend" and .peer == "127.0.0.6"
    and .upstream.peer == "127.0.0.6" and .upstream.upstream.peer == "127.0.0.6"' <<<"$published" >/dev/null \
    || fail "the answer on 127.0.0.1:$port did not cross every sidecar: $published"
ok "127.0.0.1:$port -> frontend -> catalog -> ratings crossed every sidecar"

# --- check 3: each sidecar's own metrics count both calls: the callers' outbound (reporter=source) and every
# callee's inbound (reporter=destination), each naming the workloads of both ends --------------------------------
# istio_requests_total{reporter=...,source_workload=...,destination_workload=...,response_code="200"} of a sidecar,
# scraped from inside its pod (port 15090 is the pod's own; the image has bash but no curl).
requests_total() {   # pod reporter source destination
    docker exec "$(container_of "$1-proxy")" bash -c '
        exec 3<>/dev/tcp/127.0.0.1/15090
        printf "GET /stats/prometheus HTTP/1.0\r\n\r\n" >&3
        cat <&3' \
        | grep "^istio_requests_total{" | grep "reporter=\"$2\"" | grep "source_workload=\"$3\"" \
        | grep "destination_workload=\"$4\"" | grep 'response_code="200"' | awk '{ sum += $2 } END { print sum + 0 }'
}
for hop in "frontend source frontend catalog" "catalog destination frontend catalog" \
           "catalog source catalog ratings" "ratings destination catalog ratings" \
           "frontend destination unknown frontend"; do
    read -r pod reporter from to <<<"$hop"
    count=$(requests_total "$pod" "$reporter" "$from" "$to")
    [ "${count%.*}" = 2 ] \
        || fail "$pod's sidecar counted $count requests $from -> $to (reporter=$reporter), not the 2 calls made"
done
ok "the callers' and the callees' sidecars each counted both calls, naming both workloads"

# --- check 4: SIGTERM reaches each sidecar's JVM, which drains and exits 0 -------------------------------------
say "stopping the pods"
timeout 120 "${compose[@]}" stop --timeout 20 >/dev/null 2>&1 || fail "stopping the pods failed"
for pod in frontend catalog ratings; do
    code=$(docker inspect -f '{{.State.ExitCode}}' "$(container_of "$pod-proxy")")
    [ "$code" = 0 ] || fail "$pod-proxy exited $code on SIGTERM, not 0 (a SIGKILL after the timeout gives 137)"
done
ok "the sidecars drained and exited 0 on SIGTERM"
