# Shared by the scripts that test Tandem with Docker (compose-test.sh, build-images.sh): sourced, never run. The
# script that sources it defines say and fail (fail exits).
#   install_packages PKG...  installs Debian packages quietly (root)
#   start_dockerd            starts dockerd in the background when no engine answers (there is no systemd here)
#   choose_base_image        sets base, the JRE base the Dockerfiles build on: eclipse-temurin:17-jre if present or
#                            pullable (the only pull it tries), else tandem-jre-base:bookworm, built from Debian's
#                            packages by build-local-base.sh if missing; and fetched_base, the image this call pulled
#                            or built, for the caller to remove (empty when it was here already)

tandem_docker_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
default_base=eclipse-temurin:17-jre
local_base=tandem-jre-base:bookworm
dockerd_log=/var/log/tandem-dockerd.log

install_packages() {
    say "installing $*"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

start_dockerd() {
    if docker info >/dev/null 2>&1; then
        return 0
    fi
    say "starting dockerd (log: $dockerd_log)"
    setsid dockerd >"$dockerd_log" 2>&1 </dev/null &
    for _ in $(seq 60); do
        docker info >/dev/null 2>&1 && return 0
        sleep 1
    done
    tail -n 40 "$dockerd_log" >&2
    fail "dockerd did not come up in 60 s"
}

choose_base_image() {
    fetched_base=""
    if docker image inspect "$default_base" >/dev/null 2>&1; then
        base=$default_base
    elif timeout 30 docker pull -q "$default_base" >/dev/null 2>&1; then
        base=$default_base
        fetched_base=$base
    else
        base=$local_base
        if ! docker image inspect "$local_base" >/dev/null 2>&1; then
            say "$default_base cannot be pulled here: building $local_base from Debian's packages"
            fetched_base=$local_base
            timeout 600 bash "$tandem_docker_dir/build-local-base.sh" "$local_base"
        fi
    fi
}
