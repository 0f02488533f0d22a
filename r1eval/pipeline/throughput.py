"""Generation throughput a run records: tokens, engine seconds (model loading excluded) and tokens/s, from the
task's generation journal; on a CUDA device also the fraction of the memory-bandwidth decode limit.

The decode limit is a lower bound on the time any engine needs on that device: every decode step reads the
weights once, and each sequence's step reads its KV cache so far. With L_s tokens in sample s, at most `max_seqs`
sequences per step, and the prompt's KV left out (so the bound stays a bound):
    steps >= max(max_s L_s, ceil(sum_s L_s / max_seqs))
    bytes >= steps * weight_bytes + kv_bytes_per_token * sum_s L_s (L_s - 1) / 2
    floor_s = bytes / bandwidth;  fraction = floor_s / generation seconds  (1.0 = at the limit)
"""
from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

DTYPE_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "half": 2, "float": 4, "fp8": 1}


def generation_stats(rows: Sequence[Mapping[str, Any]], lengths: Sequence[int],
                     limit: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """{generated_tokens, generation_s, tokens_per_s[, bandwidth_fraction]}: tokens of the journaled samples,
    engine seconds summed over every session, and the rate over the requests the generation journal timed."""
    seconds = sum(float(r.get("seconds", 0.0)) for r in rows)
    timed_tokens = sum(int(r.get("tokens", 0)) for r in rows)
    stats: dict[str, Any] = {"generated_tokens": sum(lengths), "generation_s": round(seconds, 3),
                             "tokens_per_s": round(timed_tokens / seconds, 2) if seconds > 0 else None}
    if limit and seconds > 0 and lengths:
        floor = decode_floor_s(lengths, limit["weight_bytes"], limit["kv_bytes_per_token"],
                               limit["bandwidth_bytes_per_s"], limit.get("max_seqs", 256))
        stats["bandwidth_fraction"] = round(floor / seconds, 4)
    return stats


def decode_floor_s(lengths: Sequence[int], weight_bytes: float, kv_bytes_per_token: float, bandwidth: float,
                   max_seqs: int = 256) -> float:
    """Seconds the samples' decode needs at least at `bandwidth` bytes/s (the module docstring's bound)."""
    if not lengths:
        return 0.0
    steps = max(max(lengths), math.ceil(sum(lengths) / max(1, max_seqs)))
    kv = kv_bytes_per_token * sum(n * (n - 1) / 2 for n in lengths)
    return (steps * weight_bytes + kv) / bandwidth


def model_bytes(model_dir: str | Path) -> tuple[int, int]:
    """(weight bytes, KV-cache bytes per token) of a local Hugging Face model directory: the safetensors files'
    size, and 2 (K and V) x layers x KV heads x head dim x dtype bytes from config.json."""
    folder = Path(model_dir)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config = config.get("text_config", config)
    weights = sum(p.stat().st_size for p in folder.glob("*.safetensors")) or sum(
        p.stat().st_size for p in folder.glob("*.bin"))
    heads = config.get("num_attention_heads", 1)
    head_dim = config.get("head_dim") or config["hidden_size"] // heads
    kv_heads = config.get("num_key_value_heads") or heads
    dtype = DTYPE_BYTES.get(str(config.get("torch_dtype") or config.get("dtype") or "bfloat16"), 2)
    return weights, 2 * config["num_hidden_layers"] * kv_heads * head_dim * dtype


def cuda_bandwidth() -> tuple[float, str] | None:  # pragma: no cover - needs a GPU (tests marked gpu)
    """Peak memory bandwidth (bytes/s) and name of CUDA device 0: 2 transfers per clock x bus width; None without
    CUDA or when the driver does not report the memory clock."""
    try:
        import torch
    except ImportError:
        return None
    if not torch.cuda.is_available():
        return None
    props = torch.cuda.get_device_properties(0)
    clock_khz = getattr(props, "memory_clock_rate", 0)
    bus_bits = getattr(props, "memory_bus_width", 0)
    if not clock_khz or not bus_bits:
        return None
    return 2 * clock_khz * 1e3 * bus_bits / 8, props.name


def decode_limit(model_dir: str | Path, max_seqs: int = 256) -> dict[str, Any] | None:  # pragma: no cover - gpu
    """What config.json records under `decode_limit` for a run on a CUDA device; None off CUDA or for a model
    that is not a local directory with config.json."""
    device = cuda_bandwidth()
    if device is None or not (Path(model_dir) / "config.json").is_file():
        return None
    weights, kv = model_bytes(model_dir)
    return {"weight_bytes": weights, "kv_bytes_per_token": kv, "bandwidth_bytes_per_s": device[0],
            "device": device[1], "max_seqs": max_seqs}
