"""The child side of the bounded grading pool (grading/math/bounded.py starts it with `python -c`)."""
from __future__ import annotations

from multiprocessing.connection import Connection

from r1eval.grading import clear_caches, grade_text
from r1eval.grading.math import symbolic
from r1eval.grading.math.bounded import CLEAR, MEMORY_LIMIT_BYTES, READY, WARM_UP
from r1eval.types import Status


def serve(read_fd: int, write_fd: int) -> None:
    """Worker loop: receive [(index, job), ...], send (index, graded) per job as soon as it is done."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT_BYTES, MEMORY_LIMIT_BYTES))
    except (ImportError, ValueError, OSError):  # not POSIX, or a lower hard limit: keep what we have
        pass
    symbolic.allow_symbolic(True)
    inbox, outbox = Connection(read_fd, writable=False), Connection(write_fd, readable=False)
    for response, gold in WARM_UP:  # imports and sympy's caches, paid before the first deadline starts
        grade_text(response, gold, "math")
    outbox.send(READY)
    while True:
        try:
            batch = inbox.recv()
        except (EOFError, OSError):
            return
        if batch == CLEAR:
            clear_caches()
            outbox.send(CLEAR)
            continue
        for index, job in batch:
            try:
                graded = grade_text(*job)
            except MemoryError:
                graded = (Status.INCORRECT, None, "answer too large to evaluate (memory bound)")
            except RecursionError:
                graded = (Status.INCORRECT, None, "answer nested too deeply to evaluate")
            except Exception as exc:  # noqa: BLE001 - sympy raises anything on odd input: the answer is at fault
                graded = (Status.INCORRECT, None, f"answer could not be evaluated ({type(exc).__name__})")
            outbox.send((index, graded))
