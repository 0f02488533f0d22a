"""AMC 2023 (12A and 12B): 40 problems with integer answers (one negative), k=16 by default."""
from r1eval import Problem, Task, data, grading, prompts


def to_problem(row, ctx):
    answer = data.field(row, "answer")
    answer = str(int(answer)) if isinstance(answer, float) and answer.is_integer() else str(answer)
    return Problem(id=str(data.field(row, "id")), question=data.field(row, "problem", "question"), answer=answer)


TASK = Task(
    name="amc23",
    version=1,
    description=__doc__,
    source=data.HubSource("math-ai/amc23", split="test",
                          revision="main",  # no verified commit id yet: config.json records the content hash
                          mirror="amc23.jsonl", to_problem=to_problem),
    prompt=prompts.math_boxed,
    scorer=grading.math(),
    default_n=16,
    size=40,
    metric_families=("math",),
)
