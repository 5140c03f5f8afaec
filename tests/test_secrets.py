"""No secret access key, session token or credential report text in any log or output file.

Everything a run writes is scanned: every log record at DEBUG (botocore's included),
stdout, stderr and every output file in every format.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from rootkeys.aws import ReportWait, evaluate_account
from rootkeys.outputs import FORMATS, write_outputs
from tests.support.moto_root import RootModel
from tests.support.server import MotoServer

ACCOUNT = "555566667777"
MARKER_USER = "payroll-7f3a9c"
WAIT = ReportWait(timeout=1.0, first_pause=0.05, max_pause=0.2)


def secrets_of_report(content: bytes) -> list[str]:
    """The report as a whole, in text and base64, and each of its data rows."""
    text = content.decode("utf-8")
    rows = text.splitlines()[1:]
    return [text, base64.b64encode(content).decode(), *rows, MARKER_USER]


def written_text(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in folder.iterdir()}


def leaks(secrets: list[str], texts: dict[str, str]) -> list[tuple[str, str]]:
    """Which secret (first 12 characters only) shows up where."""
    return [
        (where, secret[:12])
        for where, text in texts.items()
        for secret in secrets
        if secret and secret in text
    ]


def assumed_iam(moto: MotoServer) -> tuple[Any, dict[str, str]]:
    sts = moto.client("sts")
    role = f"arn:aws:iam::{ACCOUNT}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="rootkeys")["Credentials"]
    client = boto3.client(
        "iam",
        endpoint_url=moto.url,
        region_name="us-east-1",
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
        config=Config(retries={"mode": "standard", "total_max_attempts": 2}),
    )
    return client, creds


@pytest.mark.parametrize(
    "faults",
    [
        pytest.param([], id="healthy"),
        pytest.param(
            [("get_account_summary", "Throttling"), ("get_credential_report", "ReportInProgress")],
            id="throttled-and-not-ready",
        ),
    ],
)
def test_debug_scan_in_process_logs_and_writes_no_secret(
    moto: MotoServer,
    root: RootModel,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    faults: list[tuple[str, str]],
) -> None:
    client, creds = assumed_iam(moto)
    client.create_user(UserName=MARKER_USER)
    root.add_key(ACCOUNT, 1, active=True, last_used=datetime(2026, 1, 2, tzinfo=timezone.utc),
                 service="s3", region="us-east-1")  # fmt: skip
    for action, code in faults:
        root.fail(action, code, 2)
    caplog.set_level(logging.DEBUG)

    result = evaluate_account(client, ACCOUNT, "aws", wait=WAIT)
    write_outputs([result], FORMATS, tmp_path / "out" / "scan", "assumed role")

    content = client.get_credential_report()["Content"]
    secrets = [creds["SecretAccessKey"], creds["SessionToken"], *secrets_of_report(content)]
    logged = {f"log {n}": record.getMessage() for n, record in enumerate(caplog.records)}
    assert result.verdict.status.value == "FAIL"
    assert any(record.name.startswith("botocore") for record in caplog.records)
    assert leaks(secrets, {**logged, **written_text(tmp_path / "out")}) == []


def report_json(folder: Path, rows: list[str]) -> tuple[Path, bytes]:
    header = (Path(__file__).parent.parent / "examples" / "credential-report.csv").read_text(
        encoding="utf-8"
    ).splitlines()[0]
    content = ("\n".join([header, *rows]) + "\n").encode("utf-8")
    path = folder / "report.json"
    document = {
        "Content": base64.b64encode(content).decode(),
        "ReportFormat": "text/csv",
        "GeneratedTime": "2026-12-04T06:00:00+00:00",
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path, content


ROOT_ROW = (
    f"<root_account>,arn:aws:iam::{ACCOUNT}:root,2019-03-14T09:21:07+00:00,not_supported,"
    "2026-11-30T08:12:44+00:00,not_supported,not_supported,true,true,2021-06-01T10:00:00+00:00,"
    "2026-11-28T17:45:00+00:00,us-east-1,s3,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)
USER_ROW = (
    f"{MARKER_USER},arn:aws:iam::{ACCOUNT}:user/{MARKER_USER},2022-08-01T12:00:00+00:00,false,"
    "N/A,N/A,N/A,false,true,2026-09-01T12:00:00+00:00,2026-12-03T22:10:00+00:00,us-east-1,sts,"
    "false,N/A,N/A,N/A,N/A,false,N/A,false,N/A"
)


@pytest.mark.parametrize(
    ("rows", "code"),
    [
        pytest.param([ROOT_ROW, USER_ROW], 3, id="readable"),
        pytest.param([ROOT_ROW, USER_ROW + ",extra"], 1, id="ragged"),
        pytest.param([USER_ROW], 1, id="no-root-row"),
    ],
)
def test_debug_evaluate_command_prints_and_writes_no_secret(
    tmp_path: Path, rows: list[str], code: int
) -> None:
    report, content = report_json(tmp_path, rows)
    secret_key, token = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY", "FwoGZXIvYXdzEXAMPLETOKEN0123"
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE0000",
        AWS_SECRET_ACCESS_KEY=secret_key,
        AWS_SESSION_TOKEN=token,
        HTTP_PROXY="http://127.0.0.1:9",
        HTTPS_PROXY="http://127.0.0.1:9",
    )
    command = [sys.executable, "-m", "rootkeys.cli", "--log-level", "DEBUG", "evaluate"]

    done = subprocess.run(
        [*command, "--credential-report", str(report), "-M", *FORMATS, "-o", "out"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    secrets = [secret_key, token, *secrets_of_report(content)]
    texts = {"stdout": done.stdout, "stderr": done.stderr, **written_text(tmp_path / "out")}
    assert done.returncode == code, done.stderr
    assert len(texts) == 2 + len(FORMATS)
    assert leaks(secrets, texts) == []
