"""Run the real ``prowler`` command against the moto server and read its files back."""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHECK = "iam_root_access_key_absent"


@dataclass
class ProwlerRun:
    returncode: int
    stdout: str
    stderr: str
    files: dict[str, Path] = field(default_factory=dict)

    def ocsf(self) -> list[dict[str, Any]]:
        return json.loads(self.files["json-ocsf"].read_text())

    def asff(self) -> list[dict[str, Any]]:
        path = self.files.get("json-asff")
        return json.loads(path.read_text()) if path and path.stat().st_size else []

    def csv_rows(self) -> list[dict[str, str]]:
        with self.files["csv"].open(newline="") as handle:
            return list(csv.DictReader(handle, delimiter=";"))

    def html(self) -> str:
        return self.files["html"].read_text()


SUFFIXES = {"json-ocsf": ".ocsf.json", "csv": ".csv", "json-asff": ".asff.json", "html": ".html"}


def run_prowler(
    env: dict[str, str],
    out: Path,
    formats: tuple[str, ...] = ("json-ocsf", "csv"),
    extra: tuple[str, ...] = (),
    check: str = CHECK,
    timeout: float = 240,
) -> ProwlerRun:
    prowler = shutil.which("prowler")
    assert prowler, "the prowler command is not installed"
    command = [
        prowler, "aws", "-c", check, "-M", *formats, "-o", str(out),
        "-F", "scan", "--no-banner", "--log-level", "ERROR", *extra,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=timeout, cwd=out.parent
    )
    files = {name: out / f"scan{suffix}" for name, suffix in SUFFIXES.items()}
    present = {name: path for name, path in files.items() if path.exists()}
    return ProwlerRun(done.returncode, done.stdout, done.stderr, present)
