"""Any OpenAI-compatible chat server (vllm serve, SGLang, ...): one chat-completions request per problem with n.

Choices documented in the README ("Engines"):
- Reasoning split out by the server (`reasoning_content`, or `reasoning` in newer vLLM) is kept in
  Completion.reasoning, and Completion.text is rebuilt as "<think>\\n{reasoning}\\n</think>\\n{content}" so that
  answer extraction after </think> works as on the embedded engine. A sample cut off while still thinking
  (finish_reason "length", no content) gets no closing tag: the model never closed its thinking.
- Servers report completion_tokens for the whole response. Unless a choice carries its own count, samples that hit
  max_tokens get max_tokens and the rest share what remains evenly (remainder to the first).
- The think prefix is sent as an assistant message the server continues (vLLM: add_generation_prompt=False,
  continue_final_message=True in the request body); servers not known to support that are refused.
"""
from __future__ import annotations

import asyncio
import queue
import random
import threading
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx

from r1eval.config import EngineConfig, SamplingConfig
from r1eval.errors import ConfigError, ModelError
from r1eval.generate.protocol import GenRequest, Prompt, completions_for
from r1eval.task.prompts import THINK_PREFIX
from r1eval.types import Completion

TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
PREFILL_SERVERS = ("vllm", "sglang")  # /v1/models owned_by values known to honour continue_final_message
_DONE = object()


