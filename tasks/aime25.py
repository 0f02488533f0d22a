"""AIME 2025 (I and II): 30 problems, integer answers 0-999, k=64 by default (MathArena's canonical copy)."""
from r1eval import Problem, Task, data, grading, prompts


def to_problem(row, ctx):
    return Problem(id=str(data.field(row, "id", "problem_idx")), question=row["problem"], answer=str(row["answer"]))


TASK = Task(
    name="aime25",
    version=1,
    description=__doc__,
    source=data.HubSource("MathArena/aime_2025", split="train",
                          revision="main",  # no verified commit id yet: config.json records the content hash
                          mirror="aime_2025.jsonl", to_problem=to_problem),
    prompt=prompts.math_boxed,
    scorer=grading.integer(),
    default_n=64,
    size=30,
    metric_families=("math",),
)
