"""Start-up: ``rootkeys --version`` and ``--help`` against ``python -c pass`` as the floor.

No AWS and no server: the three commands run in turn, round by round, and the import
profile (``python -X importtime``) of the command-line module is printed after the table.
``prowler --version`` is not measured: it asks GitHub for the latest release.

    python -m bench.startup [--runs 5]

Target (issue 5): ``rootkeys --version`` under 0.3 s; boto3 and Prowler not imported.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Sequence

from bench.common import (
    Measured,
    Spread,
    executable,
    markdown_table,
    progress,
    run_timed,
    seconds_spread,
    verdict,
    work_folder,
)

TARGET = 0.3
HEAVY = ("boto3", "botocore", "prowler")
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "rootkeys --version": [executable("rootkeys"), "--version"],
    "rootkeys --help": [executable("rootkeys"), "--help"],
}
LOADED = (
    "import sys\nfrom rootkeys.cli import main\ntry:\n    main(['--version'])\n"
    "except SystemExit:\n    pass\nprint('loaded:', *(m for m in {heavy!r} if m in sys.modules))"
)


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.startup", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=5, metavar="N", help="rounds of the three commands (default: 5)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    runs: dict[str, list[Measured]] = {label: [] for label in COMMANDS}
    with work_folder() as work:
        for index in range(args.runs):
            for label, command in COMMANDS.items():
                log = work / f"{index}-{label.replace(' ', '_')}.txt"
                runs[label].append(run_timed(command, env, log))
        progress(f"{args.runs} rounds done")

    print("\n\n".join([
        "### Start-up",
        timing_table(runs),
        f"Heavy modules imported by `rootkeys --version`: {heavy_modules(env) or 'none'}.",
        "Slowest imports of `rootkeys.cli` (`python -X importtime`, cumulative):",
        import_table(env),
    ]))
    return 0


def timing_table(runs: dict[str, list[Measured]]) -> str:
    floor = runs["python -c pass"]
    rows = []
    for label, measured in runs.items():
        time_ = seconds_spread(measured)
        over = Spread.of([m.seconds - f.seconds for m, f in zip(measured, floor, strict=True)])
        target = verdict(time_.median < TARGET) if label == "rootkeys --version" else ""
        rows.append([
            label, f"{time_.median:.3f}", f"{time_.low:.3f}", f"{time_.high:.3f}",
            f"{over.median:+.3f}", target,
        ])
    headers = ["command", "median s", "min s", "max s", "over the floor, median", "< 0.3 s"]
    return markdown_table(headers, rows)


def heavy_modules(env: dict[str, str]) -> str:
    code = LOADED.format(heavy=HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60,
        check=True,
    )
    return done.stdout.rpartition("loaded:")[2].strip()


def import_table(env: dict[str, str], top: int = 8) -> str:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import rootkeys.cli"],
        env=env, capture_output=True, text=True, timeout=60, check=True,
    )
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    table = [[name.strip(), f"{micro / 1000:.1f}"] for micro, name in rows[:top]]
    return markdown_table(["module", "cumulative ms"], table)


if __name__ == "__main__":
    raise SystemExit(main())
