"""Codeforces (open-r1/codeforces, test split: problems from late 2024 and early 2025) judged on the official tests
with each problem's time and memory limits, Python 3 or C++17, open-r1's generated checkers where the problem has
several right answers. Interactive problems (no interactor in the dataset) and problems with truncated tests are
skipped and counted by reason. Problem.meta carries rating, tags, contest_id and contest_start. For a contest-date
window or a rating range, copy this file into a --tasks-dir under a new name and pass CodeforcesSource(start=
"2025-01-01", end=None, min_rating=800, max_rating=2000)."""
from r1eval import Task
from r1eval.grading.code.scorer import code_scorer
from r1eval.task.codeforces import CodeforcesSource
from r1eval.task.contest import prompt

TASK = Task(
    name="codeforces",
    version=1,
    description=__doc__,
    source=CodeforcesSource(),
    prompt=prompt,
    scorer=code_scorer(),
    default_n=8,
    size=468,
    metric_families=("code", "rating"),
)
