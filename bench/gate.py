"""The gate: ``rootkeys scan`` vs ``prowler aws -c iam_no_root_access_key``, one account.

Both run against the same moto account, pair by pair: an empty account, then (with
``--large N``) one with N users and N roles. Until ``rootkeys scan`` exists this prints
"scan not available" and measures nothing.

    python -m bench.gate [--runs 5] [--large 0] [--root-key]

Target (issue 5): ``rootkeys scan`` takes at most one tenth of Prowler's wall time.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.common import (
    ACCOUNT,
    PROWLER_CHECK,
    Case,
    Side,
    comparison,
    default_env,
    measure_pairs,
    moto_server,
    progress,
    prowler_command,
    rootkeys_scan_command,
    runs_argument,
    scan_available,
    seed_users_and_roles,
    warm_up,
    work_folder,
)

TARGET = 0.1
OURS = Side("rootkeys scan", lambda out: rootkeys_scan_command(out))
# Prowler's check writes no finding at all for a root user without keys or password.
THEIRS = Side(PROWLER_CHECK, lambda out: prowler_command(PROWLER_CHECK, out), findings=0)
THEIRS_KEY = Side(PROWLER_CHECK, THEIRS.command, findings=1)
TITLE = "### The gate: `rootkeys scan` vs `prowler aws -c iam_no_root_access_key`"


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.gate", description=__doc__)
    runs_argument(parser)
    parser.add_argument(
        "--large", type=int, default=0, metavar="N",
        help="also measure an account with N users and N roles (default: 0, skipped)",
    )
    parser.add_argument(
        "--large-runs", type=int, metavar="N", help="runs for the large account (default: --runs)"
    )
    parser.add_argument(
        "--root-key", action="store_true",
        help="give the root user an active access key, so both FAIL (default: none)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    theirs = THEIRS_KEY if args.root_key else THEIRS
    cases: list[Case] = []
    with moto_server() as server, work_folder() as work:
        env = default_env(server, work / "home")
        if not scan_available(env):
            print(f"{TITLE}\n\nscan not available: this rootkeys has no `scan` command yet.")
            return 0
        if args.root_key:
            server.model.add_key(ACCOUNT, 1, active=True)
        if args.warmup:
            warm_up([OURS, theirs], env, work / "warmup")

        progress("empty account")
        pairs = measure_pairs(OURS, theirs, env, work / "empty", args.runs)
        cases.append(Case("empty account", TARGET, *pairs))

        if args.large:
            seed_users_and_roles(server, args.large, args.large)
            label = f"{args.large:,} users + {args.large:,} roles"
            progress(label)
            pairs = measure_pairs(OURS, theirs, env, work / "large", args.large_runs or args.runs)
            cases.append(Case(label, TARGET, *pairs))

    print(comparison(TITLE, OURS.label, theirs.label, cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
