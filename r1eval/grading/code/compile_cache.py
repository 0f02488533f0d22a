"""C++ executables by content hash: each distinct (source, standard, headers) is compiled once, inside the sandbox
(a `compile` job: g++ -O2 with its own limits), and reused for the cache's lifetime: one scoring pass of a run, or
one `r1eval judge`. Problem checkers and interactors written in C++ go through the same cache, so they are built
once per problem, not once per sample. Least recently used executables leave first past `limit_bytes`."""
from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Mapping

from r1eval.sandbox.pool import SandboxPool


def compile_key(source: str, std: str, files: Mapping[str, str] | None = None) -> str:
    payload = json.dumps([source, std, sorted((files or {}).items())], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8", errors="surrogatepass")).hexdigest()


class CompileCache:
    def __init__(self, limit_bytes: int = 256 << 20) -> None:
        self.limit_bytes = limit_bytes
        self._done: OrderedDict[str, dict] = OrderedDict()
        self._bytes = 0
        self.compiled = 0  # compile jobs run
        self.reused = 0  # requests answered from the cache
        self._lock = threading.Lock()  # batches may be judged in parallel (a streaming run)

    def get(self, key: str) -> dict | None:
        return self._done.get(key)

    def compile_all(self, pool: SandboxPool, requests: Mapping[str, tuple[str, str, Mapping[str, str]]]) -> dict:
        """key -> {"verdict": compiled | compile_error | sandbox_error, "binary", "detail"} for every request
        (key -> (source, std, files)); the missing ones are compiled in parallel on the pool."""
        with self._lock:
            missing = [key for key in requests if key not in self._done]
            self.reused += len(requests) - len(missing)
        jobs = [{"id": key, "kind": "compile", "language": "cpp", "std": requests[key][1], "source": requests[key][0],
                 "files": dict(requests[key][2] or {})} for key in missing]
        results = {}
        compiled = pool.run(jobs)  # unlocked: another batch may compile the same source meanwhile (wasted, not wrong)
        with self._lock:
            for key, result in zip(missing, compiled, strict=True):
                self.compiled += 1
                results[key] = {"verdict": result["verdict"], "binary": result.get("binary"),
                                "detail": result.get("detail", "")}
                if result["verdict"] != "sandbox_error" and key not in self._done:  # infrastructure: try again
                    self._done[key] = results[key]
                    self._bytes += len(results[key]["binary"] or "")
            for key in requests:
                if key in self._done:
                    self._done.move_to_end(key)
                    results[key] = self._done[key]
            while self._bytes > self.limit_bytes and len(self._done) > 1:
                _, oldest = self._done.popitem(last=False)
                self._bytes -= len(oldest["binary"] or "")
        return results
