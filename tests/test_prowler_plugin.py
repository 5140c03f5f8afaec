"""The plugin check run by the real ``prowler`` command against the moto server.

Each scan costs about 20 s, so this file runs six scans and one listing, and each run
proves as much as it can: the entry-point path (active, inactive, no key, credential
report denied, everything denied), and the ``--checks-folder`` path with an audit config
file. Every finding is compared field by field with the exact sentence.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import prowler
import pytest
import yaml

from tests.support.mapping import ISSUE_MAPPING
from tests.support.moto_root import RootModel
from tests.support.prowler_run import CHECK, ProwlerRun, run_prowler
from tests.support.server import ACCOUNT, MotoServer

# One worker runs every prowler command: --checks-folder changes Prowler's installed package
# for the length of its run, and another prowler run at that moment would see the change.
pytestmark = pytest.mark.xdist_group("prowler")

ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
# The finding's compliance field, as the issue lists the mapping ids.
COMPLIANCE = ISSUE_MAPPING
ALL_FORMATS = ("json-ocsf", "csv", "json-asff", "html")
PROWLER_IAM = Path(prowler.__path__[0]) / "providers" / "aws" / "services" / "iam"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class _TableRows(HTMLParser):
    """The text of each cell of each row in the tables of Prowler's HTML report."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        if tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self.rows:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_finding_rows(run: ProwlerRun) -> list[list[str]]:
    parser = _TableRows()
    parser.feed(run.html())
    return [row for row in parser.rows if len(row) > 4 and row[4] == CHECK]


def only_finding(run: ProwlerRun) -> dict[str, Any]:
    """The one OCSF finding of the run; fails when there is none or more than one."""
    findings = run.ocsf()
    assert [finding["metadata"]["event_code"] for finding in findings] == [CHECK], run.stderr
    return findings[0]


def assert_root_finding(finding: dict[str, Any], status: str, message: str) -> None:
    """One OCSF finding about the root user of ACCOUNT, with the exact sentence."""
    assert finding["status_code"] == status
    assert finding["message"] == message
    assert finding["status_detail"] == message
    [resource] = finding["resources"]
    assert resource["uid"] == ROOT_ARN
    assert resource["name"] == "<root_account>"
    assert resource["region"] == "us-east-1"
    assert resource["cloud_partition"] == "aws"
    assert finding["cloud"]["region"] == "us-east-1"
    assert finding["cloud"]["account"]["uid"] == ACCOUNT
    assert finding["unmapped"]["compliance"] == COMPLIANCE


def assert_root_row(run: ProwlerRun, status: str, message: str) -> None:
    """The one CSV row, with the same facts as the OCSF finding."""
    [row] = run.csv_rows()
    assert row["CHECK_ID"] == CHECK
    assert row["STATUS"] == status
    assert row["STATUS_EXTENDED"] == message
    assert row["RESOURCE_UID"] == ROOT_ARN
    assert row["RESOURCE_NAME"] == "<root_account>"
    assert row["REGION"] == "us-east-1"
    assert row["ACCOUNT_UID"] == ACCOUNT
    compliance = dict(item.split(": ") for item in row["COMPLIANCE"].split(" | "))
    assert compliance == {name: ids[0] for name, ids in COMPLIANCE.items()}


