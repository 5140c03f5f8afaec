"""Where the time goes: CPU profiles of the measured commands against the moto server.

Each case runs once under ``bench.threadprofile`` (every thread profiled on its own CPU
clock, so waiting costs nothing) and prints the CPU time by package and the functions with
the most cumulative CPU. Profiling slows a run down; read the shares, not the seconds.

    python -m bench.profiles [scan] [sweep] [plugin] [prowler] [--members 100] [--large 0]

``scan`` is ``rootkeys scan`` on one account, ``sweep`` is ``rootkeys scan --organization``
over ``--members`` accounts (after one unprofiled run, as in ``bench.sweep``), ``plugin`` and
``prowler`` are ``prowler aws -c`` with our check and with Prowler's. ``stages`` times the
steps every ``prowler aws`` run takes before any check, without a profiler (cProfile
inflates Prowler's many small pydantic calls several times over).
"""

from __future__ import annotations

import argparse
import json
import pstats
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from bench.common import (
    OUR_CHECK,
    PROWLER_CHECK,
    Side,
    default_env,
    executable,
    markdown_table,
    measure,
    moto_server,
    progress,
    prowler_command,
    rootkeys_scan_command,
    run_timed,
    seed_users_and_roles,
    work_folder,
)
from bench.sweep import Organization

CASES = ("scan", "sweep", "plugin", "prowler", "stages")
IMPORT_BUILTINS = ("marshal", "_imp.", "builtins.exec", "open_code", "builtins.__build_class__")
SOCKET_BUILTINS = ("_ssl.", "_socket.", "select.")
# Left out of the function table: the importer, runpy and this package's own wrapper.
SKIPPED = frozenset({"import machinery", "other", "other built-ins", "sockets"})
# Run in a fresh interpreter: the steps of Prowler's start-up, called through its own API in
# the order its main function calls them, each timed in wall and CPU seconds.
STAGES = """
import json, time
marks = []
def step(name, call):
    wall, cpu = time.perf_counter(), time.process_time()
    value = call()
    marks.append([name, time.perf_counter() - wall, time.process_time() - cpu])
    return value
main = step("import prowler.__main__", lambda: __import__("prowler.__main__", fromlist=["x"]))
checks = step("CheckMetadata.get_bulk('aws')", lambda: main.CheckMetadata.get_bulk("aws"))
frameworks = step("Compliance.get_bulk('aws')", lambda: main.Compliance.get_bulk("aws"))
step("update_checks_metadata_with_compliance",
     lambda: main.update_checks_metadata_with_compliance(frameworks, checks))
step("get_bulk_compliance_frameworks_universal('aws')",
     lambda: main.get_bulk_compliance_frameworks_universal("aws"))
print(json.dumps(marks))
"""


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.profiles", description=__doc__)
    parser.add_argument(
        "cases", nargs="*", choices=CASES, default=list(CASES),
        help="what to profile (default: all)",
    )
    parser.add_argument(
        "--members", type=int, default=100, metavar="N",
        help="member accounts for the sweep (default: 100)",
    )
    parser.add_argument(
        "--large", type=int, default=0, metavar="N",
        help="users and roles in the account for plugin/prowler (default: 0)",
    )
    parser.add_argument("--top", type=int, default=12, metavar="N", help="rows per table")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    sections = []
    with moto_server() as server, work_folder() as work:
        env = default_env(server, work / "home")
        if args.large:
            seed_users_and_roles(server, args.large, args.large)
        for case in args.cases:
            if case == "stages":
                sections.append(prowler_stages(env))
                continue
            if case == "sweep":
                Organization(server).grow_to(args.members)
                warm = ["--organization"]
                measure(_scan_side(args.members + 1, warm), env, work, "sweep-warmup")
            progress(f"profiling {case}")
            sections.append(profile_case(case, _command(case, work / case), env, work, args.top))

    print("\n\n".join(["### Where the time goes (CPU profiles)", *sections]))
    return 0


def _scan_side(accounts: int, extra: list[str]) -> Side:
    return Side("scan", lambda out: rootkeys_scan_command(out, *extra), findings=accounts)


def _command(case: str, out: Path) -> list[str]:
    if case == "scan":
        return ["module", "rootkeys.cli", *rootkeys_scan_command(out)[1:]]
    if case == "sweep":
        return ["module", "rootkeys.cli", *rootkeys_scan_command(out, "--organization")[1:]]
    check = OUR_CHECK if case == "plugin" else PROWLER_CHECK
    return ["script", executable("prowler"), *prowler_command(check, out)[1:]]


