"""The real ``rootkeys evaluate`` command, run as a subprocess on good and bad files.

Each case asserts the exit code, the printed finding line and the stderr message
together, and reads the written OCSF file back: exactly one finding, same status.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
DATA = Path(__file__).resolve().parent / "data"
REPORT_CSV = EXAMPLES / "credential-report.csv"
CLEAN_JSON = EXAMPLES / "credential-report-clean.json"
SUMMARY_KEY = EXAMPLES / "account-summary.json"
SUMMARY_CLEAN = EXAMPLES / "account-summary-clean.json"
EXAMPLE_ACCOUNT = "111122223333"
DATA_ACCOUNT = "444455556666"

COULD_NOT = "Could not evaluate the root user's access keys: "
NO_SUMMARY = "no account summary file was given"
EXAMPLE_KEYS = (
    "The root user has 2 access keys: key 1 is active, last rotated 2021-06-01, last used "
    "2026-11-28 by s3 in us-east-1; key 2 is inactive, last rotated 2020-02-10, last used "
    "2022-01-05 by ec2 in eu-west-1"
)
INACTIVE_KEY = "key 1 is inactive, last rotated 2020-02-10, no recorded use"
UNDATED = "the credential report (generation time unknown)"
LACKS_SLOT_2 = (
    "credential report file failed with InvalidReport (the report lacks the column(s) "
    "access_key_2_active, access_key_2_last_rotated)"
)
LACKS_ALL = (
    "the report lacks the column(s) user, access_key_1_active, access_key_1_last_rotated, "
    "access_key_2_active, access_key_2_last_rotated"
)
SOME_KEY = "The root user has at least one access key, according to the account summary; "
NO_ROOT_ROW = "the credential report has no <root_account> row"
TOTALS = {
    "PASS": "Total: 1 account: 1 PASS, 0 FAIL, 0 MANUAL, 0 MUTED",
    "FAIL": "Total: 1 account: 0 PASS, 1 FAIL, 0 MANUAL, 0 MUTED",
    "MANUAL": "Total: 1 account: 0 PASS, 0 FAIL, 1 MANUAL, 0 MUTED",
}
EXIT = {"PASS": 0, "FAIL": 3, "MANUAL": 1}


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    output: Path

    def ocsf(self) -> list[dict[str, Any]]:
        [path] = self.output.glob("*.ocsf.json")
        findings: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        return findings


def offline_env() -> dict[str, str]:
    """No AWS settings at all, and any non-loopback traffic to a closed local port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9")
    return env


def evaluate(tmp_path: Path, *args: str | Path) -> Run:
    output = tmp_path / "out"
    command = [sys.executable, "-m", "rootkeys.cli", "evaluate", *map(str, args)]
    done = subprocess.run(
        [*command, "-o", str(output)],
        cwd=tmp_path,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr, output)


DECIDED = [
    pytest.param(
        [REPORT_CSV, "--account-summary", SUMMARY_KEY],
        EXAMPLE_ACCOUNT, "FAIL", f"{EXAMPLE_KEYS}.",
        id="example-keys-with-summary",
    ),
    pytest.param(
        [REPORT_CSV],
        EXAMPLE_ACCOUNT, "FAIL", f"{EXAMPLE_KEYS}; decided from {UNDATED} because {NO_SUMMARY}.",
        id="example-keys-without-summary",
    ),
    pytest.param(
        [CLEAN_JSON, "--account-summary", SUMMARY_CLEAN],
        EXAMPLE_ACCOUNT, "PASS",
        "The root user has no access keys, according to the account summary.",
        id="example-clean-json-with-summary",
    ),
    pytest.param(
        [CLEAN_JSON],
        EXAMPLE_ACCOUNT, "PASS",
        "The root user has no access keys, according to the credential report of "
        f"2026-12-04 06:00 UTC; the account summary was not used because {NO_SUMMARY}.",
        id="example-clean-json-without-summary",
    ),
    pytest.param(
        [DATA / "inactive-bom-crlf.csv"],
        DATA_ACCOUNT, "FAIL",
        f"The root user has 1 access key: {INACTIVE_KEY}; decided from {UNDATED} because "
        f"{NO_SUMMARY}.",
        id="bom-crlf-inactive-key",
    ),
    pytest.param(
        [DATA / "inactive-bom-crlf.csv", "--inactive-keys-pass"],
        DATA_ACCOUNT, "PASS",
        "The root user has 1 access key, all inactive, which this scan's configuration "
        f"accepts: {INACTIVE_KEY}; decided from {UNDATED} because {NO_SUMMARY}.",
        id="bom-crlf-inactive-key-option",
    ),
    pytest.param(
        [DATA / "missing-columns.csv"],
        DATA_ACCOUNT, "MANUAL", f"{COULD_NOT}{NO_SUMMARY} and {LACKS_SLOT_2}.",
        id="missing-columns-without-summary",
    ),
    pytest.param(
        [DATA / "missing-columns.csv", "--account-summary", SUMMARY_KEY],
        DATA_ACCOUNT, "FAIL", f"{SOME_KEY}its details are unknown because {LACKS_SLOT_2}.",
        id="missing-columns-with-summary",
    ),
    pytest.param(
        [DATA / "ragged.csv"],
        DATA_ACCOUNT, "MANUAL",
        f"{COULD_NOT}{NO_SUMMARY} and credential report file failed with InvalidReport "
        "(line 3 has 23 fields where the header has 22).",
        id="ragged-row",
    ),
    pytest.param(
        [DATA / "no-root-row.csv", "--account-summary", SUMMARY_KEY],
        DATA_ACCOUNT, "FAIL", f"{SOME_KEY}its details are unknown because {NO_ROOT_ROW}.",
        id="no-root-row-summary-key",
    ),
    pytest.param(
        [DATA / "no-root-row.csv", "--account-summary", SUMMARY_CLEAN],
        DATA_ACCOUNT, "PASS",
        "The root user has no access keys, according to the account summary.",
        id="no-root-row-summary-clean",
    ),
    pytest.param(
        [DATA / "no-root-row.csv"],
        DATA_ACCOUNT, "MANUAL", f"{COULD_NOT}{NO_SUMMARY} and {NO_ROOT_ROW}.",
        id="no-root-row-without-summary",
    ),
    pytest.param(
        [DATA / "no-root-row.csv", "--account-summary", DATA / "summary-no-field.json"],
        DATA_ACCOUNT, "MANUAL",
        f"{COULD_NOT}account summary file failed with MissingValue (no AccountAccessKeysPresent "
        f"in it) and {NO_ROOT_ROW}.",
        id="no-root-row-summary-without-field",
    ),
    pytest.param(
        [DATA / "double-encoded.json", "--account-id", DATA_ACCOUNT],
        DATA_ACCOUNT, "MANUAL",
        f"{COULD_NOT}{NO_SUMMARY} and credential report file failed with InvalidReport "
        f"({LACKS_ALL}).",
        id="double-encoded-with-account-id",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "account", "status", "sentence"), DECIDED)
