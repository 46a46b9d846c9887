"""The post-build steps (train, score, recsys, monitor) that `build` runs when models are wanted.

Each area module may define `post_build_step(con, opts) -> dict` (a JSON-able summary); it runs
inside the build's private warehouse copy, after the data steps, in the order below.
"""
from importlib import import_module

from pipelines.build import POST_BUILD_STEPS

STEP_MODULES = (("train", "train"), ("score", "score"), ("recsys", "recsys"), ("monitor", "monitor"))


def register_post_build_steps() -> None:
    """Fill POST_BUILD_STEPS from the area modules that exist (idempotent)."""
    del POST_BUILD_STEPS[:]
    for step_name, module_name in STEP_MODULES:
        try:
            module = import_module(f"pipelines.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pipelines.{module_name}":
                raise
            continue
        if hasattr(module, "post_build_step"):
            POST_BUILD_STEPS.append((step_name, module.post_build_step))
