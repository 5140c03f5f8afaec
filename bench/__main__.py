"""Every benchmark in turn, with its defaults: ``python -m bench [--runs N]``.

Each one starts its own moto server, so they never share state; they run one after the
other so they never compete for the CPU. Expect about half an hour on two cores.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence

from bench import calls, gate, prowler_check, startup, sweep

BENCHMARKS: dict[str, Callable[[Sequence[str]], int]] = {
    "startup": startup.main,
    "calls": calls.main,
    "gate": gate.main,
    "prowler_check": prowler_check.main,
    "sweep": sweep.main,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--runs", type=int, default=5, metavar="N", help="runs per case")
    parser.add_argument(
        "only", nargs="*", metavar="NAME",
        help=f"run only these, of: {', '.join(BENCHMARKS)} (default: all)",
    )
    args = parser.parse_args(argv)
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"no benchmark named {', '.join(sorted(unknown))}")
    for name, run in BENCHMARKS.items():
        if args.only and name not in args.only:
            continue
        options = [] if name == "calls" else ["--runs", str(args.runs)]
        code = run(options)
        print(flush=True)
        if code:
            return code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
