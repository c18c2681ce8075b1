"""``python -m benchmarks``: the benchmark harness of issue 10 (``--help`` for options).

``make bench`` runs the full harness, ``make bench-quick`` the under-two-minutes one. See
docs/benchmarks.md for what each workload measures and how to read the report.
"""

from __future__ import annotations

import asyncio
import sys

from benchmarks.harness.options import parse
from benchmarks.harness.run import main as run_main


def main() -> int:
    options = parse(sys.argv[1:])
    try:
        asyncio.run(run_main(options))
    except (KeyboardInterrupt, asyncio.CancelledError):
        # The run's own clean-up already stopped the servers and dropped the databases.
        print("interrupted: servers stopped, temporary databases dropped", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":  # the token signers are spawned processes: guard the entry
    sys.exit(main())
