"""Problem packages (Kattis / problemtools format) in <data-dir>/problem_packages: the shared fixtures are 36 Code
Jam / Kick Start problems (standard, float-tolerance, custom-validator and interactive). Python 3 or C++17; each
package's limits, tests (samples, then secret), output validator or interactor; correct = every test passes.
For your own folder, copy this file into a --tasks-dir under a new name and point PackageSource at the folder."""
from r1eval import Task
from r1eval.grading.code.scorer import code_scorer
from r1eval.task.contest import prompt
from r1eval.task.packages import PackageSource

TASK = Task(
    name="problem_packages",
    version=1,
    description=__doc__,
    source=PackageSource("problem_packages"),
    prompt=prompt,
    scorer=code_scorer(),
    default_n=8,
    size=36,
    breakdown_keys=("validation",),
    metric_families=("code",),
)
