"""A small HTTP reward server for trainers that call a URL (OpenRLHF's remote reward model, or any client).

    python -m r1eval.reward.server [--host 127.0.0.1] [--port 8000] [--kind math] [--timeout 5]

POST / (any path) with JSON. OpenRLHF's form: {"query": [prompt + response, ...], "prompts": [...],
"labels": [gold, ...]}; the prompt is cut off the front of each query. Or {"responses": [...], "labels" (or
"answers"): [...]}. Optional: "kind" or "data_source" (picks the scorer as compute_score does), "choices",
"finish_reasons". Reply: {"rewards": [...], "scores": [...], "details": [...]}. GET /stats: the counters.
Binds to loopback unless --host says otherwise. A bad request gets status 400 and one line; never a traceback.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NoReturn

from r1eval.reward import DEFAULT_TIMEOUT_S, kind_of, reward_of, score_batch, stats

MAX_BODY = 256 << 20


def rewards_for(request: Mapping[str, Any], kind: str | None = None,
                timeout_s: float = DEFAULT_TIMEOUT_S) -> dict[str, Any]:
    """The reply to one request body (raises ValueError on a malformed one)."""
    responses = request.get("responses")
    if responses is None:
        queries, prompts = request.get("query"), request.get("prompts")
        if not isinstance(queries, list):
            raise ValueError("give 'responses' or 'query' as a list")
        prompts = prompts if isinstance(prompts, list) and len(prompts) == len(queries) else [""] * len(queries)
        responses = [q[len(p):] if isinstance(q, str) and p and q.startswith(p) else q
                     for q, p in zip(queries, prompts, strict=True)]
    labels = request.get("labels", request.get("answers"))
    if not isinstance(responses, list) or not isinstance(labels, list) or len(labels) != len(responses):
        raise ValueError("'labels' must be a list as long as the responses")
    kind = kind_of(request.get("data_source"), {"kind": request.get("kind") or kind})
    if kind == "code":
        raise ValueError("the server grades math, integer and choice answers; code goes through compute_score")
    pairs = [(str(r), "" if g is None else str(g)) for r, g in zip(responses, labels, strict=True)]
    verdicts = score_batch(kind, pairs,
                           choices=request.get("choices"), finish_reasons=request.get("finish_reasons"),
                           timeout_s=timeout_s)
    rewards = [reward_of(v) for v in verdicts]
    return {"rewards": rewards, "scores": rewards, "details": [v[2] for v in verdicts]}


def make_server(host: str = "127.0.0.1", port: int = 0, kind: str = "math",
                timeout_s: float = DEFAULT_TIMEOUT_S) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
            return

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self._reply(200, stats() if self.path.rstrip("/") == "/stats" else {"ok": True, "kind": kind})

        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    raise ValueError("a JSON body is required (at most 256 MiB)")
                request = json.loads(self.rfile.read(length))
                if not isinstance(request, dict):
                    raise ValueError("the body must be a JSON object")
                self._reply(200, rewards_for(request, kind, timeout_s))
            except (ValueError, TypeError) as exc:
                self._reply(400, {"error": str(exc)[:300]})

    return ThreadingHTTPServer((host, port), Handler)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2: never a usage block
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (0-65535)")
    return int(text)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m r1eval.reward.server", description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=_port, default=8000, help="0 picks a free port")
    parser.add_argument("--kind", default="math", choices=("math", "integer", "choice"))
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per symbolic check")
    args = parser.parse_args(argv)
    if not args.timeout > 0:
        parser.error("--timeout must be a positive number of seconds")
    try:
        server = make_server(args.host, args.port, args.kind, args.timeout)
    except (OSError, OverflowError) as exc:
        print(f"error: cannot serve on {args.host}:{args.port} ({getattr(exc, 'strerror', None) or exc})",
              file=sys.stderr)
        return 2
    print(f"r1eval reward server on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
