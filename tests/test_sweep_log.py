"""What a sweep's log says: each step named as it starts, its pass@1 with the interval when it ends, and each engine
warning once, not once per checkpoint."""
from __future__ import annotations

from r1eval.config import RunConfig
from r1eval.pipeline.sweep import SweepSpec, local_executor, run_sweep
from r1eval.store import RunStore
from tests.runfactory import bernoulli_task, make_run
from tests.test_first_run import run_quieted


def test_each_step_is_named_and_ends_with_its_metric(tmp_path):
    for step in (100, 200):
        (tmp_path / "ckpts" / f"global_step_{step}").mkdir(parents=True)
    rates = {100: [0.25] * 20, 200: [0.75] * 20}

    def fake_run(config, show_progress=False):  # what the pipeline returns, from a real run directory
        run = make_run(tmp_path / "runs", f"s{config.step}", {"math": bernoulli_task(rates[config.step], 4)},
                       step=config.step)
        return RunStore(run).read_results()

    lines: list[str] = []
    spec = SweepSpec(base=RunConfig(model="", tasks=("math",), out=str(tmp_path / "out")),
                     checkpoints=str(tmp_path / "ckpts" / "global_step_*"))
    run_sweep(spec, local_executor(fake_run, log=lines.append), log=lines.append)
    assert lines[0] == f"step 100: evaluating {tmp_path / 'ckpts' / 'global_step_100'}"
    assert lines[1].startswith("step 100: complete; math pass@1 25.0% [") and "] -> " in lines[1]
    assert lines[2].startswith("step 200: evaluating ") and "math pass@1 75.0%" in lines[3]


def test_a_repeated_engine_warning_shows_once_and_errors_always():
    proc = run_quieted("""
engine = logging.getLogger("vllm.config")
for _ in range(3):  # three checkpoints, three engine starts
    engine.warning("Casting torch.bfloat16 to torch.float32.")
    engine.error("engine core failed")
engine.warning("Sequence group 3 is preempted")
""")
    assert proc.stderr.splitlines() == [
        "vllm WARNING: Casting torch.bfloat16 to torch.float32.", "vllm ERROR: engine core failed",
        "vllm ERROR: engine core failed", "vllm ERROR: engine core failed",
        "vllm WARNING: Sequence group 3 is preempted"]
