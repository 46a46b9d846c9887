"""Run every benchmark in turn (each prints one JSON object); heavy: several 1 M-student builds.

Usage: python bench/run_all.py [name ...]
(names: foundation, recsys, recommend, predict, operations, effects, shadow, paint, marts)
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = ("foundation", "recsys", "recommend", "predict", "operations", "effects", "shadow", "paint", "marts")


def main() -> int:
    """Run the named (default: all) benchmarks; stop at the first failure."""
    names = sys.argv[1:] or list(BENCHES)
    for name in names:
        if name not in BENCHES:
            print(f"error: unknown bench {name!r} (choose from {', '.join(BENCHES)})", file=sys.stderr)
            return 2
        print(f"# bench_{name}", flush=True)
        done = subprocess.run([sys.executable, str(HERE / f"bench_{name}.py")])
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
