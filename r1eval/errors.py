"""Errors a user can act on. Each carries one line that says what to do; the CLI prints it and exits 1."""


class R1EvalError(Exception):
    """Base of every user-facing error."""


class ConfigError(R1EvalError):
    pass


class TaskError(R1EvalError):
    pass


class DataError(R1EvalError):
    pass


class ModelError(R1EvalError):
    pass


class StoreError(R1EvalError):
    pass


class SandboxUnavailable(R1EvalError):
    pass
