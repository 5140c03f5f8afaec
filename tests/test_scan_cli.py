"""``rootkeys scan`` on one account: the real command, run as a subprocess against moto."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.moto_root import RootModel
from tests.support.scan_run import ScanRun, run_scan
from tests.support.server import ACCOUNT, MotoServer

NO_KEYS = "The root user has no access keys, according to the account summary."
ACTIVE_KEY = (
    "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, no recorded use."
)
INACTIVE_KEY = (
    "The root user has 1 access key: key 2 is inactive, last rotated 2024-01-02, "
    "no recorded use."
)
OTHER = "210987654321"


def _summary(run: ScanRun, counts: str) -> list[str]:
    """The account lines and the total: everything stdout holds before the file names."""
    lines = run.stdout_lines()
    total = next(i for i, line in enumerate(lines) if line.startswith("Total: "))
    assert lines[total] == f"Total: {counts}"
    return lines[:total]


def test_clean_account_passes_with_exit_0(moto: MotoServer, home: Path, tmp_path: Path) -> None:
    run = run_scan(moto.env(home), tmp_path / "out", "-M", "json-ocsf", "csv", "junit")

    assert run.returncode == 0, run.stderr
    assert _summary(run, "1 account: 1 PASS, 0 FAIL, 0 MANUAL, 0 MUTED") == [
        f"{ACCOUNT}  PASS    {NO_KEYS}"
    ]
    [finding] = run.ocsf()
    assert finding["status_code"] == "PASS"
    assert finding["message"] == NO_KEYS
    assert finding["cloud"]["account"]["uid"] == ACCOUNT
    assert finding["resources"][0]["uid"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert run.csv_statuses() == {ACCOUNT: "PASS"}
    assert run.junit_statuses() == {ACCOUNT: "PASS"}
    assert run.path("csv").name.startswith(f"rootkeys-output-{ACCOUNT}-")
    assert run.stderr == ""


@pytest.mark.parametrize(
    ("slot", "active", "options", "status", "code", "text"),
    [
        (1, True, (), "FAIL", 3, ACTIVE_KEY),
        (2, False, (), "FAIL", 3, INACTIVE_KEY),
        (
            2, False, ("--inactive-keys-pass",), "PASS", 0,
            "The root user has 1 access key, all inactive, which this scan's configuration "
            "accepts: key 2 is inactive, last rotated 2024-01-02, no recorded use.",
        ),
    ],
    ids=["active-key-fails", "inactive-key-fails", "inactive-key-passes-when-accepted"],
)
def test_root_key_gives_decision_and_exit_code(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path,
    slot: int, active: bool, options: tuple[str, ...], status: str, code: int, text: str,
) -> None:
    root.add_key(ACCOUNT, slot, active=active)

    run = run_scan(moto.env(home), tmp_path / "out", *options)

    assert run.returncode == code, run.stderr
    counts = {"PASS": "1 PASS, 0 FAIL", "FAIL": "0 PASS, 1 FAIL"}[status]
    assert _summary(run, f"1 account: {counts}, 0 MANUAL, 0 MUTED") == [
        f"{ACCOUNT}  {status:<6}  {text}"
    ]
    [finding] = run.ocsf()
    assert (finding["status_code"], finding["message"]) == (status, text)
    assert run.csv_statuses() == {ACCOUNT: status}


def test_evidence_denied_gives_manual_with_exit_1(
    moto: MotoServer, home: Path, tmp_path: Path
) -> None:
    key, secret = moto.user_denied(
        ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport"]
    )

    run = run_scan(moto.env(home, key, secret), tmp_path / "out", "-M", "json-ocsf", "junit")

    assert run.returncode == 1, run.stderr
    text = (
        "Could not evaluate the root user's access keys: iam:GetAccountSummary failed with "
        "AccessDenied and iam:GenerateCredentialReport failed with AccessDenied "
        "(then iam:GetCredentialReport failed with AccessDenied)."
    )
    assert _summary(run, "1 account: 0 PASS, 0 FAIL, 1 MANUAL, 0 MUTED") == [
        f"{ACCOUNT}  MANUAL  {text}"
    ]
    [finding] = run.ocsf()
    assert (finding["status_code"], finding["message"]) == ("MANUAL", text)
    assert run.junit_statuses() == {ACCOUNT: "MANUAL"}


def test_throttled_call_is_retried_and_passes(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.fail("get_account_summary", "Throttling", times=1)

    run = run_scan(moto.env(home), tmp_path / "out")

    assert run.returncode == 0, run.stderr
    assert _summary(run, "1 account: 1 PASS, 0 FAIL, 0 MANUAL, 0 MUTED") == [
        f"{ACCOUNT}  PASS    {NO_KEYS}"
    ]
    assert root.count("get_account_summary", ACCOUNT) == 2


def test_throttled_call_without_retries_is_decided_from_report(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.fail("get_account_summary", "Throttling", times=1)

    run = run_scan(moto.env(home), tmp_path / "out", "--max-attempts", "1")

    assert run.returncode == 0, run.stderr
    [line] = _summary(run, "1 account: 1 PASS, 0 FAIL, 0 MANUAL, 0 MUTED")
    assert line.startswith(f"{ACCOUNT}  PASS    The root user has no access keys, according to ")
    assert line.endswith(
        "; the account summary was not used because iam:GetAccountSummary failed with "
        "Throttling."
    )
    assert root.count("get_account_summary", ACCOUNT) == 1


def test_role_arn_scans_the_role_account(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.add_key(OTHER, 1, active=True)
    role = f"arn:aws:iam::{OTHER}:role/Auditor"

    run = run_scan(moto.env(home), tmp_path / "out", "--role-arn", role, "--external-id", "x1")

    assert run.returncode == 3, run.stderr
    assert _summary(run, "1 account: 0 PASS, 1 FAIL, 0 MANUAL, 0 MUTED") == [
        f"{OTHER}  FAIL    {ACTIVE_KEY}"
    ]
    assert run.ocsf_statuses() == {OTHER: "FAIL"}
    assert run.path("json-ocsf").name.startswith(f"rootkeys-output-{OTHER}-")
    assert root.count("get_account_summary", ACCOUNT) == 0


def test_role_that_cannot_be_assumed_gives_manual_for_its_account(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.roles_missing.add(OTHER)

    run = run_scan(moto.env(home), tmp_path / "out", "--role-arn", f"arn:aws:iam::{OTHER}:role/A")

    assert run.returncode == 1, run.stderr
    text = (
        "Could not evaluate the root user's access keys: sts:AssumeRole failed with "
        "AccessDenied."
    )
    assert _summary(run, "1 account: 0 PASS, 0 FAIL, 1 MANUAL, 0 MUTED") == [
        f"{OTHER}  MANUAL  {text}"
    ]
    assert run.ocsf_statuses() == {OTHER: "MANUAL"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None},
            "rootkeys: error: no AWS credentials found (sts:GetCallerIdentity failed with "
            "NoCredentialsError); give --profile, or set AWS_PROFILE or AWS_ACCESS_KEY_ID "
            "and AWS_SECRET_ACCESS_KEY",
        ),
        (
            {"AWS_PROFILE": "missing"},
            "rootkeys: error: the AWS profile 'missing' is not in the AWS config files",
        ),
    ],
    ids=["no-credentials", "unknown-profile"],
)
def test_credential_problem_exits_2_with_message(
    moto: MotoServer, home: Path, tmp_path: Path,
    change: dict[str, str | None], message: str,
) -> None:
    env = moto.env(home)
    for name, value in change.items():
        if value is None:
            env.pop(name)
        else:
            env[name] = value

    run = run_scan(env, tmp_path / "out")

    assert run.returncode == 2
    assert run.stderr.splitlines() == [message]
    assert run.stdout == ""
    assert run.files() == []


def test_unknown_access_key_exits_2_naming_the_call(
    moto: MotoServer, home: Path, tmp_path: Path
) -> None:
    moto.user_denied([])

    run = run_scan(moto.env(home, "AKIAUNKNOWN000000000", "wrong"), tmp_path / "out")

    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        "rootkeys: error: cannot identify the caller: sts:GetCallerIdentity failed with "
        "InvalidClientTokenId"
    ]
    assert run.files() == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (
            ["--accounts", "12345"],
            "argument --accounts: '12345' is not a 12-digit AWS account id",
        ),
        (
            ["--organization", "--shard", "0/3"],
            "argument --shard: '0/3': K must be between 1 and N",
        ),
        (
            ["--organization", "--shard", "4/3"],
            "argument --shard: '4/3': K must be between 1 and N",
        ),
        (
            ["--organization", "--shard", "half"],
            "argument --shard: 'half' is not of the form K/N, e.g. 1/4",
        ),
        (["--workers", "0"], "argument --workers: '0' is not a whole number of at least 1"),
        (
            ["--report-wait", "-1"],
            "argument --report-wait: '-1' is not a number of seconds above 0 and below a day",
        ),
        (
            ["--role-arn", "arn:aws:iam::123:user/x"],
            "argument --role-arn: 'arn:aws:iam::123:user/x' is not a role ARN "
            "(arn:<partition>:iam::<account>:role/<name>)",
        ),
        (["--external-id", "x"], "--external-id needs --role-arn"),
        (["--shard", "1/2"], "--shard needs --organization, --accounts or --accounts-file"),
        (["--org-role", "Audit"], "--org-role needs --organization, --accounts or --accounts-file"),
        (["-M", "html"], "argument -M/--output-formats: 'html' is not one of: json-ocsf, csv, "
         "json-asff, sarif, junit"),
        (["--workers", "257"], "argument --workers: '257' is more than 256 workers"),
        (["--region", "us-east-1 "], "argument --region: 'us-east-1 ' is not an AWS region "
         "name (us-east-1)"),
        (["--read-timeout", "inf"], "argument --read-timeout: 'inf' is not a number of "
         "seconds above 0 and below a day"),
    ],
    ids=[
        "short-account-id", "shard-zero", "shard-above-count", "shard-not-a-fraction",
        "no-workers", "negative-wait", "user-arn-as-role", "external-id-alone",
        "shard-alone", "org-role-alone", "unknown-format", "too-many-workers",
        "region-with-space", "endless-timeout",
    ],
)
def test_bad_arguments_exit_2_with_message(
    moto: MotoServer, home: Path, tmp_path: Path, arguments: list[str], message: str
) -> None:
    run = run_scan(moto.env(home), tmp_path / "out", *arguments)

    assert run.returncode == 2
    last = run.stderr.splitlines()[-1]
    assert last in (f"rootkeys scan: error: {message}", f"rootkeys: error: {message}")
    assert run.stdout == ""
    assert run.files() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("111122223333\n12\n", "line 2: '12' is not a 12-digit AWS account id"),
        ("# only a comment\n111122223333 extra\n", "line 2: '111122223333 extra' is not a "
         "12-digit AWS account id"),
    ],
    ids=["short-id", "two-words"],
)
def test_bad_accounts_file_exits_2(
    moto: MotoServer, home: Path, tmp_path: Path, content: str, message: str
) -> None:
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(content)

    run = run_scan(moto.env(home), tmp_path / "out", "--accounts-file", str(accounts))

    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"rootkeys: error: {accounts}: {message}"]


@pytest.mark.parametrize("content", ["", "# generated list came out empty\n\n"],
                         ids=["empty", "comments-only"])
def test_accounts_file_without_ids_exits_2(
    moto: MotoServer, home: Path, tmp_path: Path, content: str
) -> None:
    accounts = tmp_path / "accounts.txt"
    accounts.write_text(content)

    run = run_scan(moto.env(home), tmp_path / "out", "--accounts-file", str(accounts))

    assert run.returncode == 2
    assert run.stderr.splitlines() == [f"rootkeys: error: {accounts}: no account id in the file"]
    assert run.files() == []


def test_missing_accounts_file_exits_2(moto: MotoServer, home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.txt"

    run = run_scan(moto.env(home), tmp_path / "out", "--accounts-file", str(missing))

    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"rootkeys: error: cannot read {missing}: No such file or directory"
    ]


@pytest.mark.parametrize(
    "argv",
    [["--version"], ["--help"], ["scan", "--help"]],
    ids=["version", "help", "scan-help"],
)
def test_version_and_help_import_neither_boto3_nor_prowler(argv: list[str]) -> None:
    script = (
        "import sys\n"
        "from rootkeys.cli import main\n"
        "try:\n"
        f"    main({argv!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = {'boto3', 'botocore', 'prowler', 'yaml', 'alive_progress'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy), file=sys.stderr)\n"
    )

    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )

    assert done.returncode == 0
    assert done.stderr == "[]\n"


def test_readme_scan_section_names_every_call_a_scan_adds() -> None:
    from rootkeys.scan import SCAN_ACTIONS

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme.split("\n## rootkeys scan\n", 1)[1].split("\n## ", 1)[0]

    assert [action for action in SCAN_ACTIONS if f"`{action}`" not in section] == []
