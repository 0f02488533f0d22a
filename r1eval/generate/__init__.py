"""Generation backends behind one protocol: vllm (embedded default), openai (any compatible server), replay.

A backend receives one request per problem (n samples, never one request per sample) and yields each
request's completions as soon as they are finished, so the run journal can flush them at once.
"""
from __future__ import annotations

from r1eval.config import EngineConfig
from r1eval.errors import ConfigError
from r1eval.generate.protocol import Generator, GenRequest, Prompt, completions_for

__all__ = ["BACKENDS", "GenRequest", "Generator", "Prompt", "completions_for", "make_generator"]

BACKENDS = ("vllm", "openai", "replay")


def make_generator(backend: str, model: str, engine: EngineConfig) -> Generator:
    if backend == "vllm":
        from r1eval.generate.vllm_backend import VLLMGenerator

        return VLLMGenerator(model, engine)
    if backend == "openai":
        from r1eval.generate.openai_backend import OpenAIGenerator

        return OpenAIGenerator(model, engine)
    if backend == "replay":
        from r1eval.generate.replay import ReplayGenerator

        return ReplayGenerator(model, engine)
    raise ConfigError(f"unknown backend '{backend}'; choose one of: {', '.join(BACKENDS)}")
