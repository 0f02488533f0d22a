"""The engine's settings are refused before it starts, and its common failures (vLLM's own texts) become one line
that names the flag to change, never a bare exception name."""
from __future__ import annotations

import importlib.util

import pytest

from r1eval.cli import main
from r1eval.config import EngineConfig
from r1eval.errors import ConfigError
from r1eval.generate.engine_errors import DTYPES, check_engine, explain_engine_failure
from tests.conftest import require

# Texts as vLLM 0.32 raises them (vllm/v1/core/kv_cache_utils.py, config/model.py, v1/engine/input_processor.py)
NO_CACHE = ValueError("No available memory for the cache blocks. Try increasing `gpu_memory_utilization` when "
                      "initializing the engine (this flag also controls CPU memory reservation on the CPU backend, "
                      "despite its name). See https://docs.vllm.ai/en/latest/configuration/conserving_memory/")
KV_TOO_SMALL = ValueError("To serve at least one request with the model's max seq len (32768), (3.50 GiB KV cache "
                          "is needed, which is larger than the available KV cache memory (1.00 GiB). Try increasing "
                          "`gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.")
TOO_LONG_SETTING = ValueError("User-specified max_model_len (90000) is greater than the derived max_model_len "
                              "(max_position_embeddings=8192 or model_max_length=None in model's config.json).")
TOO_LONG_PROMPT = ValueError("The decoder prompt (length 9000) is longer than the maximum model length of 8192. "
                             "Make sure that `max_model_len` is no smaller than the number of text tokens.")


@pytest.mark.parametrize(("exc", "says"), [
    (NO_CACHE, "out of memory"), (KV_TOO_SMALL, "out of memory"),
    (RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB"), "out of memory"),
    (TOO_LONG_SETTING, "--max-model-len 90000 exceeds the model's context length"),
    (TOO_LONG_PROMPT, "a prompt plus --max-tokens 32768 exceeds the context length"),
    (ValueError("Bfloat16 is only supported on GPUs with compute capability of at least 8.0."),
     "does not support --dtype bfloat16"),
])
def test_common_failures_become_one_line_naming_the_flag(exc, says):
    engine = EngineConfig(dtype="bfloat16", max_model_len=90000)
    line = explain_engine_failure(exc, "org/m", engine, max_tokens=32768)
    assert "\n" not in line and line.startswith("vLLM could not start model 'org/m': ") and says in line


def test_an_exception_without_a_message_is_not_a_bare_name():
    line = explain_engine_failure(AssertionError(), "org/m", EngineConfig())
    assert line == ("vLLM could not start model 'org/m': AssertionError without a message (run with -v to see "
                    "vLLM's own log)")


def test_a_bad_dtype_is_refused_before_anything_starts(tmp_path, capsys):
    with pytest.raises(ConfigError, match="'float33'"):
        check_engine(EngineConfig(dtype="float33"))
    assert main(["run", "--model", "m", "--tasks", "aime24", "--dtype", "float33", "--out", str(tmp_path), "-q",
                 "-v"]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "float33" in err and "bfloat16" in err
    assert not any(tmp_path.iterdir())  # no orphan run directory


def test_the_dtypes_are_vllms_own():
    require(importlib.util.find_spec("vllm") is not None, "vllm not installed")
    from vllm.config.model import _STR_DTYPE_TO_TORCH_DTYPE

    assert set(DTYPES) == {"auto", *_STR_DTYPE_TO_TORCH_DTYPE}