class OpenAIGenerator:
    def __init__(self, model: str, engine: EngineConfig, *, retries: int = 6, backoff_s: float = 1.0,
                 max_backoff_s: float = 60.0, request_timeout_s: float = 3600.0,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not engine.base_url:
            raise ConfigError("the openai backend needs the server's base URL (e.g. --base-url "
                              "http://127.0.0.1:8000/v1)")
        self.model = model
        self.engine = engine
        self.base_url = _api_root(engine.base_url)
        self.retries = retries
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.timeout = httpx.Timeout(request_timeout_s, connect=10.0)
        self.transport = transport
        self.headers = {"Authorization": f"Bearer {engine.api_key}"} if engine.api_key else {}
        self._server: dict[str, Any] | None = None
        self.attempts = 0  # HTTP attempts made, retries included (for logs and tests)

    # -- server facts, asked once

    def server_info(self) -> dict[str, Any]:
        """The server's model list entry for our model (id, owned_by); checks that the server serves it."""
        if self._server is None:
            # a reachability check: a wrong URL should fail in seconds, not after the full generation backoff
            body = _run_sync(self._call_once("GET", "/models", None, retries=min(self.retries, 2)))
            models = [m for m in body.get("data", []) if isinstance(m, dict)]
            ids = [m.get("id") for m in models]
            match = next((m for m in models if m.get("id") == self.model), None)
            if match is None:
                raise ModelError(f"the server at {self.base_url} serves {ids}, not '{self.model}' "
                                 "(pass one of those as the model)")
            self._server = match
        return self._server

    def identity(self) -> dict[str, Any]:
        info = self.server_info()
        return {"backend": "openai", "model": self.model, "base_url": self.base_url,
                "server_model_id": info.get("id"), "server_root": info.get("root"),
                "owned_by": info.get("owned_by")}

    def render(self, messages: list[dict[str, str]], think_prefix: bool) -> Prompt:
        rendered = [dict(m) for m in messages]
        if think_prefix:
            owner = str(self.server_info().get("owned_by", "")).lower()
            if owner not in PREFILL_SERVERS:
                raise ConfigError(f"the server at {self.base_url} ({owner or 'unknown'}) is not known to continue an "
                                  "assistant prefill, so the think prefix cannot be forced; drop --think-prefix")
            rendered.append({"role": "assistant", "content": THINK_PREFIX})
        return rendered

    # -- generation

    def payload(self, request: GenRequest, sampling: SamplingConfig) -> dict[str, Any]:
        messages = request.prompt
        if not isinstance(messages, list):
            raise ConfigError("the openai backend takes chat messages (from its own render())")
        body: dict[str, Any] = {"model": self.model, "messages": messages, "n": request.n,
                                "temperature": sampling.temperature, "top_p": sampling.top_p,
                                "max_tokens": sampling.max_tokens, "seed": request.seed}
        if messages and messages[-1].get("role") == "assistant":
            body.update(add_generation_prompt=False, continue_final_message=True)
        return body

    def generate(self, requests: Sequence[GenRequest],
                 sampling: SamplingConfig) -> Iterator[tuple[GenRequest, list[Completion]]]:
        """Requests run on an event loop in a worker thread; results come back here in finishing order."""
        results: queue.Queue = queue.Queue()
        stop = threading.Event()
        worker = threading.Thread(target=lambda: asyncio.run(self._produce(requests, sampling, results, stop)),
                                  name="r1eval-openai", daemon=True)
        worker.start()
        try:
            while True:
                item = results.get()
                if item is _DONE:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            stop.set()  # the caller stopped early or a request failed: cancel what is in flight
            worker.join()

    async def _produce(self, requests: Sequence[GenRequest], sampling: SamplingConfig,
                       results: queue.Queue, stop: threading.Event) -> None:
        limit = asyncio.Semaphore(max(1, self.engine.concurrency))
        limits = httpx.Limits(max_connections=max(1, self.engine.concurrency))
        async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers, transport=self.transport,
                                     limits=limits) as client:

            async def one(request: GenRequest) -> None:
                async with limit:
                    if request.n <= 0:
                        results.put((request, []))
                        return
                    body = await self._post(client, "/chat/completions", self.payload(request, sampling))
                    results.put((request, self.parse(request, body, sampling)))

            tasks = [asyncio.ensure_future(one(r)) for r in requests]
            watcher = asyncio.ensure_future(_wait_for(stop))
            try:
                pending = set(tasks)
                while pending:
                    done, pending = await asyncio.wait(pending | {watcher}, return_when=asyncio.FIRST_COMPLETED)
                    pending.discard(watcher)
                    if watcher in done:
                        break
                    for task in done:
                        if task.exception() is not None:
                            raise task.exception()
            except BaseException as exc:  # noqa: BLE001 - handed to the consuming thread
                results.put(exc if isinstance(exc, Exception) else ModelError(f"generation stopped: {exc!r}"))
            finally:
                for task in tasks:
                    task.cancel()
                watcher.cancel()
                await asyncio.gather(*tasks, watcher, return_exceptions=True)
                results.put(_DONE)

    async def _post(self, client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self._call(client, "POST", path, body, self.retries)

    async def _call_once(self, method: str, path: str, body: dict[str, Any] | None, retries: int) -> dict[str, Any]:
        async with httpx.AsyncClient(timeout=self.timeout, headers=self.headers, transport=self.transport) as client:
            return await self._call(client, method, path, body, retries)

    async def _call(self, client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None,
                    retries: int) -> dict[str, Any]:
        """One API call with exponential backoff on transient failures; ModelError (one line) when it gives up."""
        url = self.base_url + path
        last, hint = "", None
        for attempt in range(retries + 1):
            if attempt:
                await asyncio.sleep(self.delay(attempt, hint))
            self.attempts += 1
            try:
                response = await client.request(method, url, json=body)
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                last, hint = f"{type(exc).__name__}: {exc}".strip().rstrip(":"), None
                continue
            if response.status_code in TRANSIENT_STATUS or response.status_code >= 500:
                last = f"HTTP {response.status_code} {_error_text(response)}"
                hint = response.headers.get("retry-after")
                continue
            if response.status_code >= 400:
                raise ModelError(f"the server at {self.base_url} rejected {method} {path}: HTTP "
                                 f"{response.status_code} {_error_text(response)}")
            try:
                return response.json()
            except ValueError:
                raise ModelError(f"the server at {self.base_url} answered {path} with non-JSON") from None
        raise ModelError(f"the server at {self.base_url} failed {method} {path} after {retries + 1} attempts: "
                         f"{last.splitlines()[0] if last else 'no answer'}")

    def delay(self, attempt: int, hint: str | None = None) -> float:
        """backoff_s * 2^(attempt-1), capped, with jitter; a server's Retry-After (seconds) wins when larger."""
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        if hint and hint.strip().isdigit():
            delay = max(delay, min(self.max_backoff_s, float(hint)))
        return delay

    def parse(self, request: GenRequest, body: dict[str, Any], sampling: SamplingConfig) -> list[Completion]:
        choices = sorted(body.get("choices") or [], key=lambda c: c.get("index", 0))
        if len(choices) != request.n:
            raise ModelError(f"the server returned {len(choices)} choices for {request.task}/{request.problem_id}, "
                             f"expected {request.n} (does it support n?)")
        finishes = [c.get("finish_reason") or "unknown" for c in choices]
        tokens = split_tokens(body.get("usage") or {}, choices, finishes, sampling.max_tokens)
        outputs = []
        for choice, finish, n_tokens in zip(choices, finishes, tokens, strict=True):
            message = choice.get("message") or {}
            content = message.get("content") or ""
            reasoning = message.get("reasoning_content") or message.get("reasoning")
            outputs.append((join_reasoning(reasoning, content, finish), finish, n_tokens, reasoning))
        return completions_for(request, outputs)

    def close(self) -> None:
        pass


def join_reasoning(reasoning: str | None, content: str, finish: str) -> str:
    if not reasoning:
        return content
    if not content and finish == "length":
        return f"<think>\n{reasoning}"
    return f"<think>\n{reasoning}\n</think>\n{content}"


def split_tokens(usage: dict[str, Any], choices: list[dict], finishes: list[str], max_tokens: int) -> list[int]:
    own = [((c.get("usage") or {}).get("completion_tokens")) for c in choices]
    if all(isinstance(t, int) for t in own):
        return own
    total = int(usage.get("completion_tokens") or 0)
    counts = [min(max_tokens, total) if f == "length" else 0 for f in finishes]
    total = max(0, total - sum(counts))
    rest = [i for i, f in enumerate(finishes) if f != "length"]
    for k, i in enumerate(rest):
        counts[i] = total // len(rest) + (1 if k < total % len(rest) else 0)
    return counts


def _api_root(base_url: str) -> str:
    """http://host:port -> http://host:port/v1; a URL with a path is taken as the API root as given."""
    url = base_url.rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"base URL '{base_url}' is not an http(s) URL")
    return url if parts.path else url + "/v1"


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error") or response.json().get("message") or ""
        text = error.get("message", "") if isinstance(error, dict) else str(error)
    except (ValueError, AttributeError):
        text = response.text
    return " ".join(text.split())[:200]


def _run_sync(coro: Any) -> Any:
    """asyncio.run, also from code that already runs an event loop (a notebook): then on a helper thread."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


async def _wait_for(event: threading.Event) -> None:
    while not event.is_set():
        await asyncio.sleep(0.05)
