#!/usr/bin/env bash
# The container pass: a Docker engine, the API image built offline, then the scenarios with ECS
# tasks as containers of that image, and the tests that need an engine.
#
#   scripts/container-pass.sh [pytest arguments, default: the scenarios and the engine tests]
#
# Where no engine can be had (not root, no apt, dockerd will not start) or the base image cannot
# be made, it says why in one line and exits 0, unless ANIMEHUB_REQUIRE_CONTAINERS=1 asked for
# containers: then it exits 1. It stops the engine it started (not one that was running) and
# fails if anything of the run is left: a container of the run, or a process started under it
# (a stack, an emulator, a reaper, a wheel build), named with the ports it still listens on.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
python=${ANIMEHUB_PYTHON:-.venv/bin/python} # tox sets its own
# Every process of the pass inherits this mark (task containers get their own environment);
# what still carries it after the pass outlived it.
export ANIMEHUB_CONTAINER_PASS="$$-$RANDOM"

say() { printf 'container pass: %s\n' "$*" >&2; }

unavailable() {
    if [[ "${ANIMEHUB_REQUIRE_CONTAINERS:-0}" == 1 ]]; then
        say "$1; failing because ANIMEHUB_REQUIRE_CONTAINERS=1"
        exit 1
    fi
    say "skipped: $1"
    exit 0
}

marked() { # PID: whether the process carries this pass's mark
    { tr '\0' '\n' <"/proc/$1/environ"; } 2>/dev/null |
        grep -qxF "ANIMEHUB_CONTAINER_PASS=$ANIMEHUB_CONTAINER_PASS"
}

# The processes still marked as this pass's, other than this shell, with what they listen on.
leftover_processes() {
    local environ pid
    for environ in /proc/[0-9]*/environ; do
        pid=${environ#/proc/}
        pid=${pid%/environ}
        [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
        marked "$pid" || continue
        printf '  pid %s: %s; listening: %s\n' "$pid" \
            "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" \
            "$(ss -Hltnp 2>/dev/null | grep "pid=$pid," | awk '{print $4}' | paste -sd' ' -)"
    done
}

# Containers carrying a run label (tasks, probes, emulators) that this pass left: no harness
# holds their run any more (its reaper is gone), or the one that does is this pass's. A run
# another user's harness holds on the same engine is theirs.
leftover_containers() {
    local id run reaper
    for id in $(docker ps -aq --filter label=org.animehub.run); do
        run=$(docker inspect --format '{{index .Config.Labels "org.animehub.run"}}' "$id" 2>/dev/null) ||
            continue # removed meanwhile
        reaper=$(pgrep -f "harness.containers.reaper org.animehub.run=$run" | head -n 1)
        if [[ -z $reaper ]] || marked "$reaper"; then echo "$id"; fi
    done
}

was_running=false
scripts/docker-engine.sh status >/dev/null 2>&1 && was_running=true
if ! engine=$(scripts/docker-engine.sh start); then
    unavailable "no Docker engine could be had (scripts/docker-engine.sh start said why above)"
fi
eval "$engine"
export DOCKER_HOST
engine_stopped=false
stop_engine() {
    if ! $was_running && ! $engine_stopped; then
        scripts/docker-engine.sh stop
        engine_stopped=true
    fi
}
trap stop_engine EXIT

# Left by earlier runs (an engine stopped under them): not this pass's to answer for.
earlier=$(leftover_containers)
if [[ -n $earlier ]]; then
    say "$(wc -w <<<"$earlier") container(s) of earlier runs that no harness holds: $(echo $earlier)"
fi

if ! "$python" -m harness.containers.base_image; then
    unavailable "no base image for the API image could be had (see above)"
fi
build_began=$SECONDS
"$python" -m harness image build || { say "the API image does not build"; exit 1; }
say "images ready in $((SECONDS - build_began))s"

if [[ $# -eq 0 ]]; then
    set -- scenarios tests/data_plane/ecs/test_task_containers.py \
        tests/containers tests/control_plane/backends/test_containers.py -q
fi
ANIMEHUB_TASK_RUNTIME=container "$python" -m pytest "$@"
status=$?

left=$(comm -23 <(leftover_containers | sort) <(sort <<<"$earlier") | grep . || true)
if [[ -n $left ]]; then
    say "containers of the run outlived it:"
    docker ps -a $(printf -- '--filter id=%s ' $left) >&2
    status=1
fi
stop_engine
left=$(leftover_processes)
if [[ -n $left ]]; then
    say "processes of the run outlived it:"
    printf '%s\n' "$left" >&2
    status=1
fi
say "took ${SECONDS}s (exit status $status)"
exit $status
