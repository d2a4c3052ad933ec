#!/usr/bin/env bash
# A Docker engine for the container paths (tasks as containers, the containers backend).
#
#   eval "$(scripts/docker-engine.sh start)"
#                                     use the engine that answers (DOCKER_HOST, the default
#                                     socket, or the one this script started); else, as root
#                                     with apt, install docker.io and start dockerd with its
#                                     state and socket under $ANIMEHUB_DOCKER_STATE
#   scripts/docker-engine.sh stop     stop the dockerd that `start` started (and nothing else),
#                                     removing first the harness's containers, which die with it
#   scripts/docker-engine.sh status   say whether an engine answers; exit 0 if one does
#
# `start` prints `export DOCKER_HOST=...` for the engine that answers and exits 0; otherwise it
# prints one line saying why not (on stderr) and exits 3, so that callers carry on without
# containers. The engine it starts listens on its own socket, not /var/run/docker.sock: tools
# that look only at the default socket do not find it by surprise. The harness looks there too.
set -uo pipefail

state=${ANIMEHUB_DOCKER_STATE:-/var/lib/animehub-docker}
pidfile=$state/dockerd.pid
logfile=$state/dockerd.log
own_socket=$state/docker.sock
default_socket=/var/run/docker.sock
NO_ENGINE=3

say() { printf 'docker-engine: %s\n' "$*" >&2; }

# The engine to use, as a DOCKER_HOST value: the variable, else the default socket, else ours.
engine_host() {
    if [[ -n "${DOCKER_HOST:-}" ]]; then
        echo "$DOCKER_HOST"
    elif [[ -S $default_socket ]]; then
        echo "unix://$default_socket"
    elif [[ -S $own_socket ]]; then
        echo "unix://$own_socket"
    fi
}

answers() {
    local host
    host=$(engine_host)
    # No socket, no client: it would wait out its time-out.
    [[ -n $host ]] || return 1
    command -v docker >/dev/null || return 1
    DOCKER_HOST=$host timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1
}

server_version() {
    DOCKER_HOST=$(engine_host) docker version --format '{{.Server.Version}}' 2>/dev/null
}

ours_running() {
    [[ -f $pidfile ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

install_engine() {
    if command -v dockerd >/dev/null; then
        return 0
    fi
    if [[ $(id -u) != 0 ]] || ! command -v apt-get >/dev/null; then
        say "no Docker engine answers and none can be installed here (needs root and apt-get)"
        return 1
    fi
    say "installing docker.io (Debian's Docker engine); log: $state/install.log"
    mkdir -p "$state"
    if ! { apt-get update -qq &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            docker.io iptables; } >"$state/install.log" 2>&1; then
        say "could not install docker.io (see $state/install.log)"
        return 1
    fi
}

start_engine() {
    if [[ -n "${DOCKER_HOST:-}" ]]; then
        if answers; then return 0; fi
        say "DOCKER_HOST=$DOCKER_HOST does not answer; unset it to let this script start an engine"
        return 1
    fi
    if answers; then
        return 0
    fi
    if ours_running; then
        say "the dockerd started earlier (pid $(cat "$pidfile")) does not answer yet"
    else
        install_engine || return 1
        mkdir -p "$state/data" "$state/exec"
        rm -f "$pidfile"
        rm -f "$own_socket" # left by an engine that died
        say "starting dockerd (state under $state, log $logfile)"
        # setsid: the engine outlives the shell that started it, until `stop`.
        setsid dockerd \
            --data-root "$state/data" \
            --exec-root "$state/exec" \
            --pidfile "$pidfile" \
            --host "unix://$own_socket" \
            --ip 127.0.0.1 \
            >>"$logfile" 2>&1 </dev/null &
    fi
    for _ in $(seq 1 120); do
        if answers; then
            say "dockerd answers (version $(server_version), state under $state)"
            return 0
        fi
        if [[ -f $pidfile ]] && ! ours_running; then break; fi
        sleep 0.5 # waiting for a daemon outside Python: the harness's waiting helper is not here
    done
    say "dockerd did not answer within 60 s; last lines of $logfile:"
    tail -n 5 "$logfile" >&2
    return 1
}

stop_engine() {
    if ! ours_running; then
        say "no dockerd started by this script is running"
        return 0
    fi
    local pid left
    pid=$(cat "$pidfile")
    # The harness's containers die with the engine anyway; removed first, they do not stay
    # behind as exited ones that no reaper can sweep any more.
    left=$(DOCKER_HOST=unix://$own_socket docker ps -aq --filter label=org.animehub.run 2>/dev/null)
    if [[ -n $left ]]; then
        say "removing $(wc -w <<<"$left") container(s) of the harness before the engine stops"
        DOCKER_HOST=unix://$own_socket docker rm -f $left >/dev/null 2>&1
    fi
    say "stopping dockerd (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || { rm -f "$pidfile"; return 0; }
        sleep 0.5
    done
    say "dockerd (pid $pid) did not stop within 30 s; killing it"
    kill -KILL "$pid" 2>/dev/null
    rm -f "$pidfile"
}

case "${1:-}" in
    start)
        start_engine || exit $NO_ENGINE
        echo "export DOCKER_HOST=$(engine_host)"
        ;;
    stop) stop_engine ;;
    status)
        if answers; then
            echo "engine answers at $(engine_host): server $(server_version)"
        else
            echo "no engine answers"
            exit $NO_ENGINE
        fi
        ;;
    *)
        echo "usage: scripts/docker-engine.sh start|stop|status" >&2
        exit 2
        ;;
esac
