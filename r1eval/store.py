"""The run directory, the only layout r1eval writes:

    <runs>/<run_id>/config.json            identity of the run (refuses a resume under another config)
    <runs>/<run_id>/<task>/problems.jsonl  the problems as evaluated
    <runs>/<run_id>/<task>/completions.jsonl  append-only journal, one line per (problem_id, sample)
    <runs>/<run_id>/<task>/verdicts.jsonl  append-only journal of verdicts, one line per graded sample
    <runs>/<run_id>/<task>/verdicts.regrade.jsonl  `r1eval score`'s re-grade in progress (+ .json: its settings);
                                           replaces verdicts.jsonl when the task is re-graded
    <runs>/<run_id>/<task>/generation.jsonl  append-only: samples, tokens and engine seconds per finished request
    <runs>/<run_id>/results.json           what reports and gates read
    <runs>/<run_id>/writer.lock            held (flock) by the one process writing the run: `run` or `score`
    <runs>/<run_id>/<task>/report_stats.json  the report's cache of length and behaviour statistics
    <runs>/sweep-<name>.json               a sweep's manifest: its steps and the run directories holding them

Readers (report, gate, view) take no lock: every file but the journals is replaced atomically, and a journal
line still being written is skipped until it is complete, so they work while a run is in progress. Journals share
one rule set: a torn last line is cut by the next writer, and a repeated (problem_id, sample) keeps its first line.
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, fields
from pathlib import Path
from typing import IO, Any

from r1eval.errors import StoreError
from r1eval.task.data import problem_to_json
from r1eval.types import (
    RESULTS_FORMAT_VERSION,
    CodeSpec,
    Completion,
    Problem,
    RunRecord,
    RunResult,
    Status,
    TaskRecord,
    TaskResult,
    TestCase,
    Verdict,
    upgrade_metrics,
)

LOCK_FILE = "writer.lock"
CONFIG_FILE = "config.json"
REPORT_CACHE = "report_stats.json"
MANIFEST_PREFIX = "sweep-"


class RunLocked(StoreError):
    """Another process is writing this run directory."""


def _write_json(path: Path, data: Any) -> None:
    """Write atomically (temp file + rename) so a crash never leaves half a config or results file."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, allow_nan=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is not valid JSON ({exc.msg} at line {exc.lineno}); restore or delete it") from exc


def _jsonl_rows(path: Path) -> Iterator[dict[str, Any]]:
    """Rows of a JSONL file the store wrote: only complete (newline-terminated) lines. What follows the last
    newline is a line still being written by a running writer, or torn by a crash (the writer cuts it on resume);
    a corrupt complete line is an error."""
    if not path.exists():
        return
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    for number, line in enumerate(complete.decode("utf-8", errors="replace").split("\n"), 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            raise StoreError(f"{path}:{number} is corrupt ({exc.msg}); delete that line to resume") from exc


def journal_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The complete rows of a journal (the rules above), for journals outside a run directory."""
    return _jsonl_rows(path)


def _repair_torn_tail(path: Path) -> None:
    """Cut a partial last line so the next append starts on a fresh line."""
    if not path.exists() or path.stat().st_size == 0:
        return
    data = path.read_bytes()
    if data.endswith(b"\n"):
        return
    with path.open("r+b") as handle:
        handle.truncate(data.rfind(b"\n") + 1)


def problem_from_json(row: dict[str, Any]) -> Problem:
    code = row.get("code")
    spec = None
    if code:
        spec = CodeSpec(**{**code, "tests": tuple(TestCase(**t) for t in code["tests"])})
    return Problem(id=row["id"], question=row["question"], answer=row.get("answer"),
                   choices=tuple(row.get("choices") or ()), code=spec, meta=row.get("meta") or {})


_TASK_FIELDS = tuple(f.name for f in fields(TaskResult) if f.name != "extra")
_TASK_RECORD_FIELDS = tuple(f.name for f in fields(TaskRecord) if f.name != "extra")
_RUN_RECORD_FIELDS = tuple(f.name for f in fields(RunRecord) if f.name not in ("extra", "tasks"))


def task_record_to_json(task: TaskRecord) -> dict[str, Any]:
    return {**{k: getattr(task, k) for k in _TASK_RECORD_FIELDS}, **task.extra}


def record_to_json(record: RunRecord) -> dict[str, Any]:
    """config.json's content; unknown fields (of the run and of each task) are kept at their level."""
    tasks = {name: task_record_to_json(t) for name, t in record.tasks.items()}
    run = {k: getattr(record, k) for k in _RUN_RECORD_FIELDS}
    return {**run, "tasks_dirs": list(record.tasks_dirs), "lm_eval_include": list(record.lm_eval_include),
            "tasks": tasks, **record.extra}


def record_from_json(data: Any, where: Path | str = "config.json") -> RunRecord:
    """Read config.json as written by this or an earlier version."""
    try:
        tasks = {}
        for name, row in data.get("tasks", {}).items():
            known = {k: row[k] for k in _TASK_RECORD_FIELDS if k in row}
            known.setdefault("limit", None)
            known.setdefault("n_problems", 0)
            known.setdefault("dataset", {})
            known.setdefault("prompt_hash", "")
            known.setdefault("scorer", "")
            tasks[name] = TaskRecord(**known, extra={k: v for k, v in row.items() if k not in _TASK_RECORD_FIELDS})
        step = data.get("step")
        return RunRecord(
            run_id=str(data["run_id"]), model=str(data.get("model") or ""),
            step=int(step) if step is not None else None, label=data.get("label"),
            backend=str(data.get("backend", "")), identity=data.get("identity") or {},
            sampling=data.get("sampling") or {}, engine=data.get("engine") or {}, tasks=tasks,
            tasks_dirs=tuple(data.get("tasks_dirs") or ()),
            lm_eval_include=tuple(data.get("lm_eval_include") or ()), versions=data.get("versions") or {},
            created=str(data.get("created", "")), scoring=data.get("scoring") or {},
            extra={k: v for k, v in data.items() if k not in (*_RUN_RECORD_FIELDS, "tasks")})
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{where} is malformed ({type(exc).__name__}: {exc}); restore it or delete the run "
                         "directory") from exc


