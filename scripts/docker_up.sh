#!/usr/bin/env bash
# Bring up a Docker engine and the r1eval sandbox image, offline. Idempotent: each step is skipped when done.
#   1. install docker.io (dockerd, containerd, runc) and mmdebstrap via apt-get when missing
#   2. start dockerd in the background when `docker info` fails (never a second daemon), wait until ready
#   3. build the sandbox image (`r1eval sandbox build`), from a local Debian base when no registry is reachable
# Env: PYTHON (default: python3), R1EVAL_DOCKERD_LOG (default /tmp/r1eval-dockerd.log).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-python3}"
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
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$python" -m r1eval.cli sandbox build
