"""`r1eval run`, `r1eval score`, `r1eval tasks`."""
from __future__ import annotations

from .cli import app  # noqa: F401  (commands are added below by the lead)
