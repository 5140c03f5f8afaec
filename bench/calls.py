"""API calls per account, counted at the moto server, action by action.

One run each of ``prowler aws -c iam_root_access_key_absent``, ``prowler aws -c
iam_no_root_access_key`` and ``rootkeys scan`` (when it exists) on the same account:
first empty, then with ``--large`` users and roles. Every request the server receives is
counted, whatever the service. The organization sweep's calls per account are in
``bench.sweep``.

    python -m bench.calls [--large 1000]

Target (issue 5): about 3 calls per account for the decision.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    OUR_CHECK,
    PROWLER_CHECK,
    Side,
    default_env,
    markdown_table,
    measure,
    moto_server,
    progress,
    prowler_command,
    rootkeys_scan_command,
    scan_available,
    seed_users_and_roles,
    work_folder,
)

PLUGIN = Side(f"prowler -c {OUR_CHECK}", lambda out: prowler_command(OUR_CHECK, out))
PROWLER = Side(
    f"prowler -c {PROWLER_CHECK}", lambda out: prowler_command(PROWLER_CHECK, out), findings=0
)
SCAN = Side("rootkeys scan", lambda out: rootkeys_scan_command(out))
# The calls the decision needs; anything else a run makes is overhead.
DECISION = ("iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.calls", description=__doc__)
    parser.add_argument(
        "--large", type=int, default=1000, metavar="N",
        help="users and roles in the large account; 0 skips it (default: 1000)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    tables = []
    with moto_server() as server, work_folder() as work:
        env = default_env(server, work / "home")
        sides = [PLUGIN, PROWLER]
        if scan_available(env):
            sides.append(SCAN)
        else:
            progress("rootkeys scan not available: measuring the two Prowler checks only")

        tables.append(count_case("empty account", sides, env, work / "empty"))
        if args.large:
            seed_users_and_roles(server, args.large, args.large)
            label = f"{args.large:,} users + {args.large:,} roles"
            tables.append(count_case(label, sides, env, work / "large"))

    print("\n\n".join(["### API calls per account, counted at the moto server", *tables]))
    return 0


def count_case(label: str, sides: Sequence[Side], env: dict[str, str], work: Path) -> str:
    """One run of each side; the table of the requests each made."""
    progress(label)
    counts = {}
    for side in sides:
        counts[side.label] = measure(side, env, work, side.label.split()[-1]).requests
    return f"{label}:\n\n{calls_table(counts)}"


def calls_table(counts: dict[str, Counter[str]]) -> str:
    actions = sorted(set().union(*counts.values()), key=lambda a: (a not in DECISION, a))
    rows = [[action, *(str(c[action]) for c in counts.values())] for action in actions]
    rows.append(["**total**", *(f"**{sum(c.values())}**" for c in counts.values())])
    decision = [str(sum(c[a] for a in DECISION)) for c in counts.values()]
    rows.append(["of which the decision's three actions", *decision])
    return markdown_table(["request", *counts], rows)


if __name__ == "__main__":
    raise SystemExit(main())