def results_to_json(results: RunResult) -> dict[str, Any]:
    """results.json's content: the run's fields, and per task its fields with unknown ones kept at top level."""
    tasks = {name: {**{k: getattr(t, k) for k in _TASK_FIELDS}, **t.extra} for name, t in results.tasks.items()}
    return {"format_version": RESULTS_FORMAT_VERSION,
            **{f.name: getattr(results, f.name) for f in fields(RunResult) if f.name != "tasks"}, "tasks": tasks}


def results_from_json(data: Any, where: Path | str = "results.json") -> RunResult:
    """Read results.json as written by this or an earlier version (missing counts: a finished run's planned
    problems, its configured samples; format 1, which had no format_version: old interval names, renamed)."""
    version = data.get("format_version", 1) if isinstance(data, dict) else 1
    if not isinstance(version, int) or version > RESULTS_FORMAT_VERSION:
        raise StoreError(f"{where} has format_version {version!r}, newer than this r1eval reads "
                         f"({RESULTS_FORMAT_VERSION}); upgrade r1eval")
    try:
        tasks = {}
        for name, row in data.get("tasks", {}).items():
            known = {k: row[k] for k in _TASK_FIELDS if k in row}
            if version < 2:
                known["metrics"] = upgrade_metrics(known.get("metrics", {}))
            known.setdefault("n_problems_scored", row["n_problems"])
            known.setdefault("n_samples_min", row["n_samples"])
            known.setdefault("task_version", row.get("version", 0))
            tasks[name] = TaskResult(**known, extra={k: v for k, v in row.items() if k not in _TASK_FIELDS})
        step = data.get("step")
        return RunResult(run_id=str(data["run_id"]), model=str(data.get("model") or ""),
                         step=int(step) if step is not None else None, label=data.get("label"),
                         complete=bool(data.get("complete", False)), created=str(data.get("created", "")),
                         run_dir=str(data.get("run_dir", "")), tasks=tasks)
    except (AttributeError, KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"{where} is malformed ({type(exc).__name__}: {exc}); run `r1eval score` on the run "
                         "directory to rewrite it") from exc


