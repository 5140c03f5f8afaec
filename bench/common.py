"""What every benchmark shares: the counted moto server, timed runs, pairs and tables.

Timing is wall time of a child process, from its start to its exit. Peak memory is the
child's own maximum resident set, read from ``os.wait4`` by a small launcher process (so
neither an earlier run's peak, as with ``RUSAGE_CHILDREN``, nor this process's, which
holds the moto server, shows in it; see ``bench/launch.py``). Requests are counted in the
server itself, by a WSGI wrapper that sees every request moto receives, whatever the
action.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

import bench  # noqa: F401 - puts the repository root on sys.path for tests.support
from tests.support.server import ACCOUNT, MotoServer

__all__ = ["ACCOUNT"]

BIN = Path(sys.executable).parent
LAUNCHER = Path(__file__).with_name("launch.py")
SCOPE = re.compile(r"Credential=[^/]+/[^/]+/[^/]+/([^/]+)/")
PROWLER_CHECK = "iam_no_root_access_key"
OUR_CHECK = "iam_root_access_key_absent"
RUN_TIMEOUT = 900.0


class RequestCounter:
    """Counts every request the moto server answers, as ``service:Action``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()

    def record(self, environ: dict[str, Any]) -> None:
        if environ.get("PATH_INFO", "").startswith("/moto-api"):
            return
        name = f"{_service(environ)}:{_action(environ)}"
        with self._lock:
            self._counts[name] += 1

    def take(self) -> Counter[str]:
        """The counts since the last call, and start again from zero."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        return counts


def _service(environ: dict[str, Any]) -> str:
    found = SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    return found.group(1) if found else "unsigned"


def _action(environ: dict[str, Any]) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    body = _read_body(environ)
    query = parse_qs(environ.get("QUERY_STRING", "")) or parse_qs(body.decode("latin-1"))
    if "Action" in query:
        return query["Action"][0]
    return f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"


def _read_body(environ: dict[str, Any]) -> bytes:
    """Read the body once and put it back, so moto reads the same bytes."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


COUNTER = RequestCounter()
_counting = False


def count_requests() -> RequestCounter:
    """Wrap moto's WSGI application (once per process) so every request is counted."""
    global _counting
    if not _counting:
        answer = DomainDispatcherApplication.__call__

        def counted(app: Any, environ: dict[str, Any], start_response: Any) -> Any:
            COUNTER.record(environ)
            return answer(app, environ, start_response)

        DomainDispatcherApplication.__call__ = counted  # type: ignore[method-assign,assignment]
        _counting = True
    return COUNTER


@contextmanager
def moto_server() -> Iterator[MotoServer]:
    """A fresh, counted moto server on 127.0.0.1 for the length of the block."""
    # werkzeug logs one line per request, and a traceback for each action moto lacks
    # (Prowler calls two of them per user or role); thousands would bury the tables.
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    count_requests()
    server = MotoServer()
    server.start()
    try:
        server.reset()
        COUNTER.take()
        yield server
    finally:
        server.stop()


# -- one timed run ----------------------------------------------------------------------


@dataclass
class Measured:
    """One run: wall time, exit code, peak RSS, and the CPU time of the child and server."""

    seconds: float
    returncode: int
    rss_mb: float
    cpu: float = 0.0
    server_cpu: float = 0.0
    requests: Counter[str] = field(default_factory=Counter)
    findings: int | None = None

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def run_timed(command: Sequence[str], env: dict[str, str], log: Path) -> Measured:
    """Run one child to its end; its wall time, exit code, peak RSS and server requests.

    The child is started by ``bench/launch.py``, which times it and reads its rusage, so
    the moto server's memory in this process never shows in the child's peak RSS.
    """
    COUNTER.take()
    figures = log.with_suffix(".json")
    launcher = [sys.executable, str(LAUNCHER), str(figures), str(RUN_TIMEOUT), *command]
    server_start = _own_cpu()
    with log.open("wb") as output:
        subprocess.run(
            launcher, env=env, cwd=log.parent, stdout=output, stderr=subprocess.STDOUT,
            timeout=RUN_TIMEOUT + 60, check=True,
        )
    server_cpu = _own_cpu() - server_start
    run = json.loads(figures.read_text())
    return Measured(
        run["seconds"], run["returncode"], run["rss_mb"], run["cpu"], server_cpu, COUNTER.take()
    )


