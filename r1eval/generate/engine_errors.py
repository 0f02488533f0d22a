"""The embedded engine's settings checked before it starts, and its common failures said in one line each.

vLLM reports a bad dtype only after a 10 s start, and its failures arrive as exception names with multi-line text
(an `AssertionError` may carry none): a user needs what happened and which flag changes it.
"""
from __future__ import annotations

from r1eval.config import EngineConfig
from r1eval.errors import ConfigError

DTYPES = ("auto", "half", "float16", "bfloat16", "float", "float32")  # what vllm.LLM(dtype=...) accepts

# (words in the exception's type name or text, lower case; the one line that replaces it), first match wins: vLLM's
# texts for a too-long prompt and for a too-small KV cache both also name max_model_len.
FAILURES = (
    (("out of memory", "outofmemory", "no available memory for the cache", "insufficient memory",
      "cannot allocate memory", "larger than the available kv cache memory"),
     "out of memory: lower --max-model-len or --max-tokens, give the engine more with --gpu-memory-utilization "
     "(or VLLM_CPU_KVCACHE_SPACE on a CPU), or spread the model with --tp"),
    (("bfloat16 is not supported", "does not support bfloat16", "bfloat16 is only supported", "bf16 is not supported",
      "dtype is not supported", "unsupported dtype", "not supported for dtype"),
     "the device does not support --dtype {dtype}: use --dtype float16 on older GPUs, float32 on a CPU"),
    (("maximum context length", "longer than the maximum model length", "exceeds the maximum model length"),
     "a prompt plus --max-tokens {max_tokens} exceeds the context length: lower --max-tokens or raise "
     "--max-model-len"),
    (("max_model_len", "max model len", "max_position_embeddings"),
     "--max-model-len {max_model_len} exceeds the model's context length: lower it, or leave it unset"),
)


def check_engine(engine: EngineConfig) -> None:
    """What can be refused without starting the engine."""
    if engine.dtype not in DTYPES:
        raise ConfigError(f"--dtype {engine.dtype!r} is not a dtype vLLM knows; choose one of {', '.join(DTYPES)}")
    if engine.max_model_len is not None and engine.max_model_len < 1:
        raise ConfigError(f"--max-model-len must be at least 1, not {engine.max_model_len}")


def explain_engine_failure(exc: BaseException, model: str, engine: EngineConfig, max_tokens: int | None = None,
                           while_doing: str = "start") -> str:
    """One line for a failure of the engine (`while_doing`: start | generate)."""
    text = str(exc).strip()
    first = text.splitlines()[0][:200] if text else ""
    haystack = f"{type(exc).__name__} {text}".lower()
    for words, advice in FAILURES:
        if any(w in haystack for w in words):
            said = advice.format(dtype=engine.dtype, max_model_len=engine.max_model_len or "(the model's own)",
                                 max_tokens=max_tokens if max_tokens is not None else "")
            return f"vLLM could not {while_doing} model '{model}': {said}" + (f" [{first}]" if first else "")
    detail = f"{type(exc).__name__}: {first}" if first else f"{type(exc).__name__} without a message"
    return f"vLLM could not {while_doing} model '{model}': {detail} (run with -v to see vLLM's own log)"
