"""Code answers: the code block in a response, its tests run in the sandbox, verdicts."""
