"""Report figures with matplotlib's object API (Figure, never pyplot); one subplot per task.

Each function takes report tables (r1eval.report.tables) and returns a Figure whose axes hold the data (lines, bands,
images), which is what the tests inspect. Incomplete runs are drawn as red 'x' markers labelled "incomplete";
runs without a training step are drawn as horizontal reference lines beside the stepped series. When no run has a
step (two seeds, two models), every run gets its own labelled x position, markers are not joined and the y axis
starts at 0 (accuracy: 0-100 %). Every figure's legend sits above the plots, never over the data.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

INCOMPLETE = {"marker": "x", "color": "red", "linestyle": "none", "markersize": 9, "label": "incomplete"}


def task_axes(tasks: Sequence[str], title: str, width: float = 5.0, height: float = 3.4,
              wspace: float = 0.25) -> tuple[Figure, dict]:
    cols = min(3, max(1, len(tasks)))
    rows = max(1, math.ceil(len(tasks) / cols))
    # fixed margins, not constrained layout: layout solving measured ~1 s per figure at 100 runs x 5 tasks
    fig = Figure(figsize=(width * cols, height * rows + 0.6))
    left = max(0.07, 0.8 / (width * cols))  # 0.8 inch: room for tick labels such as "-10.0" and the axis label
    grid = fig.subplots(rows, cols, squeeze=False,
                        gridspec_kw={"left": left, "right": 0.97, "bottom": 0.14 / rows + 0.04,
                                     "top": 1 - 0.5 / (height * rows + 0.6), "wspace": wspace,
                                     "hspace": 0.55})
    axes = {}
    for i, ax in enumerate(grid.flat):
        if i < len(tasks):
            axes[tasks[i]] = ax
            ax.set_title(tasks[i])
            ax.grid(True, alpha=0.3)
        else:
            fig.delaxes(ax)
    fig.suptitle(title)
    return fig, axes


def _place(frame: pd.DataFrame) -> pd.DataFrame:
    """One task's runs; when none has a step, each run (of any series) gets its own x position `_pos`."""
    if frame["step"].notna().any():
        return frame
    return frame.reset_index(drop=True).assign(_pos=lambda f: np.arange(len(f), dtype=float))