def profile_case(
    case: str, command: list[str], env: dict[str, str], work: Path, top: int
) -> str:
    stats_file = work / f"{case}.prof"
    wrapped = [sys.executable, "-m", "bench.threadprofile", str(stats_file), *command]
    env = {**env, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    run = run_timed(wrapped, env, work / f"{case}-log.txt")
    if not stats_file.exists():
        raise SystemExit(f"bench: profiling {case} failed; see {work / f'{case}-log.txt'}")

    stats = pstats.Stats(str(stats_file))
    total = sum(entry[2] for entry in stats.stats.values())  # type: ignore[attr-defined]
    head = (
        f"**{case}** (`{' '.join(command[2:4])} ...`): {run.seconds:.2f} s wall under the "
        f"profiler, exit {run.returncode}, {total:.2f} s CPU profiled in all threads, "
        f"of which {import_cpu(stats):.2f} s inside imports (cumulative)."
    )
    return "\n\n".join([head, by_package(stats, total, top), by_function(stats, top)])


def prowler_stages(env: dict[str, str]) -> str:
    """Prowler's start-up steps, timed without a profiler in a fresh interpreter."""
    progress("timing Prowler's start-up stages")
    done = subprocess.run(
        [sys.executable, "-c", STAGES], env=env, capture_output=True, text=True, timeout=600,
        check=True,
    )
    marks = json.loads(done.stdout.strip().splitlines()[-1])
    rows = [[name, f"{wall:.2f}", f"{cpu:.2f}"] for name, wall, cpu in marks]
    rows.append(["**total**", f"{sum(m[1] for m in marks):.2f}", f"{sum(m[2] for m in marks):.2f}"])
    head = "**stages**: what every `prowler aws` run does before its first check, no profiler."
    return "\n\n".join([head, markdown_table(["step", "wall s", "CPU s"], rows)])


def by_package(stats: pstats.Stats, total: float, top: int) -> str:
    shares: Counter[str] = Counter()
    for (filename, _, name), entry in stats.stats.items():  # type: ignore[attr-defined]
        shares[package(filename, name)] += entry[2]
    rows = [[name, f"{cpu:.2f}", f"{100 * cpu / total:.0f} %"] for name, cpu in
            shares.most_common(top)]
    return markdown_table(["package (self CPU)", "CPU s", "share"], rows)


def import_cpu(stats: pstats.Stats) -> float:
    """Cumulative CPU of the outermost imports (cProfile counts a recursion once)."""
    entries = stats.stats.items()  # type: ignore[attr-defined]
    return max((e[3] for (_, _, name), e in entries if name == "_find_and_load"), default=0.0)


def by_function(stats: pstats.Stats, top: int) -> str:
    """The functions with the most cumulative CPU, leaving out wrappers and the importer."""
    entries = stats.stats.items()  # type: ignore[attr-defined]
    ranked = sorted(entries, key=lambda item: item[1][3], reverse=True)
    rows = []
    for (filename, line, name), entry in ranked:
        if package(filename, name) in SKIPPED or name in ("<module>", "<lambda>", "_worker"):
            continue
        rows.append([f"{package(filename, name)}: {name} ({Path(filename).name}:{line})",
                     str(entry[1]), f"{entry[3]:.2f}"])
        if len(rows) == top:
            break
    return markdown_table(["function (cumulative CPU)", "calls", "CPU s"], rows)


def package(filename: str, name: str) -> str:
    """The package a profiled function belongs to, for grouping its CPU time."""
    if filename == "~":
        return _builtin_group(name)
    if filename.startswith("<frozen"):
        return "import machinery"
    parts = Path(filename).parts
    if "site-packages" in parts:
        return Path(parts[parts.index("site-packages") + 1]).stem
    if "rootkeys" in parts:
        return "rootkeys"
    for index, part in enumerate(parts):
        if part.startswith("python3") and index + 1 < len(parts):
            return f"stdlib {Path(parts[index + 1]).stem}"
    return "other"


def _builtin_group(name: str) -> str:
    if any(marker in name for marker in IMPORT_BUILTINS):
        return "import machinery"
    if any(marker in name for marker in SOCKET_BUILTINS):
        return "sockets"
    return "other built-ins"


if __name__ == "__main__":
    raise SystemExit(main())
