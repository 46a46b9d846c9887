"""The post-build steps (train, score, recsys, monitor) that `build` runs when models are wanted.

Each area module defines `post_build_step(con, opts) -> dict` (a JSON-able summary); it runs
inside the build's private warehouse copy, after the data steps, in the order below.
"""
from importlib import import_module
from typing import Callable

STEP_MODULES = (("train", "train"), ("score", "score"), ("recsys", "recsys"), ("monitor", "monitor"))


def post_build_steps() -> tuple[tuple[str, Callable], ...]:
    """(name, step) pairs of the area modules that define a post_build_step, in order."""
    steps = []
    for step_name, module_name in STEP_MODULES:
        module = import_module(f"pipelines.{module_name}")   # a missing module fails loudly
        steps.append((step_name, module.post_build_step))
    return tuple(steps)
