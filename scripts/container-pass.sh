#!/usr/bin/env bash
# The container pass: a Docker engine, the API image built offline, then the scenarios with ECS
# tasks as containers of that image, and the tests that need an engine.
#
#   scripts/container-pass.sh [pytest arguments, default: the scenarios and the engine tests]
#
# Where no engine can be had (not root, no apt, dockerd will not start) or the base image cannot
# be made, it says why in one line and exits 0, unless ANIMEHUB_REQUIRE_CONTAINERS=1 asked for
# containers: then it exits 1. It stops the engine it started (not one that was running) and
# checks that no container of the run is left.
set -uo pipefail
cd "$(dirname "$0")/.."
SECONDS=0
python=${ANIMEHUB_PYTHON:-.venv/bin/python} # tox sets its own

say() { printf 'container pass: %s\n' "$*" >&2; }

unavailable() {
    if [[ "${ANIMEHUB_REQUIRE_CONTAINERS:-0}" == 1 ]]; then
        say "$1; failing because ANIMEHUB_REQUIRE_CONTAINERS=1"
        exit 1
    fi
    say "skipped: $1"
    exit 0
}

was_running=false
scripts/docker-engine.sh status >/dev/null 2>&1 && was_running=true
if ! engine=$(scripts/docker-engine.sh start); then
    unavailable "no Docker engine could be had (scripts/docker-engine.sh start said why above)"
fi
eval "$engine"
export DOCKER_HOST
stop_engine() {
    if ! $was_running; then scripts/docker-engine.sh stop; fi
}
trap stop_engine EXIT

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

left=$(docker ps -aq --filter label=org.animehub.role=task | wc -l)
if [[ $left != 0 ]]; then
    say "$left task container(s) outlived the run:"
    docker ps -a --filter label=org.animehub.role=task >&2
    status=1
fi
say "took ${SECONDS}s (exit status $status)"
exit $status
