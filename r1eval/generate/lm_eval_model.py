"""r1eval's generator as an lm-eval model, for lm-eval's own evaluator (README, "lm-evaluation-harness tasks"):

    lm_eval.simple_evaluate(model=R1EvalLM(make_generator("vllm", model, engine), sampling), tasks=[...])

lm-eval hands a document's `repeats` over as that many references to one request; they become one r1eval request
with n samples and r1eval's per-request seed, so the repeats differ. The text returned is what lm-eval's filters
should see (the answer region, cut at the request's `until` strings). Log-likelihood requests are refused.
`r1eval run --tasks lm_eval:...` does not go through lm-eval's evaluator: it drives lm-eval's tasks itself so that
every sample is journaled and scored (the evaluator scores only the first repeat of a task without a
repeat-aware filter).
"""
from __future__ import annotations

from typing import Any

from lm_eval.api.model import LM

from r1eval.config import SamplingConfig
from r1eval.errors import TaskError
from r1eval.generate.protocol import Generator, GenRequest, request_seed
from r1eval.grading.lm_harness import lm_eval_input
from r1eval.task.prompts import user


class R1EvalLM(LM):
    def __init__(self, generator: Generator, sampling: SamplingConfig, think_prefix: bool = False):
        super().__init__()
        self.generator, self.sampling, self.think_prefix = generator, sampling, think_prefix

    def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
        positions: dict[tuple[str, str], list[int]] = {}
        first: dict[tuple[str, str], Any] = {}
        for index, instance in enumerate(requests):
            key = (f"lm_eval:{instance.task_name}", str(instance.doc_id))
            positions.setdefault(key, []).append(index)
            first.setdefault(key, instance)
        batch = [GenRequest(task, doc_id, self.generator.render(user(first[task, doc_id].args[0]), self.think_prefix),
                            len(positions[task, doc_id]), 0, request_seed(self.sampling.seed, task, doc_id, 0))
                 for task, doc_id in first]
        out = [""] * len(requests)
        for request, completions in self.generator.generate(batch, self.sampling):
            key = (request.task, request.problem_id)
            until = first[key].args[1].get("until") or ()
            for index, completion in zip(positions[key], completions, strict=True):
                out[index] = lm_eval_input(completion, until) or ""
        return out

    def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        raise TaskError("R1EvalLM serves generate_until requests only; log-likelihood tasks are not supported")

    def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
        raise TaskError("R1EvalLM serves generate_until requests only; log-likelihood tasks are not supported")
