"""Run the real ``rootkeys scan`` command against the moto server and read its files back."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from tests.support.server import ACCOUNT, MotoServer

SUFFIXES = {
    "json-ocsf": ".ocsf.json",
    "csv": ".csv",
    "json-asff": ".asff.json",
    "sarif": ".sarif",
    "junit": ".junit.xml",
}


@dataclass
class ScanRun:
    returncode: int
    stdout: str
    stderr: str
    out: Path

    def path(self, name: str) -> Path:
        [path] = sorted(self.out.glob(f"rootkeys-output-*{SUFFIXES[name]}"))
        return path

    def files(self) -> list[str]:
        return sorted(p.name for p in self.out.iterdir()) if self.out.exists() else []

    def ocsf(self) -> list[dict[str, Any]]:
        return list(json.loads(self.path("json-ocsf").read_text()))

    def asff(self) -> list[dict[str, Any]]:
        return list(json.loads(self.path("json-asff").read_text()))

    def sarif(self) -> dict[str, Any]:
        return dict(json.loads(self.path("sarif").read_text()))

    def csv_rows(self) -> list[dict[str, str]]:
        with self.path("csv").open(newline="") as handle:
            return list(csv.DictReader(handle, delimiter=";"))

    def junit(self) -> ElementTree.Element:
        return ElementTree.parse(self.path("junit")).getroot()

    def ocsf_statuses(self) -> dict[str, str]:
        """Account id -> status code, from the json-ocsf file (one finding per account)."""
        findings = self.ocsf()
        statuses = {f["cloud"]["account"]["uid"]: f["status_code"] for f in findings}
        assert len(statuses) == len(findings), "two findings for one account"
        return statuses

    def csv_statuses(self) -> dict[str, str]:
        rows = self.csv_rows()
        statuses = {row["ACCOUNT_UID"]: row["STATUS"] for row in rows}
        assert len(statuses) == len(rows), "two rows for one account"
        return statuses

    def junit_statuses(self) -> dict[str, str]:
        cases = self.junit().findall("testcase")
        statuses = {case.get("name", "").split()[0]: _junit_status(case) for case in cases}
        assert len(statuses) == len(cases), "two test cases for one account"
        return statuses

    def stdout_lines(self) -> list[str]:
        return self.stdout.splitlines()


def _junit_status(case: ElementTree.Element) -> str:
    for tag, status in (("failure", "FAIL"), ("error", "MANUAL"), ("skipped", "MUTED")):
        if case.find(tag) is not None:
            return status
    return "PASS"


def run_scan(env: dict[str, str], out: Path, *args: str, timeout: float = 120) -> ScanRun:
    """``rootkeys scan ARGS -o OUT`` as a user runs it; never raises on a non-zero exit."""
    rootkeys = shutil.which("rootkeys")
    assert rootkeys, "the rootkeys command is not installed"
    command = [rootkeys, "scan", *args, "-o", str(out)]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, cwd=out.parent
    )
    return ScanRun(done.returncode, done.stdout, done.stderr, out)


@dataclass
class Measured:
    run: ScanRun
    seconds: float
    peak_rss_mb: float


def run_scan_measured(env: dict[str, str], out: Path, *args: str) -> Measured:
    """Like ``run_scan``, also giving the wall time and the command's own peak memory."""
    rootkeys = shutil.which("rootkeys")
    assert rootkeys, "the rootkeys command is not installed"
    out.parent.mkdir(parents=True, exist_ok=True)
    stdout, stderr = out.parent / "scan.stdout", out.parent / "scan.stderr"
    started = time.monotonic()
    with stdout.open("w") as text, stderr.open("w") as errors:
        process = subprocess.Popen(
            [rootkeys, "scan", *args, "-o", str(out)], env=env, stdout=text, stderr=errors,
            cwd=out.parent,
        )
        # wait4 gives this child's own resource use (ru_maxrss in KiB on Linux).
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started

    run = ScanRun(process.returncode, stdout.read_text(), stderr.read_text(), out)
    return Measured(run, seconds, usage.ru_maxrss / 1024)


def make_organization(moto: MotoServer, members: int) -> list[str]:
    """An organization managed by moto's default account, with ``members`` new accounts.

    Returns the sorted ids of the new member accounts (the management account,
    ``ACCOUNT``, is a member too but not in the list).
    """
    org = moto.client("organizations")
    org.create_organization(FeatureSet="ALL")
    ids = []
    for number in range(members):
        status = org.create_account(
            AccountName=f"member-{number}", Email=f"member-{number}@example.com"
        )["CreateAccountStatus"]
        ids.append(status["AccountId"])
    assert ACCOUNT not in ids
    return sorted(ids)


def close_account(moto: MotoServer, account_id: str) -> None:
    """Suspend a member account (moto moves it straight to SUSPENDED)."""
    moto.client("organizations").close_account(AccountId=account_id)
