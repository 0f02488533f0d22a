"""Export every step's metrics to TensorBoard and Weights & Biases so they sit beside the training curves.

Both libraries are optional (`pip install 'r1eval[logging]'`) and imported only here. W&B runs in offline mode
only: nothing is sent anywhere; `wandb sync <dir>/wandb/offline-run-*` uploads later if the user wants.
Scalars are named `eval/<task>/<metric>` and logged at the run's training step; runs without a step are skipped
(they have no place on a training curve). Each (series, step) point comes from one run (the complete one; among
equals the latest run id), never a mix of two, and carries `eval/<task>/incomplete` (1 when the run did not
finish the task) and `eval/<task>/problems_scored`, since a curve cannot show a flag any other way.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import pandas as pd

from r1eval.errors import ConfigError

METRICS = ("pass@1", "pass@1_lo", "pass@1_hi", "pass@1_s_lo", "pass@1_s_hi", "cons", "pass@k", "truncation_rate",
           "no_answer_rate", "mean_tokens", "median_tokens")


def scalars(summary: pd.DataFrame) -> list[tuple[int, str, dict[str, float]]]:
    """(step, series, {eval/<task>/<metric>: value}) per stepped run, in step order; rates in %."""
    stepped = summary[summary["step"].notna()]
    chosen: dict[tuple[str, int], str] = {}
    for (series, step), group in stepped.groupby(["series", "step"], sort=False):
        by_run = group.groupby("run_id")["complete"].all()
        chosen[(series, int(step))] = max(by_run.index, key=lambda run_id: (bool(by_run[run_id]), run_id))
    out: dict[tuple[str, int], dict[str, float]] = {}
    for _, row in stepped.iterrows():
        key = (row["series"], int(row["step"]))
        if row["run_id"] != chosen[key]:
            continue
        values = out.setdefault(key, {})
        values[f"eval/{row['task']}/incomplete"] = 0.0 if bool(row["complete"]) else 1.0
        if pd.notna(row.get("n_problems_scored")):
            values[f"eval/{row['task']}/problems_scored"] = float(row["n_problems_scored"])
        for metric in METRICS:
            value = row.get(metric)
            if value is not None and not (isinstance(value, float) and math.isnan(value)):
                name = metric
                if metric == "cons" and pd.notna(row.get("cons_n")):
                    name = f"cons@{int(row['cons_n'])}"
                if metric == "pass@k" and pd.notna(row.get("pass@k_k")):
                    name = f"pass@{int(row['pass@k_k'])}"
                values[f"eval/{row['task']}/{name}"] = float(value)
    return [(step, series, values) for (series, step), values in sorted(out.items(), key=lambda i: (i[0][0], i[0][1]))]


def to_tensorboard(summary: pd.DataFrame, logdir: str | Path) -> int:
    """Write scalars with the training step as the event step, one event-file folder per series (the
    tensorboard package's own writer: no torch needed); returns how many scalars were written."""
    try:
        from tensorboard.compat.proto.event_pb2 import Event
        from tensorboard.compat.proto.summary_pb2 import Summary
        from tensorboard.summary.writer.event_file_writer import EventFileWriter
    except ImportError as exc:
        raise ConfigError("--tensorboard needs the tensorboard package: pip install 'r1eval[logging]'") from exc
    writers: dict[str, EventFileWriter] = {}
    count = 0
    try:
        for step, series, values in scalars(summary):
            if series not in writers:
                folder = Path(logdir) / _safe(series)
                folder.mkdir(parents=True, exist_ok=True)
                writers[series] = EventFileWriter(str(folder))
            summary_pb = Summary(value=[Summary.Value(tag=tag, simple_value=value) for tag, value in values.items()])
            writers[series].add_event(Event(wall_time=time.time(), step=step, summary=summary_pb))
            count += len(values)
    finally:
        for writer in writers.values():
            writer.close()
    return count


def to_wandb(summary: pd.DataFrame, project: str, directory: str | Path) -> str:
    """Log one offline W&B run per series, one wandb.log per step; returns the offline run folder(s)."""
    try:
        import wandb
    except ImportError as exc:
        raise ConfigError("--wandb-project needs wandb: pip install 'r1eval[logging]'") from exc
    Path(directory).mkdir(parents=True, exist_ok=True)
    folders = []
    by_series: dict[str, list[tuple[int, dict[str, float]]]] = {}
    for step, series, values in scalars(summary):
        by_series.setdefault(series, []).append((step, values))
    for series, points in by_series.items():
        run = wandb.init(project=project, name=f"eval {series}", dir=str(directory), mode="offline",
                         settings=wandb.Settings(silent=True, console="off", x_disable_stats=True),
                         reinit="create_new", config={"series": series})
        try:
            run.define_metric("eval/*", step_metric="train/global_step")
            for step, values in points:
                run.log({"train/global_step": step, **values})
            folders.append(str(Path(run.dir).parent))
        finally:
            run.finish()
    wandb.teardown()  # stop the local wandb service so the offline files are complete when we return
    return ", ".join(folders)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in text).strip("_") or "series"
