"""``rootkeys remediate``: the real command against a moto organization with AssumeRoot."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.support.moto_assume_root import RootSessions, install, root_key_id
from tests.support.moto_root import RootModel
from tests.support.scan_run import close_account, make_organization, run_scan
from tests.support.server import ACCOUNT, MotoServer

NOW = datetime.now(timezone.utc).replace(microsecond=0)
CALLER = f"arn:aws:sts::{ACCOUNT}:user/moto"
MANAGEMENT_SKIPPED = (
    f"{ACCOUNT}  SKIPPED      the caller's own (management) account; its root user is never "
    "acted on here"
)
PASS_NOW = (
    "    finding now: PASS  The root user has no access keys, according to the account summary."
)
REFUSED = (
    "rootkeys: error: the organization has not enabled RootCredentialsManagement (centralized "
    "root access), which rootkeys remediate needs; enable it from the management account "
    "with: aws organizations enable-aws-service-access --service-principal iam.amazonaws.com "
    "&& aws iam enable-organizations-root-credentials-management"
)


@dataclass
class Organization:
    """Four members: one idle key, two idle keys, one recently used key, no key."""

    idle: str
    two: str
    recent: str
    clean: str

    @property
    def members(self) -> list[str]:
        return sorted([self.idle, self.two, self.recent, self.clean])


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str

    def lines(self) -> list[str]:
        return self.stdout.splitlines()


@pytest.fixture
def sessions(moto: MotoServer) -> Iterator[RootSessions]:
    issued = install()
    issued.reset()
    yield issued
    issued.reset()


@pytest.fixture
def org(moto: MotoServer, root: RootModel, sessions: RootSessions) -> Organization:
    idle, two, recent, clean = make_organization(moto, 4)
    root.features = ["RootCredentialsManagement"]
    root.add_key(idle, 1)
    root.add_key(two, 1, last_used=NOW - timedelta(days=200), service="s3", region="eu-west-1")
    root.add_key(two, 2, active=False)
    root.add_key(recent, 1, last_used=NOW - timedelta(days=5), service="iam", region="us-east-1")
    return Organization(idle, two, recent, clean)


def remediate(moto: MotoServer, home: Path, *args: str) -> Done:
    command = [_rootkeys(), "remediate", *args]
    done = subprocess.run(command, env=moto.env(home), capture_output=True, text=True,
                          timeout=120, cwd=home)
    return Done(done.returncode, done.stdout, done.stderr)


def _rootkeys() -> str:
    path = shutil.which("rootkeys")
    assert path, "the rootkeys command is not installed"
    return path


def audit_lines(path: Path) -> list[dict[str, Any]]:
    """Every line parsed; ``time`` and ``run`` checked for form, then dropped."""
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    runs = {record.pop("run") for record in records}
    assert len(runs) <= 1 and all(len(run) == 32 for run in runs)
    for record in records:
        datetime.strptime(record.pop("time"), "%Y-%m-%dT%H:%M:%SZ")
    return records


def audit_record(account: str, slot: int, outcome: str, **changes: Any) -> dict[str, Any]:
    record = {
        "account": account, "key_id": root_key_id(account, slot), "status": "Active",
        "created": "2024-01-02T00:00:00Z", "last_used": None, "last_used_service": None,
        "last_used_region": None, "caller": CALLER, "action": "iam:DeleteAccessKey",
        "outcome": outcome,
    }
    record.update(changes)
    return record


def key_line(account: str, slot: int, status: str, used: str, result: str) -> str:
    return f"    {root_key_id(account, slot)}  {status}  created 2024-01-02  {used}: {result}"


def used(days: int, service: str, region: str) -> str:
    return f"last used {NOW - timedelta(days=days):%Y-%m-%d} by {service} in {region}"


def recent_kept(org: Organization) -> list[str]:
    return [
        f"{org.recent}  KEPT         1 access key kept",
        key_line(org.recent, 1, "Active", used(5, "iam", "us-east-1"),
                 "kept: last used 5 days ago, within --min-idle-days 90; --force overrides"),
    ]


def test_dry_run_changes_nothing_and_writes_no_audit(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"

    done = remediate(moto, home, "--organization", "--audit-log", str(audit))

    assert done.returncode == 3, done.stderr
    assert done.lines() == [
        MANAGEMENT_SKIPPED,
        *_dry_run_lines(org),
        "Total: 5 accounts: 1 CLEAN, 1 KEPT, 2 PLANNED, 1 SKIPPED",
        f"Caller: {CALLER}",
        "Dry run: nothing was changed. --apply --audit-log FILE acts.",
    ]
    assert done.stderr == ""
    assert not audit.exists()
    assert {a: [k.slot for k in keys] for a, keys in root.keys.items()} == {
        org.idle: [1], org.two: [1, 2], org.recent: [1],
    }
    assert root.count("delete_access_key") == 0
    assert root.count("assume_root", ACCOUNT) == 0


def _dry_run_lines(org: Organization) -> list[str]:
    lines = {
        org.idle: [f"{org.idle}  PLANNED      1 access key would be deleted",
                   key_line(org.idle, 1, "Active", "never used", "would delete")],
        org.two: [f"{org.two}  PLANNED      2 access keys would be deleted",
                  key_line(org.two, 1, "Active", used(200, "s3", "eu-west-1"), "would delete"),
                  key_line(org.two, 2, "Inactive", "never used", "would delete")],
        org.recent: recent_kept(org),
        org.clean: [f"{org.clean}  CLEAN        the root user has no access keys"],
    }
    return [line for account in org.members for line in lines[account]]


def test_apply_deletes_idle_keys_and_keeps_recent_one(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"

    done = remediate(moto, home, "--organization", "--apply", "--audit-log", str(audit))

    assert done.returncode == 3, done.stderr
    lines = {
        org.idle: [f"{org.idle}  DELETED      1 access key deleted",
                   key_line(org.idle, 1, "Active", "never used", "deleted"), PASS_NOW],
        org.two: [f"{org.two}  DELETED      2 access keys deleted",
                  key_line(org.two, 1, "Active", used(200, "s3", "eu-west-1"), "deleted"),
                  key_line(org.two, 2, "Inactive", "never used", "deleted"), PASS_NOW],
        org.recent: recent_kept(org),
        org.clean: [f"{org.clean}  CLEAN        the root user has no access keys"],
    }
    assert done.lines() == [
        MANAGEMENT_SKIPPED,
        *[line for account in org.members for line in lines[account]],
        "Total: 5 accounts: 1 CLEAN, 2 DELETED, 1 KEPT, 1 SKIPPED",
        f"Caller: {CALLER}",
        f"Audit log: {audit}",
    ]
    assert {a: [k.slot for k in keys] for a, keys in root.keys.items() if keys} == {
        org.recent: [1],
    }
    assert root.count("assume_root", ACCOUNT) == 0


def test_apply_writes_intent_then_completion_per_deleted_key(
    moto: MotoServer, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"

    remediate(moto, home, "--organization", "--apply", "--audit-log", str(audit))

    two_1 = {"last_used": f"{NOW - timedelta(days=200):%Y-%m-%dT%H:%M:%SZ}",
             "last_used_service": "s3", "last_used_region": "eu-west-1"}
    expected = {
        org.idle: [audit_record(org.idle, 1, "pending"), audit_record(org.idle, 1, "deleted")],
        org.two: [audit_record(org.two, 1, "pending", **two_1),
                  audit_record(org.two, 1, "deleted", **two_1),
                  audit_record(org.two, 2, "pending", status="Inactive"),
                  audit_record(org.two, 2, "deleted", status="Inactive")],
    }
    assert audit_lines(audit) == [r for a in sorted(expected) for r in expected[a]]


def test_force_deletes_recently_used_key(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"

    done = remediate(moto, home, "--accounts", org.recent, "--apply", "--force",
                     "--audit-log", str(audit))

    assert done.returncode == 0, done.stderr
    assert done.lines()[:3] == [
        f"{org.recent}  DELETED      1 access key deleted",
        key_line(org.recent, 1, "Active", used(5, "iam", "us-east-1"), "deleted"),
        PASS_NOW,
    ]
    assert root.keys[org.recent] == []
    assert [record["outcome"] for record in audit_lines(audit)] == ["pending", "deleted"]


def test_scan_after_apply_passes_cleaned_accounts(
    moto: MotoServer, home: Path, tmp_path: Path, org: Organization
) -> None:
    remediate(moto, home, "--organization", "--apply", "--audit-log", str(home / "audit"))

    scan = run_scan(moto.env(home), tmp_path / "out", "--organization", "-M", "json-ocsf")

    assert scan.returncode == 3, scan.stderr
    assert scan.ocsf_statuses() == {
        ACCOUNT: "PASS", org.idle: "PASS", org.two: "PASS", org.recent: "FAIL",
        org.clean: "PASS",
    }


@pytest.mark.parametrize(
    ("features", "fault", "message"),
    [
        pytest.param(["RootSessions"], None, REFUSED, id="feature-off"),
        pytest.param(["RootCredentialsManagement"], "AccessDenied",
                     "rootkeys: error: cannot tell whether the organization manages root "
                     "credentials centrally: iam:ListOrganizationsFeatures failed with "
                     "AccessDenied", id="features-unreadable"),
    ],
)
def test_organization_without_root_credentials_management_is_refused(
    moto: MotoServer, root: RootModel, home: Path, org: Organization, features: list[str],
    fault: str | None, message: str,
) -> None:
    root.features = features
    if fault:
        root.fail("list_organizations_features", fault)
    audit = home / "audit.jsonl"

    done = remediate(moto, home, "--organization", "--apply", "--audit-log", str(audit))

    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.splitlines() == [message]
    assert root.count("assume_root") == 0
    assert audit.read_text() == ""


def test_suspended_member_is_skipped(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    close_account(moto, org.idle)

    done = remediate(moto, home, "--organization")

    assert f"{org.idle}  SKIPPED      the account is SUSPENDED" in done.lines()
    assert len([line for line in done.lines() if line.startswith(org.idle)]) == 1
    assert root.count("assume_root", org.idle) == 0


def test_management_account_is_never_touched(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    root.add_key(ACCOUNT, 1)

    done = remediate(moto, home, "--accounts", ACCOUNT, org.idle, "--apply", "--force",
                     "--audit-log", str(home / "audit.jsonl"))

    assert done.returncode == 1, done.stderr
    lines = [line for line in done.lines() if line[:12].isdigit()]
    assert sorted(lines) == sorted([
        f"{ACCOUNT}  ERROR        refused: the caller's own (management) account; its root "
        "user is never acted on here",
        f"{org.idle}  DELETED      1 access key deleted",
    ])
    assert [key.slot for key in root.keys[ACCOUNT]] == [1]
    assert root.count("assume_root", ACCOUNT) == 0


def test_assume_root_denied_for_one_account_spares_the_others(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    root.fail("assume_root", "AccessDenied", account=org.two)

    done = remediate(moto, home, "--accounts", org.idle, org.two, "--apply",
                     "--audit-log", str(home / "audit.jsonl"))

    assert done.returncode == 1, done.stderr
    lines = [line for line in done.lines() if line[:12].isdigit()]
    assert sorted(lines) == sorted([
        f"{org.idle}  DELETED      1 access key deleted",
        f"{org.two}  ERROR        sts:AssumeRoot failed with AccessDenied",
    ])
    assert done.stderr.splitlines() == [
        f"ERROR rootkeys.remediate: account {org.two}: sts:AssumeRoot failed: AccessDenied"
    ]
    assert [key.slot for key in root.keys[org.two]] == [1, 2]


def test_from_findings_takes_exactly_the_failing_unmuted_accounts(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path, org: Organization
) -> None:
    mutelist = tmp_path / "mutelist.yaml"
    mutelist.write_text(
        f'Mutelist:\n  Accounts:\n    "{org.recent}":\n      Checks:\n'
        '        "iam_root_access_key_absent":\n          Regions: ["*"]\n'
        '          Resources: ["*"]\n'
    )
    scan = run_scan(moto.env(home), tmp_path / "out", "--organization", "-M", "json-ocsf",
                    "--mutelist-file", str(mutelist))

    done = remediate(moto, home, "--from-findings", str(scan.path("json-ocsf")))

    assert done.returncode == 3, done.stderr
    assert [line[:23] for line in done.lines() if line[:12].isdigit()] == [
        f"{org.recent}  SKIPPED  ",
        *sorted(f"{account}  PLANNED  " for account in (org.idle, org.two)),
    ]
    assert done.lines()[0] == f"{org.recent}  SKIPPED      its FAIL finding is muted"
    calls = {account: root.count("assume_root", account) for account in org.members}
    assert calls == {org.idle: 1, org.two: 1, org.recent: 0, org.clean: 0}


def test_deactivate_only_is_refused_by_aws_task_policy_and_deletes_nothing(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"

    done = remediate(moto, home, "--accounts", org.idle, "--apply", "--deactivate-only",
                     "--audit-log", str(audit))

    assert done.returncode == 3, done.stderr
    assert done.lines()[:3] == [
        f"{org.idle}  KEPT         1 access key failed",
        key_line(org.idle, 1, "Active", "never used", "failed: AccessDenied"),
        "    finding now: FAIL  The root user has 1 access key: key 1 is active, last rotated "
        "2024-01-02, no recorded use.",
    ]
    assert [(k.slot, k.active) for k in root.keys[org.idle]] == [(1, True)]
    assert audit_lines(audit) == [
        audit_record(org.idle, 1, outcome, action="iam:UpdateAccessKey")
        for outcome in ("pending", "failed: AccessDenied")
    ]


def test_deactivate_only_deactivates_where_the_session_allows_it(
    moto: MotoServer, root: RootModel, home: Path, org: Organization, sessions: RootSessions
) -> None:
    sessions.allow("IAMDeleteRootUserCredentials", "iam:UpdateAccessKey")

    done = remediate(moto, home, "--accounts", org.two, "--apply", "--deactivate-only",
                     "--audit-log", str(home / "audit.jsonl"))

    assert done.returncode == 3, done.stderr
    assert done.lines()[:3] == [
        f"{org.two}  KEPT         1 access key deactivated, 1 access key kept",
        key_line(org.two, 1, "Active", used(200, "s3", "eu-west-1"), "deactivated"),
        key_line(org.two, 2, "Inactive", "never used", "kept: already inactive"),
    ]
    assert [(k.slot, k.active) for k in root.keys[org.two]] == [(1, False), (2, False)]


@pytest.mark.parametrize(
    ("action", "code", "result"),
    [
        pytest.param("delete_access_key", "AccessDenied", "failed: AccessDenied",
                     id="delete-denied"),
        pytest.param("get_access_key_last_used", "AccessDenied",
                     "kept: its last use is unknown (iam:GetAccessKeyLastUsed failed with "
                     "AccessDenied); --force overrides", id="last-use-unreadable"),
    ],
)
def test_failing_root_session_call_keeps_the_key(
    moto: MotoServer, root: RootModel, home: Path, org: Organization, action: str, code: str,
    result: str,
) -> None:
    root.fail(action, code, account=org.idle)

    done = remediate(moto, home, "--accounts", org.idle, "--apply",
                     "--audit-log", str(home / "audit.jsonl"))

    assert done.returncode == 3, done.stderr
    assert done.lines()[1].endswith(f": {result}")
    assert [key.slot for key in root.keys[org.idle]] == [1]


def test_listing_refused_gives_error_line(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    root.fail("list_access_keys", "AccessDenied", account=org.idle)

    done = remediate(moto, home, "--accounts", org.idle)

    assert done.returncode == 1, done.stderr
    assert done.lines()[0] == (
        f"{org.idle}  ERROR        iam:ListAccessKeys failed with AccessDenied"
    )


def test_interrupt_between_accounts_leaves_consistent_audit(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"
    first, second = sorted([org.idle, org.recent])
    # The second account's AssumeRoot is still under way when the first one is done.
    root.delay("assume_root", 1.5)
    process = _start(moto, home, "--accounts", first, second, "--apply", "--force",
                     "--audit-log", str(audit))

    _wait_for_lines(audit, 2, process)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    assert [line for line in stdout.splitlines() if line[:12].isdigit()] == [
        f"{first}  DELETED      1 access key deleted",
        f"{second}  ERROR        not handled: interrupted",
    ]
    records = audit_lines(audit)
    assert [(r["account"], r["outcome"]) for r in records] == [
        (first, "pending"), (first, "deleted"),
    ]
    assert [key.slot for key in root.keys[second]] == [1]


def test_second_interrupt_during_delete_leaves_pending_intent(
    moto: MotoServer, root: RootModel, home: Path, org: Organization
) -> None:
    audit = home / "audit.jsonl"
    root.delay("delete_access_key", 3.0)
    process = _start(moto, home, "--accounts", org.idle, org.two, "--apply",
                     "--audit-log", str(audit))

    _wait_for_lines(audit, 1, process)
    process.send_signal(signal.SIGINT)
    time.sleep(0.3)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)

    assert process.returncode == 130, stderr
    [record] = audit_lines(audit)
    assert record["outcome"] == "pending"
    lines = {line[:12]: line for line in stdout.splitlines() if line[:12].isdigit()}
    assert lines[record["account"]] == (
        f"{record['account']}  ERROR        interrupted while being handled; a key with only "
        "a 'pending' line in the audit log may or may not be deleted"
    )
    assert len(lines) == 2
    # The request already sent still deletes the key: "pending" means "not known".
    account = record["account"]
    assert record["key_id"] == root_key_id(account, 1)
    _wait_for(lambda: 1 not in [key.slot for key in root.keys[account]])


def _start(moto: MotoServer, home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([_rootkeys(), "remediate", *args], env=moto.env(home), cwd=home,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_lines(path: Path, count: int, process: subprocess.Popen[str]) -> None:
    """Poll the audit log until it has ``count`` lines; bounded by 30 s."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and process.poll() is None:
        if path.exists() and len(path.read_text("utf-8").splitlines()) >= count:
            return
        time.sleep(0.02)
    process.kill()
    pytest.fail(f"{path} did not reach {count} lines; exit code {process.poll()}")


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 10
    while not condition():
        assert time.monotonic() < deadline, "the condition did not come true within 10 s"
        time.sleep(0.05)
