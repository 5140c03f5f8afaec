"""Inside Prowler: ``iam_root_access_key_absent`` vs Prowler's ``iam_no_root_access_key``.

Both run as ``prowler aws -c <check> --no-banner -M json-ocsf`` against the same moto
account, pair by pair: first an empty account, then one with ``--large`` users and roles.

    python -m bench.prowler_check [--runs 5] [--large 1000] [--large-runs N]

Targets (issue 5): ours no slower on the empty account; at most half the wall time on the
large one, since ours does not load Prowler's IAM service.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.common import (
    ACCOUNT,
    OUR_CHECK,
    PROWLER_CHECK,
    Case,
    Side,
    comparison,
    default_env,
    measure_pairs,
    moto_server,
    progress,
    prowler_command,
    runs_argument,
    seed_users_and_roles,
    warm_up,
    work_folder,
)

OURS = Side(OUR_CHECK, lambda out: prowler_command(OUR_CHECK, out))
# Prowler's check writes no finding at all for a root user without keys or password.
THEIRS = Side(PROWLER_CHECK, lambda out: prowler_command(PROWLER_CHECK, out), findings=0)
THEIRS_KEY = Side(PROWLER_CHECK, THEIRS.command, findings=1)
# The ratio ours/theirs each case must not exceed.
TARGETS = {"empty": 1.0, "large": 0.5}

def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.prowler_check", description=__doc__)
    runs_argument(parser)
    parser.add_argument(
        "--large", type=int, default=1000, metavar="N",
        help="users and roles in the large account; 0 skips it (default: 1000)",
    )
    parser.add_argument(
        "--large-runs", type=int, metavar="N", help="runs for the large account (default: --runs)"
    )
    parser.add_argument(
        "--root-key", action="store_true",
        help="give the root user an active access key, so both checks FAIL (default: none)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    cases: list[Case] = []
    theirs = THEIRS_KEY if args.root_key else THEIRS
    with moto_server() as server, work_folder() as work:
        env = default_env(server, work / "home")
        if args.root_key:
            server.model.add_key(ACCOUNT, 1, active=True)
        if args.warmup:
            warm_up([OURS, theirs], env, work / "warmup")

        progress("empty account")
        pairs = measure_pairs(OURS, theirs, env, work / "empty", args.runs)
        cases.append(Case("empty account", TARGETS["empty"], *pairs))

        if args.large:
            seed_users_and_roles(server, args.large, args.large)
            runs = args.large_runs or args.runs
            label = f"{args.large:,} users + {args.large:,} roles"
            progress(label)
            pairs = measure_pairs(OURS, theirs, env, work / "large", runs)
            cases.append(Case(label, TARGETS["large"], *pairs))

    title = "### Inside Prowler: `prowler aws -c <check>`"
    print(comparison(title, OURS.label, theirs.label, cases))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
