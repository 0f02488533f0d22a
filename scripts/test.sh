#!/usr/bin/env bash
# The test command (README "Set-up"): installs what the tests need, then runs them.
#   - the Python environment in .venv (scripts/install.sh; CPU engine unless a GPU is present)
#   - a Docker engine and the sandbox image (scripts/docker_up.sh), where this user may start one
#   - Chromium (apt-get), in which the sample browser's page is tested
# Extra arguments go to pytest. Tests needing a resource the machine lacks skip with a reason, unless
# R1EVAL_STRICT=1 (set by .ci/run), which turns such a skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if ! bash scripts/docker_up.sh; then
    echo "test.sh: no Docker engine could be started; Docker tests will skip (or fail under R1EVAL_STRICT=1)" >&2
fi
if ! command -v chromium >/dev/null 2>&1; then   # the sample browser's page is tested in a real headless Chromium
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "test.sh: installing chromium (apt-get) for the viewer's browser tests" >&2
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; }; then
        echo "test.sh: chromium could not be installed; browser tests will skip (or fail under R1EVAL_STRICT=1)" >&2
    fi
fi
if [ -z "${R1EVAL_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
    export R1EVAL_DATA_DIR="$(cd ../shared/data && pwd)"
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
