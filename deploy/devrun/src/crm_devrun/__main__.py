"""`python -m crm_devrun` (what `make run` runs): the whole system on this machine."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from crm_devrun import config
from crm_devrun.distributed import run_distributed
from crm_devrun.embedded import run_embedded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm_devrun",
        description="Runs the six services and the gateway on this machine.",
        epilog=config.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.parse_args(argv)
    try:
        plan = config.plan_from_env(os.environ)
    except config.ConfigError as exc:
        print(f"crm_devrun: {exc}", file=sys.stderr)
        return 2
    for notice in plan.notices:
        print(f"crm_devrun: {notice}", flush=True)
    runner = run_distributed if plan.mode == "distributed" else run_embedded
    try:
        return asyncio.run(runner(plan))
    except KeyboardInterrupt:  # Ctrl-C before the servers were up
        return 130


if __name__ == "__main__":
    sys.exit(main())
