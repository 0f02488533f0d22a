"""MATH-500 (the PRM800K test split): 500 problems with LaTeX answers, k=4 by default as in open-r1."""
from r1eval import Problem, Task, data, grading, prompts


def to_problem(row, ctx):
    return Problem(id=row["unique_id"], question=row["problem"], answer=row["answer"],
                   meta={"subject": row.get("subject", ""), "level": row.get("level", 0)})


TASK = Task(
    name="math500",
    version=1,
    description=__doc__,
    source=data.HubSource("HuggingFaceH4/MATH-500", split="test",
                          revision="6e4ed1a2a79af7d8630a6b768ec859cb5af4d3be",
                          mirror="math500.jsonl", to_problem=to_problem),
    prompt=prompts.math_boxed,
    scorer=grading.math(),
    default_n=4,
    size=500,
    breakdown_keys=("level", "subject"),
    metric_families=("math",),
)