def _stepped(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """(runs placed on the x axis, runs drawn as reference lines, x column) of a frame `_place` prepared."""
    stepped = frame[frame["step"].notna()]
    if len(stepped):
        return stepped.sort_values("step"), frame[frame["step"].isna()], "step"
    return frame, frame.iloc[0:0], "_pos"


def _joined(x: str) -> str:
    """Points of a training curve are joined; separate runs side by side are not."""
    return "-" if x == "step" else "none"


def _finish(ax: Axes, placed: pd.DataFrame, x: str, ylabel: str, percent: bool = False) -> None:
    ax.set_ylabel(ylabel)
    if x == "_pos":
        ticks = _sparse(len(placed))
        ax.set_xticks([placed["_pos"].iloc[i] for i in ticks], [placed["label"].iloc[i] for i in ticks],
                      rotation=30, ha="right")
        ax.set_xlim(-0.5, len(placed) - 0.5)
        # one value per run: autoscaling would zoom into a few hundredths around it
        ax.set_ylim(0, 100 if percent else max(1.0, float(ax.dataLim.y1) * 1.15))
        return  # the legend goes above the plots (_legend_above), never over these points
    ax.set_xlabel("training step")


def _legend_above(fig: Figure, axes: Mapping[str, Axes], side_by_side: bool = False) -> None:
    """One legend for all subplots, in a strip between the figure's title and the subplots' (never over the data);
    runs side by side (no training step) retitle the figure."""
    unique: dict[str, object] = {}
    for ax in axes.values():
        handles, labels = ax.get_legend_handles_labels()
        unique.update((label, handle) for label, handle in zip(labels, handles, strict=True) if label not in unique)
    if side_by_side:
        fig.suptitle(fig.get_suptitle().replace(" vs training step", " per run"))
    if not unique:
        return
    height = fig.get_figheight()
    rows = math.ceil(len(unique) / 4)
    grid = next(iter(axes.values())).get_gridspec()
    grid.update(top=grid.top - (0.3 + 0.18 * rows) / height)  # 0.3 inch for the subplot titles
    for ax in axes.values():
        ax.set_position(ax.get_subplotspec().get_position(fig))
    fig.legend(list(unique.values()), list(unique.keys()), loc="lower center", ncol=min(4, len(unique)),
               fontsize=7, frameon=False, bbox_to_anchor=(0.5, grid.top + 0.3 / height))


def _mark_incomplete(ax: Axes, placed: pd.DataFrame, x: str, y: str) -> None:
    bad = placed[~placed["complete"].astype(bool)]
    if len(bad):
        ax.plot(bad[x], bad[y], **INCOMPLETE)


def _references(ax: Axes, unstepped: pd.DataFrame, y: str, color: str = "gray") -> None:
    for _, row in unstepped.iterrows():
        if pd.notna(row[y]):
            ax.axhline(row[y], color=color, linestyle=":", linewidth=1, label=f"{row['label']} ({y})")


def _sparse(count: int, most: int = 12) -> list[int]:
    """At most `most` evenly spaced tick positions (labels for 100 checkpoints are unreadable and slow)."""
    return sorted(set(np.linspace(0, count - 1, min(count, most)).round().astype(int).tolist())) if count else []


def accuracy_figure(summary: pd.DataFrame, references: Mapping[str, Sequence[tuple[str, float]]] | None = None,
                    baseline: pd.DataFrame | None = None) -> Figure:
    """pass@1 with its 95% band, cons@n and the largest pass@k against step, per task and series."""
    tasks = list(dict.fromkeys(summary["task"]))
    fig, axes = task_axes(tasks, "Accuracy vs training step")
    side_by_side = False
    for task, ax in axes.items():
        frame = _place(summary[summary["task"] == task])
        for series, group in frame.groupby("series", sort=False):
            placed, unstepped, x = _stepped(group)
            tag = f" [{series}]" if frame["series"].nunique() > 1 and x == "step" else ""
            if x == "step":
                ax.fill_between(placed[x], placed["pass@1_lo"], placed["pass@1_hi"], alpha=0.2,
                                label=f"pass@1 95% CI{tag}")
                ax.plot(placed[x], placed["pass@1"], marker="o", label=f"pass@1{tag}")
            else:  # runs side by side: each with its interval as an error bar
                err = np.vstack([placed["pass@1"] - placed["pass@1_lo"], placed["pass@1_hi"] - placed["pass@1"]])
                ax.errorbar(placed[x], placed["pass@1"], yerr=err, fmt="o", capsize=3, color="C0",
                            label="pass@1 (95% CI)")
            if placed["cons"].notna().any():
                n = int(placed["cons_n"].dropna().min())
                ax.plot(placed[x], placed["cons"], marker="s", linestyle="--" if x == "step" else "none",
                        color=None if x == "step" else "C1", label=f"cons@{n}{tag}")
            if placed["pass@k"].notna().any():
                k = int(placed["pass@k_k"].dropna().min())
                ax.plot(placed[x], placed["pass@k"], marker="^", linestyle=":" if x == "step" else "none",
                        color=None if x == "step" else "C2", label=f"pass@{k}{tag}")
            _mark_incomplete(ax, placed, x, "pass@1")
            _references(ax, unstepped, "pass@1")
        if baseline is not None:
            for _, row in baseline[baseline["task"] == task].iterrows():
                ax.axhline(row["pass@1"], color="black", linestyle="--", linewidth=1,
                           label=f"baseline {row['label']} pass@1")
        for name, value in (references or {}).get(task, []):
            ax.axhline(value, color="purple", linestyle="-.", linewidth=1, label=f"{name} (published)")
        _finish(ax, frame if x == "_pos" else placed, x, "accuracy (%)", percent=True)
        side_by_side |= x == "_pos"
    _legend_above(fig, axes, side_by_side)
    return fig


def per_run(frame: pd.DataFrame) -> list[tuple[dict, pd.DataFrame]]:
    """(plot style, rows) for each run of a frame in order: coloured by position (viridis), an incomplete run
    dotted and labelled so (a frame without a `complete` column counts as complete)."""
    cmap = matplotlib.colormaps["viridis"]
    groups = list(frame.groupby("run_id", sort=False))
    out = []
    for i, (_run_id, rows) in enumerate(groups):
        complete = bool(rows["complete"].iloc[0]) if "complete" in rows else True
        style = {"color": cmap(i / max(1, len(groups) - 1)), "linestyle": "-" if complete else ":",
                 "label": f"{rows['label'].iloc[0]}{'' if complete else ' (incomplete)'}"}
        out.append((style, rows))
    return out


def run_curves_figure(table: pd.DataFrame, x: str, y: str, title: str, xlabel: str, ylabel: str) -> Figure:
    """y against x (log2 axis), one line per checkpoint: pass@k against k, accuracy against the token budget."""
    fig, axes = task_axes(list(dict.fromkeys(table["task"])), title)
    for task, ax in axes.items():
        runs = per_run(table[table["task"] == task])
        for style, rows in runs:
            curve = rows.sort_values(x)
            ax.plot(curve[x], curve[y], marker="o" if len(curve) < 12 else None, **style)
        ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
    if len({label for ax in axes.values() for label in ax.get_legend_handles_labels()[1]}) <= 12:
        _legend_above(fig, axes)  # more checkpoints than that: the colour scale (by step) says which is which
    return fig


def passk_figure(passk: pd.DataFrame) -> Figure:
    """pass@k against k (log2 axis), one line per checkpoint coloured by step."""
    return run_curves_figure(passk, "k", "pass@k", "pass@k curves per checkpoint", "k", "pass@k (%)")


def length_figure(completions: pd.DataFrame) -> Figure:
    """Completion length vs step: mean and median, with 25-75% and 10-90% bands."""
    tasks = list(dict.fromkeys(completions["task"]))
    fig, axes = task_axes(tasks, "Completion length vs training step")
    side_by_side = False
    for task, ax in axes.items():
        frame = _place(completions[completions["task"] == task])
        for _, group in frame.groupby("series", sort=False):
            placed, unstepped, x = _stepped(group)
            if x == "step":
                ax.fill_between(placed[x], placed["p10_tokens"], placed["p90_tokens"], alpha=0.12, label="10-90%")
                ax.fill_between(placed[x], placed["p25_tokens"], placed["p75_tokens"], alpha=0.25, label="25-75%")
            else:
                err = np.vstack([placed["mean_tokens"] - placed["p10_tokens"],
                                 placed["p90_tokens"] - placed["mean_tokens"]]).clip(min=0)
                ax.errorbar(placed[x], placed["mean_tokens"], yerr=err, fmt="none", capsize=3, color="C0",
                            alpha=0.5, label="10-90%")
            ax.plot(placed[x], placed["mean_tokens"], marker="o", linestyle=_joined(x), color="C0", label="mean")
            ax.plot(placed[x], placed["p50_tokens"], marker="_", markersize=12, linestyle="--" if x == "step" else
                    "none", color="C1", label="median")
            _mark_incomplete(ax, placed, x, "mean_tokens")
            _references(ax, unstepped, "mean_tokens")
        _finish(ax, frame if x == "_pos" else placed, x, "tokens")
        side_by_side |= x == "_pos"
    _legend_above(fig, axes, side_by_side)
    return fig


def rates_figure(frame_all: pd.DataFrame, columns: Mapping[str, str], title: str) -> Figure:
    """Several rates (%) against step: truncation, or the reasoning behaviours."""
    tasks = list(dict.fromkeys(frame_all["task"]))
    fig, axes = task_axes(tasks, title)
    side_by_side = False
    for task, ax in axes.items():
        frame = _place(frame_all[frame_all["task"] == task])
        for _, group in frame.groupby("series", sort=False):
            placed, unstepped, x = _stepped(group)
            for i, (column, label) in enumerate(columns.items()):
                ax.plot(placed[x], placed[column], marker="o", linestyle=_joined(x), color=f"C{i}", label=label)
                _references(ax, unstepped, column)
            _mark_incomplete(ax, placed, x, next(iter(columns)))
        top = np.nanmax(frame[list(columns)].to_numpy(dtype=float), initial=0.0)
        _finish(ax, frame if x == "_pos" else placed, x, "% of responses")
        ax.set_ylim(0, max(5.0, top * 1.15))  # rates start at 0; a flat 0% line must not look like noise
        side_by_side |= x == "_pos"
    _legend_above(fig, axes, side_by_side)
    return fig


BEHAVIOURS = {"reflection_rate": "reflection markers", "language_mixing_rate": "language mixing",
              "think_missing_rate": "</think> missing", "think_malformed_rate": "</think> malformed"}


def heatmap_figure(problems: pd.DataFrame, max_problems: int = 200) -> Figure:
    """Problems x checkpoints solve-rate heatmap per task; problems sorted by mean solve rate."""
    tasks = list(dict.fromkeys(problems["task"]))
    fig, axes = task_axes(tasks, "Solve rate per problem (%)", width=6.5, height=5.0, wspace=0.7)
    for task, ax in axes.items():
        frame = problems[problems["task"] == task]
        matrix = frame.pivot(index="problem_id", columns="run_id", values="solve_rate")
        order = frame.drop_duplicates("run_id").sort_values(["step", "run_id"], na_position="first")
        matrix = matrix.reindex(columns=order["run_id"])
        matrix = matrix.loc[matrix.mean(axis=1).sort_values(ascending=False).index]
        if len(matrix) > max_problems:  # keep the rows readable; say so in the title
            matrix = matrix.iloc[np.linspace(0, len(matrix) - 1, max_problems).round().astype(int)]
            ax.set_title(f"{task} ({max_problems} of {frame['problem_id'].nunique()} problems)")
        image = ax.imshow(matrix.to_numpy(dtype=float), aspect="auto", cmap="RdYlGn", vmin=0, vmax=100,
                          interpolation="nearest")
        ticks = _sparse(matrix.shape[1])
        ax.set_xticks(ticks, [order["label"].iloc[i] for i in ticks], rotation=60, ha="right", fontsize=6)
        if matrix.shape[0] <= 40:
            ax.set_yticks(range(matrix.shape[0]), [str(i)[-22:] for i in matrix.index], fontsize=6)
        ax.set_ylabel("problem")
        fig.colorbar(image, ax=ax, shrink=0.8)
    return fig


def delta_figure(deltas: pd.DataFrame) -> Figure:
    """Paired differences (points) between compared checkpoints, with their CIs."""
    tasks = list(dict.fromkeys(deltas["task"]))
    fig, axes = task_axes(tasks, "Change between checkpoints (paired, 95% CI)")
    for task, ax in axes.items():
        frame = deltas[deltas["task"] == task].reset_index(drop=True)
        x = np.arange(len(frame))
        err = np.vstack([frame["delta"] - frame["ci_low"], frame["ci_high"] - frame["delta"]])
        ax.errorbar(x, frame["delta"], yerr=err, fmt="o", capsize=3)
        ax.axhline(0, color="black", linewidth=0.8)
        ticks = _sparse(len(frame))
        names = [f"{int(a)}→{int(b)}" if pd.notna(a) and pd.notna(b) else f"{la}→{lb}" for a, b, la, lb in
                 zip(frame["from_step"], frame["to_step"], frame["from_label"], frame["to_label"], strict=True)]
        ax.set_xticks(ticks, [names[i] for i in ticks], rotation=45, ha="right", fontsize=7)
        ax.set_ylabel(f"Δ {frame['metric'].iloc[0] if len(frame) else ''} (points)")
        ax.set_xlabel("from → to (training step)")
    return fig


def rating_figure(ratings: pd.DataFrame) -> Figure:
    """Codeforces rating (maximum likelihood) with its 95% interval against step, per task and series."""
    tasks = list(dict.fromkeys(ratings["task"]))
    fig, axes = task_axes(tasks, "Codeforces rating vs training step")
    if axes:  # room for four-digit tick labels (task_axes' margin fits percentages)
        next(iter(axes.values())).get_gridspec().update(left=max(0.07, 0.8 / fig.get_figwidth()))
        for ax in axes.values():
            ax.set_position(ax.get_subplotspec().get_position(fig))
    side_by_side = False
    for task, ax in axes.items():
        frame = _place(ratings[ratings["task"] == task])
        for series, group in frame.groupby("series", sort=False):
            placed, unstepped, x = _stepped(group)
            tag = f" [{series}]" if frame["series"].nunique() > 1 and x == "step" else ""
            if x == "step":
                ax.fill_between(placed[x], placed["cf_rating_lo"], placed["cf_rating_hi"], alpha=0.2,
                                label=f"95% interval{tag}")
                ax.plot(placed[x], placed["cf_rating"], marker="o", label=f"rating{tag}")
            else:
                err = np.vstack([placed["cf_rating"] - placed["cf_rating_lo"],
                                 placed["cf_rating_hi"] - placed["cf_rating"]])
                ax.errorbar(placed[x], placed["cf_rating"], yerr=err, fmt="o", capsize=3, color="C0",
                            label="rating (95% interval)")
            _mark_incomplete(ax, placed, x, "cf_rating")
            _references(ax, unstepped, "cf_rating")
        _finish(ax, frame if x == "_pos" else placed, x, "Codeforces rating")
        side_by_side |= x == "_pos"
    _legend_above(fig, axes, side_by_side)
    return fig
