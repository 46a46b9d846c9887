"""The one exception type a pipeline raises for a user-facing failure."""


class PipelineError(RuntimeError):
    """A failure with a one-line, user-facing reason (the CLI prints it and exits non-zero)."""