class Journal:
    """Append-only JSONL journal; every batch is flushed and fsynced before `append` returns. Rows are completions,
    verdicts or plain dicts."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        _repair_torn_tail(path)
        self._handle: IO[str] = path.open("a", encoding="utf-8")

    def append(self, rows: Iterable[Completion | Verdict | dict[str, Any]]) -> None:
        for row in rows:
            self._handle.write(json.dumps(_row_json(row), ensure_ascii=False) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _row_json(row: Completion | Verdict | dict[str, Any]) -> dict[str, Any]:
    if isinstance(row, Verdict):
        return {**asdict(row), "status": row.status.value}
    return asdict(row) if isinstance(row, Completion) else row


def _first_per_sample(rows: Iterable[Any]) -> list[Any]:
    """Journal rule: a repeated (problem_id, sample) keeps its first line."""
    seen: set[tuple[str, int]] = set()
    kept = []
    for row in rows:
        key = (row.problem_id, row.sample)
        if key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


class RunStore:
    def __init__(self, path: str | Path):
        self.path = Path(path)

    @property
    def config_path(self) -> Path:
        return self.path / CONFIG_FILE

    @property
    def results_path(self) -> Path:
        return self.path / "results.json"

    def task_dir(self, task: str) -> Path:
        return self.path / task

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        """Hold the run directory's exclusive writer lock for the block; fail at once, naming the holder, when
        another process holds it. The OS drops the lock when the holder exits or crashes, so it never sticks
        (an flock: on network file systems it only excludes writers on the same host)."""
        self.path.mkdir(parents=True, exist_ok=True)
        handle = (self.path / LOCK_FILE).open("a+", encoding="utf-8")
        try:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "a process that has not yet written its name"
                raise RunLocked(f"run directory {self.path} is being written by {holder}; wait for it to finish "
                                "(report, gate and view can read it meanwhile)") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()} on host {socket.gethostname()}\n")
            handle.flush()
            yield
        finally:
            handle.close()  # closing the descriptor releases the lock

    def read_config(self) -> RunRecord | None:
        if not self.config_path.exists():
            return None
        return record_from_json(_read_json(self.config_path), self.config_path)

    def require_config(self) -> RunRecord:
        """config.json of an existing run directory; a one-line error when the path is not one."""
        if not self.path.is_dir():
            raise StoreError(f"run directory {self.path} does not exist")
        config = self.read_config()
        if config is None:
            raise StoreError(f"{self.path} is not an r1eval run directory (no config.json)")
        return config

    def write_config(self, config: RunRecord) -> None:
        self.path.mkdir(parents=True, exist_ok=True)
        _write_json(self.config_path, record_to_json(config))

    def write_results(self, results: RunResult) -> None:
        _write_json(self.results_path, results_to_json(results))

    def read_results(self) -> RunResult:
        if not self.results_path.exists():
            raise StoreError(f"{self.path} has no results.json; run `r1eval score {self.path}` first")
        return results_from_json(_read_json(self.results_path), self.results_path)

    def tasks(self) -> list[str]:
        return list(self.require_config().tasks)

    def write_problems(self, task: str, problems: list[Problem]) -> None:
        self.task_dir(task).mkdir(parents=True, exist_ok=True)
        path = self.task_dir(task) / "problems.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(json.dumps(problem_to_json(p), ensure_ascii=False) + "\n" for p in problems),
                       encoding="utf-8")
        os.replace(tmp, path)

    def has_problems(self, task: str) -> bool:
        """Whether the run has reached this task (a run in progress may not have yet)."""
        return (self.task_dir(task) / "problems.jsonl").exists()

    def read_problems(self, task: str) -> list[Problem]:
        path = self.task_dir(task) / "problems.jsonl"
        if not path.exists():
            raise StoreError(f"{path} is missing; the run directory is incomplete")
        return [problem_from_json(row) for row in _jsonl_rows(path)]

    def journal(self, task: str) -> Journal:
        return Journal(self.task_dir(task) / "completions.jsonl")

    def read_completions(self, task: str) -> list[Completion]:
        """Completions in journal order; a duplicate (problem_id, sample) keeps its first line."""
        def rows() -> Iterator[Completion]:
            for row in _jsonl_rows(self.task_dir(task) / "completions.jsonl"):
                try:
                    yield Completion(**row)
                except TypeError as exc:
                    raise StoreError(f"{self.task_dir(task)}/completions.jsonl has a malformed row: {exc}") from exc

        return _first_per_sample(rows())

    def _verdicts_path(self, task: str, regrade: bool = False) -> Path:
        return self.task_dir(task) / ("verdicts.regrade.jsonl" if regrade else "verdicts.jsonl")

    def verdict_journal(self, task: str, regrade: bool = False) -> Journal:
        """The task's verdict journal, or (regrade) the journal of a re-grade in progress."""
        return Journal(self._verdicts_path(task, regrade))

    def write_verdicts(self, task: str, verdicts: list[Verdict]) -> None:
        """Replace the verdict journal at once (tests and tools that build a run directory)."""
        path = self._verdicts_path(task)
        tmp = path.with_suffix(".jsonl.tmp")
        tmp.write_text("".join(json.dumps(_row_json(v), ensure_ascii=False) + "\n" for v in verdicts),
                       encoding="utf-8")
        os.replace(tmp, path)

    def read_verdicts(self, task: str, regrade: bool = False) -> list[Verdict]:
        """Verdicts in journal order; a duplicate (problem_id, sample) keeps its first line."""
        path = self._verdicts_path(task, regrade)
        try:
            return _first_per_sample(
                Verdict(r["problem_id"], r["sample"], Status(r["status"]), r.get("answer"), r.get("detail", ""),
                        r.get("extra") or {})
                for r in _jsonl_rows(path))
        except (KeyError, TypeError, ValueError) as exc:
            raise StoreError(f"{path} has a malformed row ({type(exc).__name__}: {exc}); run `r1eval score "
                             f"{self.path}` to rewrite it") from exc

    def drop_verdicts(self, task: str) -> None:
        """Forget a task's verdicts (they were graded under other settings): the next pass grades every sample."""
        self._verdicts_path(task).unlink(missing_ok=True)

    def regrade_settings(self, task: str) -> Any:
        """The settings a re-grade in progress was started with; None when there is none."""
        path = self._verdicts_path(task, regrade=True).with_suffix(".json")
        try:
            return _read_json(path) if self._verdicts_path(task, regrade=True).exists() else None
        except (OSError, StoreError):
            return None

    def start_regrade(self, task: str, settings: Any) -> None:
        """Begin a re-grade from nothing under `settings` (a previous re-grade's journal is dropped)."""
        self.task_dir(task).mkdir(parents=True, exist_ok=True)
        self._verdicts_path(task, regrade=True).unlink(missing_ok=True)
        _write_json(self._verdicts_path(task, regrade=True).with_suffix(".json"), settings)
        self._verdicts_path(task, regrade=True).touch()

    def finish_regrade(self, task: str) -> None:
        """The re-grade's journal becomes the task's verdict journal (one atomic rename)."""
        os.replace(self._verdicts_path(task, regrade=True), self._verdicts_path(task))
        self._verdicts_path(task, regrade=True).with_suffix(".json").unlink(missing_ok=True)

    def generation_journal(self, task: str) -> Journal:
        return Journal(self.task_dir(task) / "generation.jsonl")

    def read_generation(self, task: str) -> list[dict[str, Any]]:
        """Rows {samples, tokens, seconds}: one per finished request, seconds of engine time since the last."""
        return [row for row in _jsonl_rows(self.task_dir(task) / "generation.jsonl") if isinstance(row, dict)]

    def journal_signature(self, task: str) -> list[list[int]]:
        """(size, mtime) of the task's problems and journal: changes whenever either does."""
        def stat(path: Path) -> list[int]:
            try:
                st = path.stat()
            except FileNotFoundError:
                return [0, 0]
            return [st.st_size, st.st_mtime_ns]

        return [stat(self.task_dir(task) / "completions.jsonl"), stat(self.task_dir(task) / "problems.jsonl")]

    def read_report_cache(self, task: str) -> Any:
        """The report's cached statistics for a task, or None (missing or unreadable)."""
        try:
            return json.loads((self.task_dir(task) / REPORT_CACHE).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None

    def write_report_cache(self, task: str, data: Any) -> None:
        """Best effort: a read-only run directory simply is not cached."""
        try:
            (self.task_dir(task) / REPORT_CACHE).write_text(json.dumps(data), encoding="utf-8")
        except OSError:
            pass


def is_run_dir(path: str | Path) -> bool:
    return (Path(path) / CONFIG_FILE).is_file()


def manifest_path(out: str | Path, slug: str) -> Path:
    return Path(out) / f"{MANIFEST_PREFIX}{slug}.json"


def read_manifest(path: Path) -> dict[str, Any] | None:
    """A sweep manifest, None when there is none yet; a corrupt one is a StoreError naming what to do."""
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise StoreError(f"{path} is not valid JSON ({exc.msg}); delete it to start the sweep's bookkeeping "
                         "over (run directories are kept)") from exc


def write_manifest(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_json(path, data)


def manifests_in(folder: Path) -> list[dict[str, Any]]:
    """Every readable sweep manifest in a folder of run directories (unreadable ones are skipped: a report must
    not fail on another sweep's bookkeeping)."""
    found = []
    for path in sorted(folder.glob(f"{MANIFEST_PREFIX}*.json")):
        try:
            data = read_manifest(path)
        except (StoreError, OSError):
            continue
        if isinstance(data, dict):
            found.append(data)
    return found