def _own_cpu() -> float:
    """CPU seconds of this process: while a child runs, that is the moto server's work."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def executable(name: str) -> str:
    """A command of this virtual environment, else the one on PATH."""
    local = BIN / name
    if local.exists():
        return str(local)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"bench: the {name} command is not installed")
    return found


def prowler_command(check: str, out: Path) -> list[str]:
    return [
        executable("prowler"), "aws", "-c", check, "--no-banner", "-M", "json-ocsf",
        "-o", str(out), "-F", "scan", "--log-level", "ERROR",
    ]


def rootkeys_scan_command(out: Path, *extra: str) -> list[str]:
    return [executable("rootkeys"), "scan", *extra, "-M", "json-ocsf", "-o", str(out), "-F", "scan"]


def count_findings(out: Path) -> int | None:
    """How many findings the run wrote to ``out/scan.ocsf.json``; None when no file."""
    path = out / "scan.ocsf.json"
    if not path.exists():
        return None
    text = path.read_text().strip()
    return len(json.loads(text)) if text else 0


def scan_available(env: dict[str, str]) -> bool:
    """Whether this rootkeys has the ``scan`` command yet."""
    command = [executable("rootkeys"), "scan", "--help"]
    done = subprocess.run(command, env=env, capture_output=True, timeout=60, check=False)
    return done.returncode == 0


# -- a side of a comparison, and pairs -----------------------------------------------------


@dataclass
class Side:
    """One command being measured, and what a run that did its job looks like.

    ``findings`` is the number of findings the run must write; ``calls`` are requests it
    must have made (Prowler's own check writes no finding for a root user without keys,
    so its credential report calls are the proof that it looked).
    """

    label: str
    command: Callable[[Path], list[str]]
    findings: int = 1
    calls: tuple[str, ...] = ("iam:GetCredentialReport",)
    ok_codes: tuple[int, ...] = (0, 3)

    def problem(self, run: Measured) -> str | None:
        """Why ``run`` does not count, or None when it does."""
        if run.returncode not in self.ok_codes:
            return f"exited {run.returncode}"
        if (run.findings or 0) != self.findings:
            return f"wrote {run.findings} findings, not {self.findings}"
        missing = [call for call in self.calls if not run.requests[call]]
        return f"never called {', '.join(missing)}" if missing else None


def measure(side: Side, env: dict[str, str], work: Path, tag: str) -> Measured:
    """One run of ``side``; stops the benchmark if the run did not do its job."""
    folder = work / tag
    folder.mkdir(parents=True)
    out = folder / "out"
    run = run_timed(side.command(out), env, folder / "log.txt")
    run.findings = count_findings(out)
    problem = side.problem(run)
    if problem:
        tail = (folder / "log.txt").read_text(errors="replace")[-2000:]
        raise SystemExit(f"bench: {side.label} {problem}; log {folder / 'log.txt'}:\n{tail}")
    progress(f"  {tag}: {side.label} {run.seconds:.2f} s, {run.total_requests} requests")
    return run


def measure_pairs(
    ours: Side, theirs: Side, env: dict[str, str], work: Path, runs: int
) -> tuple[list[Measured], list[Measured]]:
    """``runs`` pairs, alternating which side goes first so drift hits both alike."""
    mine: list[Measured] = []
    other: list[Measured] = []
    for index in range(runs):
        order = (ours, theirs) if index % 2 == 0 else (theirs, ours)
        for side in order:
            run = measure(side, env, work, f"{index}-{side.label.replace(' ', '_')}")
            (mine if side is ours else other).append(run)
    return mine, other


def warm_up(sides: Sequence[Side], env: dict[str, str], work: Path) -> None:
    """One unmeasured run of each side, so the first pair does not pay for a cold disk."""
    for side in sides:
        measure(side, env, work, f"warmup-{side.label.replace(' ', '_')}")


# -- figures and tables ----------------------------------------------------------------


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))


def seconds_spread(runs: Sequence[Measured]) -> Spread:
    return Spread.of([run.seconds for run in runs])


def ratio_spread(ours: Sequence[Measured], theirs: Sequence[Measured]) -> Spread:
    """ours / theirs, computed within each pair, then summarised."""
    return Spread.of([o.seconds / t.seconds for o, t in zip(ours, theirs, strict=True)])


def side_row(label: str, runs: Sequence[Measured]) -> list[str]:
    time_ = seconds_spread(runs)
    rss = statistics.median(run.rss_mb for run in runs)
    requests = statistics.median(run.total_requests for run in runs)
    cpu = statistics.median(run.cpu for run in runs)
    server = statistics.median(run.server_cpu for run in runs)
    return [
        label, f"{time_.median:.2f}", f"{time_.low:.2f}", f"{time_.high:.2f}",
        f"{cpu:.2f}", f"{server:.2f}", f"{rss:.0f}", f"{requests:g}",
    ]


SIDE_HEADERS = [
    "command", "median s", "min s", "max s", "CPU s", "server CPU s", "peak RSS MB",
    "requests/run",
]


@dataclass
class Case:
    """One account state measured pair by pair, and the ratio ours/theirs it must meet."""

    label: str
    target: float
    ours: list[Measured]
    theirs: list[Measured]


def comparison(title: str, ours: str, theirs: str, cases: Sequence[Case]) -> str:
    """The timing table of both sides per case, then the ratio table with its verdicts."""
    rows = []
    ratios = []
    for case in cases:
        rows += [[case.label, *side_row(ours, case.ours)]]
        rows += [[case.label, *side_row(theirs, case.theirs)]]
        ratio = ratio_spread(case.ours, case.theirs)
        ratios.append([
            case.label, str(len(case.ours)), f"{ratio.median:.3f}", f"{ratio.low:.3f}",
            f"{ratio.high:.3f}", f"<= {case.target:g}", verdict(ratio.median <= case.target),
        ])
    ratio_headers = ["account", "pairs", "ours/theirs median", "min", "max", "target", "verdict"]
    return "\n\n".join([
        title,
        markdown_table(["account", *SIDE_HEADERS], rows),
        markdown_table(ratio_headers, ratios),
    ])


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [_table_line(headers, widths), _table_line(["-" * w for w in widths], widths)]
    lines += [_table_line(row, widths) for row in rows]
    return "\n".join(lines)


def _table_line(cells: Sequence[str], widths: Sequence[int]) -> str:
    return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"


def verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- seeding and arguments ---------------------------------------------------------------


TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
             "Action": "sts:AssumeRole"}
        ],
    }
)


def seed_users_and_roles(server: MotoServer, users: int, roles: int) -> None:
    """Create IAM users and roles through the API, as a real account would have them."""
    iam = server.client("iam")
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda n: iam.create_user(UserName=f"user-{n:05d}"), range(users)))
        list(pool.map(lambda n: _create_role(iam, n), range(roles)))
    COUNTER.take()
    took = time.perf_counter() - started
    progress(f"seeded {users} users and {roles} roles in {took:.1f} s")


def _create_role(iam: Any, number: int) -> None:
    iam.create_role(RoleName=f"role-{number:05d}", AssumeRolePolicyDocument=TRUST)


def runs_argument(parser: argparse.ArgumentParser, default: int = 5) -> None:
    parser.add_argument(
        "--runs", type=int, default=default, metavar="N",
        help=f"measured runs (pairs) per case, at least 1 (default: {default})",
    )
    parser.add_argument(
        "--no-warmup", dest="warmup", action="store_false",
        help="skip the unmeasured first run of each command",
    )


def default_env(server: MotoServer, home: Path) -> dict[str, str]:
    home.mkdir(parents=True, exist_ok=True)
    return server.env(home)


@contextmanager
def work_folder() -> Iterator[Path]:
    """A scratch folder, removed on success and kept (and named) when a run failed."""
    path = Path(tempfile.mkdtemp(prefix="rootkeys-bench-"))
    try:
        yield path
    except BaseException:
        progress(f"bench: kept the run folders in {path}")
        raise
    shutil.rmtree(path, ignore_errors=True)

