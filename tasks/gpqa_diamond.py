"""GPQA Diamond: 198 graduate-level science questions with four choices (gated dataset), simple-evals prompt,
k=8 by default as in open-r1. The choice order is a permutation seeded by (run seed, problem id), recorded in
Problem.meta["permutation"] (choices[i] is original option permutation[i]; option 0 is the correct answer)."""
import hashlib
import random

from r1eval import Problem, Task, data, grading, prompts

LETTERS = "ABCD"
OPTION_COLUMNS = ("Correct Answer", "Incorrect Answer 1", "Incorrect Answer 2", "Incorrect Answer 3")


def permutation(seed, problem_id):
    """The same (seed, id) always gives the same order, on any machine and Python version."""
    digest = hashlib.sha256(f"{seed}\x00{problem_id}".encode()).digest()
    order = list(range(len(OPTION_COLUMNS)))
    random.Random(int.from_bytes(digest[:8], "big")).shuffle(order)
    return order


def to_problem(row, ctx):
    problem_id = str(data.field(row, "Record ID", "id"))
    options = [str(data.field(row, column)).strip() for column in OPTION_COLUMNS]
    order = permutation(ctx.seed, problem_id)
    gold = LETTERS[order.index(0)]
    return Problem(id=problem_id, question=str(data.field(row, "Question")).strip(), answer=gold,
                   choices=tuple(options[i] for i in order),
                   meta={"permutation": order, "gold_letter": gold, "seed": ctx.seed,
                         "domain": row.get("High-level domain", ""), "subdomain": row.get("Subdomain", "")})


TASK = Task(
    name="gpqa_diamond",
    version=1,
    description=__doc__,
    source=data.HubSource("Idavidrein/gpqa", config="gpqa_diamond", split="train",
                          revision="main",
                          mirror="gpqa_diamond.jsonl", to_problem=to_problem, gated=True),
    prompt=prompts.multiple_choice,
    scorer=grading.choice(),
    default_n=8,
    breakdown_keys=("domain",),
    metric_families=("choice",),
)
