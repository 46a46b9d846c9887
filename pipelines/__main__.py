"""Entry point: `python -m pipelines COMMAND ...`."""
import sys

from pipelines.cli import main

sys.exit(main())
