#!/usr/bin/env bash
# Bring up a Docker engine and the r1eval sandbox image, offline. Idempotent: each step is skipped when done.
#   1. install docker.io (dockerd, containerd, runc) and mmdebstrap via apt-get when missing
#   2. start dockerd in the background when `docker info` fails (never a second daemon), wait until ready
#   3. build the sandbox image (`r1eval sandbox build --offline`: a local Debian base, no registry needed)
# Env: PYTHON (default: <repo>/.venv/bin/python if present, else python3; needs r1eval's dependencies),
#      SANDBOX_BUILD_FLAGS (default --offline; empty = registry base python:3.12-slim with offline fallback),
#      R1EVAL_DOCKERD_LOG (default /tmp/r1eval-dockerd.log).
# Cold (nothing installed): ~15 s apt + ~3 s dockerd + 0.5-2.5 min mmdebstrap/import/build. Warm: < 1 s.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
default_python=python3
[ -x "$here/.venv/bin/python" ] && default_python="$here/.venv/bin/python"
python="${PYTHON:-$default_python}"
build_flags="${SANDBOX_BUILD_FLAGS---offline}"
log="${R1EVAL_DOCKERD_LOG:-/tmp/r1eval-dockerd.log}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v mmdebstrap >/dev/null 2>&1 || need+=(mmdebstrap)
if [ "${#need[@]}" -gt 0 ]; then
    echo "docker_up: installing ${need[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
    if pgrep -x dockerd >/dev/null 2>&1; then
        echo "docker_up: dockerd is running but not answering yet; waiting" >&2
    else
        echo "docker_up: starting dockerd (log: $log)" >&2
        $sudo sh -c "nohup dockerd >'$log' 2>&1 &"
    fi
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    docker info >/dev/null 2>&1 || { echo "docker_up: dockerd did not become ready; see $log" >&2; exit 1; }
fi

cd "$here"
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m r1eval sandbox build $build_flags