def test_evaluate_file_gives_one_exact_finding(
    tmp_path: Path, args: list[str | Path], account: str, status: str, sentence: str
) -> None:
    run = evaluate(tmp_path, "--credential-report", *args)

    lines = run.stdout.splitlines()
    assert (run.returncode, run.stderr) == (EXIT[status], "")
    assert lines[:2] == [f"{account}  {status:<6}  {sentence}", TOTALS[status]]
    assert [line.split(" ")[0] for line in lines[2:]] == ["Wrote", "Wrote"]
    [finding] = run.ocsf()
    assert (finding["status_code"], finding["message"]) == (status, sentence)
    assert finding["resources"][0]["uid"] == f"arn:aws:iam::{account}:root"


USAGE = [
    pytest.param(["--credential-report", DATA / "absent.csv"], "{0}: no such file",
                 id="missing-file"),
    pytest.param(["--credential-report", DATA], "{0}: is a directory, not a file",
                 id="directory"),
    pytest.param(["--credential-report", DATA / "empty.csv"], "{0}: the report is empty",
                 id="empty"),
    pytest.param(["--credential-report", DATA / "binary.csv"], "{0}: the report is not UTF-8 text",
                 id="binary"),
    pytest.param(["--credential-report", DATA / "bad.json"],
                 "{0}: not valid JSON (Expecting value, line 2)", id="bad-json"),
    pytest.param(["--credential-report", DATA / "no-content.json"],
                 "{0}: the JSON has no Content field (is it get-credential-report output?)",
                 id="json-without-content"),
    pytest.param(["--credential-report", DATA / "bad-base64.json"],
                 "{0}: Content is not base64-encoded report text", id="bad-base64"),
    pytest.param(["--credential-report", DATA / "double-encoded.json"], "{0}: " + LACKS_ALL,
                 id="double-encoded"),
    pytest.param(["--credential-report", DATA / "missing-columns.csv", "--account-summary",
                  DATA / "bad.json"], "{1}: not valid JSON (Expecting value, line 2)",
                 id="summary-bad-json"),
    pytest.param(["--credential-report", REPORT_CSV, "--account-summary", DATA / "binary.csv"],
                 "{1}: not UTF-8 text", id="summary-binary"),
    pytest.param(["--credential-report", REPORT_CSV, "--account-summary", DATA / "absent.json"],
                 "{1}: no such file", id="summary-missing-file"),
    pytest.param(["--credential-report", REPORT_CSV, "--account-id", "12345"],
                 "--account-id '12345': an account id is 12 digits", id="bad-account-id"),
]  # fmt: skip


@pytest.mark.parametrize(("args", "message"), USAGE)
def test_unusable_input_is_a_usage_error(
    tmp_path: Path, args: list[str | Path], message: str
) -> None:
    paths = [arg for arg in args if isinstance(arg, Path)]

    run = evaluate(tmp_path, *args)

    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == f"rootkeys: error: {message.format(*paths)}\n"
    assert not run.output.exists()


def test_unknown_output_format_is_a_usage_error(tmp_path: Path) -> None:
    run = evaluate(tmp_path, "--credential-report", REPORT_CSV, "-M", "pdf")

    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr.splitlines()[-1] == (
        "rootkeys evaluate: error: argument -M/--output-formats: 'pdf' is not one of: "
        "json-ocsf, csv, json-asff, sarif, junit"
    )
    assert "Traceback" not in run.stderr


def test_two_runs_writing_one_name_leave_whole_files(tmp_path: Path) -> None:
    output = tmp_path / "out"
    command = [
        sys.executable, "-m", "rootkeys.cli", "evaluate", "--credential-report", str(REPORT_CSV),
        "-F", "same", "-M", "json-ocsf", "csv", "-o", str(output),
    ]
    runs = [
        subprocess.Popen(command, cwd=tmp_path, env=offline_env(), stdout=subprocess.DEVNULL)
        for _ in range(2)
    ]
    codes = [run.wait(timeout=120) for run in runs]

    assert codes == [3, 3]
    assert sorted(path.name for path in output.iterdir()) == ["same.csv", "same.ocsf.json"]
    [finding] = json.loads((output / "same.ocsf.json").read_text(encoding="utf-8"))
    assert finding["status_code"] == "FAIL"
    assert len((output / "same.csv").read_text(encoding="utf-8").splitlines()) >= 2
