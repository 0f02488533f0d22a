"""Math answers: normalising, parsing and comparing a final answer with the gold answer."""