def test_active_root_key_fails_in_every_format(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    used = datetime(2024, 3, 4, 5, 6, tzinfo=timezone.utc)
    root.add_key(ACCOUNT, 1, active=True, last_used=used, service="s3", region="eu-west-1")
    message = (
        "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, "
        "last used 2024-03-04 by s3 in eu-west-1."
    )

    run = run_prowler(moto.env(home), tmp_path / "out", ALL_FORMATS)

    assert run.returncode == 3, run.stderr
    assert_root_finding(only_finding(run), "FAIL", message)
    assert_root_row(run, "FAIL", message)
    [asff] = run.asff()
    assert asff["Compliance"]["Status"] == "FAILED"
    assert asff["Description"] == message
    assert asff["Resources"] == [
        {"Type": "Other", "Id": ROOT_ARN, "Partition": "aws", "Region": "us-east-1"}
    ]
    assert sorted(asff["Compliance"]["RelatedRequirements"]) == sorted(
        f"{name} {ids[0]}" for name, ids in COMPLIANCE.items()
    )
    [row] = html_finding_rows(run)
    assert [row[0], row[3], row[6], row[8]] == ["FAIL", "us-east-1", ROOT_ARN, message]


def test_inactive_root_key_only_fails_naming_it(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.add_key(ACCOUNT, 2, active=False)
    message = (
        "The root user has 1 access key: key 2 is inactive, last rotated 2024-01-02, "
        "no recorded use."
    )

    run = run_prowler(moto.env(home), tmp_path / "out")

    assert run.returncode == 3, run.stderr
    assert_root_finding(only_finding(run), "FAIL", message)
    assert_root_row(run, "FAIL", message)


def test_no_root_key_passes_once_and_exits_zero(
    moto: MotoServer, home: Path, tmp_path: Path
) -> None:
    message = "The root user has no access keys, according to the account summary."

    run = run_prowler(moto.env(home), tmp_path / "out")

    assert run.returncode == 0, run.stderr
    assert_root_finding(only_finding(run), "PASS", message)
    assert_root_row(run, "PASS", message)


def test_credential_report_denied_fails_from_the_account_summary(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    key, secret = moto.user_denied(["iam:GenerateCredentialReport", "iam:GetCredentialReport"])
    message = (
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GenerateCredentialReport failed with AccessDenied "
        "(then iam:GetCredentialReport failed with AccessDenied)."
    )

    run = run_prowler(moto.env(home, key, secret), tmp_path / "out")

    assert run.returncode == 3, run.stderr
    assert_root_finding(only_finding(run), "FAIL", message)
    assert_root_row(run, "FAIL", message)


def test_summary_and_report_denied_gives_one_manual_finding(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    denied = ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport"]
    key, secret = moto.user_denied(denied)
    message = (
        "Could not evaluate the root user's access keys: iam:GetAccountSummary failed with "
        "AccessDenied and iam:GenerateCredentialReport failed with AccessDenied "
        "(then iam:GetCredentialReport failed with AccessDenied)."
    )

    run = run_prowler(moto.env(home, key, secret), tmp_path / "out", ALL_FORMATS)

    # Prowler 5.46 exits 3 only for FAIL findings; a scan whose findings are all MANUAL
    # exits 0. The issue asks for a non-zero exit here: inside Prowler it is not met.
    assert run.returncode == 0, run.stderr
    assert_root_finding(only_finding(run), "MANUAL", message)
    assert_root_row(run, "MANUAL", message)
    # Security Hub has no MANUAL state: Prowler's ASFF writer leaves the finding out.
    assert run.asff() == []
    [row] = html_finding_rows(run)
    assert [row[0], row[3], row[6], row[8]] == ["MANUAL", "us-east-1", ROOT_ARN, message]


def test_list_checks_of_service_iam_includes_the_check(
    moto_server: MotoServer, home: Path, tmp_path: Path
) -> None:
    # The service listing is a subset of `prowler aws --list-checks`, so one listing
    # proves both: the entry point is found, and its path sits under `.services.iam.`.
    command = ["prowler", "aws", "--service", "iam", "--list-checks", "--no-banner"]

    done = subprocess.run(
        command, env=moto_server.env(home), capture_output=True, text=True, timeout=120,
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    lines = [ANSI.sub("", line) for line in done.stdout.splitlines()]
    mine = [line for line in lines if line.startswith(f"[{CHECK}]")]
    assert mine == [f"[{CHECK}] Root user has no access keys, active or inactive - iam [critical]"]


@pytest.fixture
def checks_copy(tmp_path: Path) -> Path:
    """A copy of the repository's checks/ folder, with a title only the copy carries.

    ``--checks-folder`` copies each sub-folder into Prowler's installed package and
    deletes it after the scan; pointing it at a copy keeps the repository out of that.
    The changed title proves the finding came from the copied module, not the entry point.
    """
    source = Path(__file__).parents[1] / "checks"
    copy = tmp_path / "checks"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
    metadata = copy / CHECK / f"{CHECK}.metadata.json"
    text = metadata.read_text(encoding="utf-8")
    marked = text.replace('"CheckTitle": "', '"CheckTitle": "[checks folder] ', 1)
    assert marked != text
    metadata.write_text(marked, encoding="utf-8")
    return copy


@pytest.fixture
def inactive_keys_pass_config(tmp_path: Path) -> Path:
    """Prowler's own default config.yaml with this check's inactive-keys option on."""
    default = Path(prowler.__path__[0]) / "config" / "config.yaml"
    config = yaml.safe_load(default.read_text(encoding="utf-8"))
    config["aws"]["root_access_key_inactive_keys_pass"] = True
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def test_checks_folder_with_inactive_keys_pass_config_passes_inactive_key(
    moto: MotoServer,
    root: RootModel,
    home: Path,
    tmp_path: Path,
    checks_copy: Path,
    inactive_keys_pass_config: Path,
) -> None:
    root.add_key(ACCOUNT, 1, active=False)
    message = (
        "The root user has 1 access key, all inactive, which this scan's configuration "
        "accepts: key 1 is inactive, last rotated 2024-01-02, no recorded use."
    )
    extra = ("--checks-folder", str(checks_copy), "--config-file", str(inactive_keys_pass_config))

    try:
        run = run_prowler(moto.env(home), tmp_path / "out", extra=extra)
    finally:
        leftover = PROWLER_IAM / CHECK
        left_behind = leftover.exists()
        shutil.rmtree(leftover, ignore_errors=True)

    assert run.returncode == 0, run.stderr
    finding = only_finding(run)
    assert_root_finding(finding, "PASS", message)
    assert finding["finding_info"]["title"].startswith("[checks folder] ")
    assert_root_row(run, "PASS", message)
    # Prowler removed its copy and left its own built-in check in place.
    assert not left_behind
    assert (PROWLER_IAM / "iam_no_root_access_key" / "iam_no_root_access_key.py").is_file()
