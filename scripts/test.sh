#!/usr/bin/env bash
# The test command (README "Set-up"): installs what the tests need, then runs them.
#   - the Python environment in .venv (scripts/install.sh; CPU engine unless a GPU is present)
#   - a Docker engine and the sandbox image (scripts/docker_up.sh), where this user may start one
# Extra arguments go to pytest. Tests needing a resource the machine lacks skip with a reason, unless
# R1EVAL_STRICT=1 (set by .ci/run), which turns such a skip into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if ! bash scripts/docker_up.sh; then
    echo "test.sh: no Docker engine could be started; Docker tests will skip (or fail under R1EVAL_STRICT=1)" >&2
fi
if [ -z "${R1EVAL_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
    export R1EVAL_DATA_DIR="$(cd ../shared/data && pwd)"
fi
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
