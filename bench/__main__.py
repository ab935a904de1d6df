"""Run the benchmarks: `python -m bench [NAME ...] [--quick]`; prints ratios to a baseline."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    here = Path(__file__).parent
    return sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", help=f"parmi : {', '.join(available())}")
    parser.add_argument("--quick", action="store_true", help="petites tailles, pour vérifier")
    parser.add_argument(
        "--database-url",
        default=None,
        help="base à utiliser (défaut : un fichier SQLite temporaire)",
    )
    args = parser.parse_args()
    chosen = args.names or available()
    unknown = sorted(set(chosen) - set(available()))
    if unknown:
        parser.error(f"benchmark inconnu : {', '.join(unknown)}")
    for name in chosen:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n=== {name} ===", flush=True)
        result = module.run(quick=args.quick, database_url=args.database_url)
        if inspect.isawaitable(result):
            asyncio.run(result)  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    sys.exit(main())
