"""``rootkeys remediate`` in process: the idle rule, states, refusals of bad input, secrets."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from moto.iam.models import iam_backends

from rootkeys.cli import main
from rootkeys.decision import Status, Verdict
from rootkeys.evidence import Failure
from rootkeys.remediate import (
    AccountOutcome,
    KeyOutcome,
    RemediationRefusedError,
    RemediationRequest,
    RootKey,
    State,
    Usage,
    idle_refusal,
    require_regional_sts,
    summarize,
)
from rootkeys.remediate_cli import DEACTIVATE_HELP
from rootkeys.results import AccountResult
from tests.support.moto_assume_root import DELETE_ROOT_CREDENTIALS_ACTIONS, install
from tests.support.moto_root import RootModel
from tests.support.scan_run import make_organization
from tests.support.server import MotoServer

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=timezone.utc)
CREATED = datetime(2024, 1, 2, tzinfo=timezone.utc)
KEY = RootKey("AKIA111122223333RK01", "Active", CREATED)
HINT = "--force overrides"


def usage(days_ago: int | None) -> Usage:
    used = None if days_ago is None else NOW - timedelta(days=days_ago)
    return Usage(used, "s3" if used else None, "eu-west-1" if used else None)


@pytest.mark.parametrize(
    ("key", "seen", "request_", "expected"),
    [
        pytest.param(KEY, usage(None), RemediationRequest(), None, id="never-used-old-key"),
        pytest.param(KEY, usage(90), RemediationRequest(), None, id="idle-exactly-90-days"),
        pytest.param(KEY, usage(89), RemediationRequest(),
                     f"last used 89 days ago, within --min-idle-days 90; {HINT}",
                     id="used-89-days-ago"),
        pytest.param(KEY, usage(89), RemediationRequest(force=True), None, id="forced"),
        pytest.param(KEY, usage(0), RemediationRequest(min_idle_days=0), None, id="no-minimum"),
        pytest.param(RootKey(KEY.key_id, "Active", NOW - timedelta(days=3)), usage(None),
                     RemediationRequest(),
                     f"created 3 days ago, never used, within --min-idle-days 90; {HINT}",
                     id="new-unused-key"),
        pytest.param(RootKey(KEY.key_id, "Active", None), usage(None), RemediationRequest(),
                     f"neither its last use nor its creation date is known; {HINT}",
                     id="nothing-known"),
        pytest.param(KEY, Failure("iam:GetAccessKeyLastUsed", "AccessDenied"),
                     RemediationRequest(),
                     "its last use is unknown (iam:GetAccessKeyLastUsed failed with "
                     f"AccessDenied); {HINT}", id="last-use-unreadable"),
        pytest.param(KEY, usage(-1), RemediationRequest(min_idle_days=0),
                     f"last used -1 days ago, within --min-idle-days 0; {HINT}",
                     id="used-in-the-future"),
    ],
)
def test_idle_rule_keeps_recent_or_unknown_keys(
    key: RootKey, seen: Usage | Failure, request_: RemediationRequest, expected: str | None
) -> None:
    assert idle_refusal(key, seen, request_, NOW) == expected


def _keys(*results: str) -> tuple[KeyOutcome, ...]:
    return tuple(KeyOutcome(KEY, usage(None), result) for result in results)


@pytest.mark.parametrize(
    ("results", "state", "text"),
    [
        pytest.param(("deleted", "deleted"), State.DELETED, "2 access keys deleted", id="all"),
        pytest.param(("would delete",), State.PLANNED, "1 access key would be deleted",
                     id="dry-run"),
        pytest.param(("deactivated",), State.DEACTIVATED, "1 access key deactivated",
                     id="deactivated"),
        pytest.param(("deleted", "kept: used"), State.KEPT,
                     "1 access key deleted, 1 access key kept", id="one-kept"),
        pytest.param(("deleted", "unconfirmed: still listed"), State.KEPT,
                     "1 access key deleted, 1 access key unconfirmed", id="unconfirmed"),
        pytest.param(("failed: AccessDenied", "failed: Throttling"), State.KEPT,
                     "2 access keys failed", id="failed"),
    ],
)
def test_account_state_follows_its_keys(results: tuple[str, ...], state: State, text: str) -> None:
    outcome = summarize("111122223333", _keys(*results), None)

    assert (outcome.state, outcome.text) == (state, text)


@pytest.mark.parametrize(
    ("state", "finding", "severity"),
    [
        pytest.param(State.DELETED, Status.PASS, 0, id="deleted-pass"),
        pytest.param(State.DELETED, Status.FAIL, 3, id="deleted-but-fail"),
        pytest.param(State.DELETED, Status.MANUAL, 1, id="deleted-unverified"),
        pytest.param(State.KEPT, Status.MANUAL, 3, id="kept"),
        pytest.param(State.ERROR, None, 1, id="error"),
        pytest.param(State.SKIPPED, None, 0, id="skipped"),
        pytest.param(State.PLANNED, None, 3, id="dry-run"),
    ],
)
def test_severity_counts_keys_left_before_errors(
    state: State, finding: Status | None, severity: int
) -> None:
    result = None
    if finding is not None:
        result = AccountResult("111122223333", "aws", Verdict(finding, "text"))

    assert AccountOutcome("111122223333", state, "text", finding=result).severity == severity


@pytest.mark.parametrize(
    ("endpoint", "refused"),
    [
        pytest.param("https://sts.us-east-1.amazonaws.com", False, id="regional"),
        pytest.param("https://sts.amazonaws.com", True, id="global"),
        pytest.param("http://127.0.0.1:5000", False, id="local"),
    ],
)
def test_assume_root_needs_regional_sts_endpoint(endpoint: str, refused: bool) -> None:
    sts = SimpleNamespace(meta=SimpleNamespace(endpoint_url=endpoint))

    if not refused:
        require_regional_sts(sts)
        return
    with pytest.raises(RemediationRefusedError) as raised:
        require_regional_sts(sts)
    assert str(raised.value) == (
        "sts:AssumeRoot needs a regional STS endpoint, but the client uses sts.amazonaws.com; "
        "unset AWS_STS_REGIONAL_ENDPOINTS=legacy (or sts_regional_endpoints in the AWS config) "
        "or give --region"
    )


def _finding(**changes: Any) -> dict[str, Any]:
    finding: dict[str, Any] = {
        "metadata": {"event_code": "iam_root_access_key_absent"},
        "status_code": "FAIL", "status": "New",
        "cloud": {"account": {"uid": "111122223333"}},
    }
    finding.update(changes)
    return finding


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("{not json", "not JSON (Expecting property name enclosed in double "
                     "quotes, line 1)", id="not-json"),
        pytest.param(json.dumps({"findings": []}), "not a JSON list of OCSF findings",
                     id="not-a-list"),
        pytest.param(json.dumps(["text"]), "finding 1: no metadata.event_code; not an OCSF "
                     "finding", id="not-an-object"),
        pytest.param(json.dumps([_finding(status_code=3)]),
                     "finding 1: status_code is not a string", id="status-not-text"),
        pytest.param(json.dumps([_finding(cloud={"account": {"uid": "1234"}})]),
                     "finding 1: cloud.account.uid: '1234' is not a 12-digit AWS account id",
                     id="bad-account"),
        pytest.param(json.dumps([_finding(), _finding(cloud={})]),
                     "finding 2: no cloud.account.uid; not an OCSF finding", id="no-account"),
    ],
)
def test_malformed_findings_file_is_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    path = tmp_path / "findings.ocsf.json"
    path.write_text(content)

    code = main(["remediate", "--from-findings", str(path)])

    assert code == 2
    assert capsys.readouterr() == ("", f"rootkeys: error: {path}: {message}\n")


def test_findings_without_failures_need_no_aws(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "findings.ocsf.json"
    other = _finding(metadata={"event_code": "iam_user_mfa_enabled"}, cloud={})
    path.write_text(json.dumps([_finding(status_code="PASS"), other,
                                _finding(status="Suppressed")]))

    code = main(["remediate", "--from-findings", str(path)])

    assert code == 0
    assert capsys.readouterr().out.splitlines() == [
        "111122223333  SKIPPED      its FAIL finding is muted",
        "Total: 1 account: 1 SKIPPED",
        "Dry run: nothing was changed. --apply --audit-log FILE acts.",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param([], "give the accounts one way: --accounts/--accounts-file, "
                     "--organization or --from-findings", id="no-accounts"),
        pytest.param(["--organization", "--accounts", "111122223333"],
                     "give the accounts one way: --accounts/--accounts-file, "
                     "--organization or --from-findings", id="two-sources"),
        pytest.param(["--organization", "--apply"],
                     "--apply needs --audit-log FILE: each action is recorded there first",
                     id="apply-without-audit"),
        pytest.param(["--organization", "--apply", "--audit-log", "{tmp}"],
                     "cannot open the audit log {tmp}: Is a directory", id="audit-unwritable"),
        pytest.param(["--from-findings", "{tmp}/missing.json"],
                     "cannot read {tmp}/missing.json: No such file or directory",
                     id="findings-missing"),
    ],
)
def test_bad_arguments_are_usage_errors_before_any_aws_call(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code = main(["remediate", *[arg.format(tmp=tmp_path) for arg in args]])

    assert code == 2
    assert capsys.readouterr() == ("", f"rootkeys: error: {message.format(tmp=tmp_path)}\n")


def test_debug_apply_prints_and_writes_no_root_session_secret(
    moto: MotoServer, root: RootModel, home: Path
) -> None:
    sessions = install()
    sessions.reset()
    [member] = make_organization(moto, 1)
    root.features = ["RootCredentialsManagement"]
    root.add_key(member, 1)
    audit = home / "audit.jsonl"

    done = subprocess.run(
        [shutil.which("rootkeys") or "rootkeys", "--log-level", "DEBUG", "remediate",
         "--accounts", member, "--apply", "--audit-log", str(audit)],
        env=moto.env(home), capture_output=True, text=True, timeout=120, cwd=home,
    )

    assert done.returncode == 0, done.stderr
    [(key_id, session)] = sessions.issued.items()
    secrets = [backend_secret(member, key_id), session.token]
    texts = [done.stdout, done.stderr, audit.read_text()]
    assert [s[:12] for s in secrets if any(s in text for text in texts)] == []
    assert "DEBUG botocore" in done.stderr
    sessions.reset()


def backend_secret(account: str, key_id: str) -> str:
    return str(iam_backends[account]["aws"].access_keys[key_id].secret_access_key)


def test_deactivate_help_lists_exactly_the_task_policy_actions() -> None:
    listed = DEACTIVATE_HELP.split("allows only ")[1].split(": not")[0]

    names = {name.strip().removeprefix("and ") for name in listed.split(",")}
    names = {n for part in names for n in part.split(" and ")}

    assert {f"iam:{name.removeprefix('iam:')}" for name in names} == (
        DELETE_ROOT_CREDENTIALS_ACTIONS
    )
