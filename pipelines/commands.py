"""Import the command modules that register themselves with `register_command`."""
from importlib import import_module

# One module per area, each owning its commands: models (train/score/promote/rollback),
# recsys (recsys/recsys-eval), effects (effect), monitoring (monitor), activity (ingest-materials/-interactions),
# experiments (experiment), challengers (challenger) and marts (marts).
COMMAND_MODULES = ("cmd_models", "cmd_recsys", "cmd_effect", "cmd_monitor", "cmd_experiment", "cmd_challenger",
                   "cmd_activity", "cmd_marts")

for _name in COMMAND_MODULES:
    import_module(f"pipelines.{_name}")   # a missing module is a broken install: fail loudly
