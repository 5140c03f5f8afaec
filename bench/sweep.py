"""The sweep: ``rootkeys scan --organization`` over 100, 300 and 1,000 member accounts.

One moto organization grows to each size in turn (``organizations:CreateAccount``; every
100th member's root user gets an active access key). Each size is scanned ``--runs``
times, after one unmeasured run that leaves every member with a credential report, so
all measured runs see the same state. Reported: wall time, accounts per second, peak RSS
of the rootkeys process, requests per account counted at the server, and how each grows
with the number of accounts.

    python -m bench.sweep [--runs 5] [--sizes 100 300 1000] [--workers N]

Targets (issue 5): 1,000 accounts under 60 s on 2 cores; peak RSS under 300 MB and flat
in the number of accounts.
"""

from __future__ import annotations

import argparse
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import (
    Measured,
    Side,
    default_env,
    markdown_table,
    measure,
    moto_server,
    progress,
    rootkeys_scan_command,
    scan_available,
    seconds_spread,
    verdict,
    work_folder,
)
from tests.support.server import MotoServer

TIME_TARGET = 60.0
RSS_TARGET = 300.0
TIME_TARGET_SIZE = 1000
# "Flat": the largest size's peak RSS at most this many times the smallest size's.
FLAT = 1.25
KEY_EVERY = 100
TITLE = "### The sweep: `rootkeys scan --organization`"


@dataclass
class Size:
    members: int
    accounts: int
    runs: list[Measured]

    @property
    def seconds(self) -> float:
        return seconds_spread(self.runs).median

    @property
    def rss(self) -> float:
        return statistics.median(run.rss_mb for run in self.runs)

    def per_account(self, prefix: str = "") -> float:
        totals = [sum(n for a, n in r.requests.items() if a.startswith(prefix)) for r in self.runs]
        return statistics.median(totals) / self.accounts


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__)
    parser.add_argument(
        "--runs", type=int, default=5, metavar="N", help="measured runs per size (default: 5)"
    )
    parser.add_argument(
        "--sizes", type=int, nargs="+", default=[100, 300, 1000], metavar="N",
        help="member accounts, in increasing order (default: 100 300 1000)",
    )
    parser.add_argument(
        "--workers", type=int, metavar="N", help="passed to rootkeys scan (default: its own)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    sizes: list[Size] = []
    with moto_server() as server, work_folder() as work:
        env = default_env(server, work / "home")
        if not scan_available(env):
            print(f"{TITLE}\n\nscan not available: this rootkeys has no `scan` command yet.")
            return 0
        org = Organization(server)
        for members in sorted(args.sizes):
            org.grow_to(members)
            sizes.append(sweep(members, args, env, work / f"size-{members}"))

    print(report(sizes, args.workers))
    return 0


class Organization:
    """A moto organization whose management account is the caller's."""

    def __init__(self, server: MotoServer) -> None:
        self.server = server
        self.client = server.client("organizations")
        self.client.create_organization(FeatureSet="ALL")
        self.members = 0

    def grow_to(self, members: int) -> None:
        while self.members < members:
            self.members += 1
            number = self.members
            answer = self.client.create_account(
                Email=f"member-{number:05d}@example.com", AccountName=f"member-{number:05d}"
            )
            if number % KEY_EVERY == 0:
                account = answer["CreateAccountStatus"]["AccountId"]
                self.server.model.add_key(account, 1, active=True)
        progress(f"organization: {members} member accounts")


def sweep(members: int, args: argparse.Namespace, env: dict[str, str], work: Path) -> Size:
    """The unmeasured first run, then ``args.runs`` measured ones."""
    accounts = members + 1  # and the management account, scanned with its own credentials
    extra = ["--organization"] + (["--workers", str(args.workers)] if args.workers else [])
    side = Side(
        f"scan --organization ({members})",
        lambda out: rootkeys_scan_command(out, *extra),
        findings=accounts,
        calls=("organizations:ListAccounts", "sts:AssumeRole", "iam:GetCredentialReport"),
    )
    measure(side, env, work, "warmup")
    runs = [measure(side, env, work, f"run-{index}") for index in range(args.runs)]
    return Size(members, accounts, runs)


def report(sizes: Sequence[Size], workers: int | None) -> str:
    first = sizes[0]
    rows = [size_row(size, first) for size in sizes]
    headers = [
        "members", "accounts", "runs", "median s", "min s", "max s", "accounts/s",
        "CPU s", "server CPU s", "peak RSS MB (median, max)", "time x", "RSS x",
    ]
    return "\n\n".join([
        TITLE + f" (workers: {workers or 'default'})",
        markdown_table(headers, rows),
        "Requests per account, counted at the moto server (median run):",
        calls_table(sizes),
        targets_table(sizes),
    ])


def size_row(size: Size, first: Size) -> list[str]:
    time_ = seconds_spread(size.runs)
    high = max(run.rss_mb for run in size.runs)
    return [
        f"{size.members:,}", f"{size.accounts:,}", str(len(size.runs)), f"{time_.median:.2f}",
        f"{time_.low:.2f}", f"{time_.high:.2f}", f"{size.accounts / time_.median:.1f}",
        f"{statistics.median(run.cpu for run in size.runs):.2f}",
        f"{statistics.median(run.server_cpu for run in size.runs):.2f}",
        f"{size.rss:.0f}, {high:.0f}", f"{size.seconds / first.seconds:.2f}",
        f"{size.rss / first.rss:.2f}",
    ]


def calls_table(sizes: Sequence[Size]) -> str:
    actions: Counter[str] = Counter()
    for size in sizes:
        actions.update(size.runs[0].requests)
    rows = []
    for action in sorted(actions):
        rows.append([action, *(f"{_median_count(size, action):.3f}" for size in sizes)])
    rows.append(["**total**", *(f"**{size.per_account():.3f}**" for size in sizes)])
    rows.append(["of which iam", *(f"{size.per_account('iam:'):.3f}" for size in sizes)])
    return markdown_table(["request", *(f"{size.members:,} members" for size in sizes)], rows)


def _median_count(size: Size, action: str) -> float:
    return statistics.median(run.requests[action] for run in size.runs) / size.accounts


def targets_table(sizes: Sequence[Size]) -> str:
    largest = sizes[-1]
    flat = largest.rss / sizes[0].rss
    rows = [
        ["peak RSS under 300 MB (largest size)", f"{largest.rss:.0f} MB",
         verdict(largest.rss < RSS_TARGET)],
        [f"memory flat (largest/smallest <= {FLAT:g})", f"{flat:.2f}", verdict(flat <= FLAT)],
    ]
    timed = [size for size in sizes if size.members == TIME_TARGET_SIZE]
    if timed:
        seconds = timed[0].seconds
        rows.insert(0, ["1,000 members under 60 s", f"{seconds:.1f} s",
                        verdict(seconds < TIME_TARGET)])
    return markdown_table(["target", "measured", "verdict"], rows)


if __name__ == "__main__":
    raise SystemExit(main())
