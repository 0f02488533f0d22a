"""AIME 2024 (I and II): 30 problems, integer answers 0-999, k=64 by default as in the R1 paper."""
from r1eval import Problem, Task, data, grading, prompts


def to_problem(row, ctx):
    # The hub's `id` (60-89) is the mirror's `source_id`, so ids agree between the two sources.
    return Problem(id=str(data.field(row, "source_id", "id")), question=row["problem"], answer=str(row["answer"]),
                   meta={"url": row.get("url", "")})


TASK = Task(
    name="aime24",
    version=1,
    description=__doc__,
    source=data.HubSource("HuggingFaceH4/aime_2024", split="train",
                          revision="2fe88a2f1091d5048c0f36abc874fb997b3dd99a",
                          mirror="aime_2024.jsonl", to_problem=to_problem),
    prompt=prompts.math_boxed,
    scorer=grading.integer(),
    default_n=64,
    size=30,
    metric_families=("math",),
)
