"""The post-build steps (train, score, recsys, monitor) that `build` runs when models are wanted."""
from pipelines.build import POST_BUILD_STEPS

STEP_NAMES: list[str] = []   # filled in as the model, recsys and monitoring jobs land


def register_post_build_steps() -> None:
    """Add the model steps to the build (idempotent)."""
    del POST_BUILD_STEPS[:]
