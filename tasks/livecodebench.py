"""LiveCodeBench code generation, the DeepSeek-R1 window: release_v5 problems with 2024-08-01 <= contest_date <
2025-02-01 (279 problems: AtCoder 175, LeetCode 104). LCB's reasoning-model prompt; every public + private test
runs in the sandbox (6 s CPU per test, as LCB's timeout); a sample is correct only if all tests pass. pass@1 over
n=16 samples (open-r1's choice), pass@k from the same samples; results by difficulty and platform. Programs run
under the livecodebench runner profile: LCB's prelude (its star imports, recursion limit 50000).
Version 2: the livecodebench profile (version 1 ran every program with a recursion limit of 10^6)."""
from r1eval import Task
from r1eval.grading.code.scorer import code_scorer
from r1eval.task.livecodebench import LCBSource, prompt

TASK = Task(
    name="livecodebench",
    version=2,
    description=__doc__,
    source=LCBSource(release="release_v5", start="2024-08-01", end="2025-02-01"),
    prompt=prompt,
    scorer=code_scorer(profile="livecodebench"),
    default_n=16,
    size=279,
    breakdown_keys=("difficulty", "platform"),
    metric_families=("code",),
)
