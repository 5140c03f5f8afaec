"""Faults injected at the AWS API (moto server), read by rootkeys in this process.

Each test names the fault of issue 4 it covers and asserts the exact finding. Clients
are built as a scan builds them: botocore's standard retry mode, short timeouts. The
credential report wait is half a second, so every bound ends fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from rootkeys.aws import ReportWait, evaluate_account, read_evidence, read_report
from rootkeys.decision import Status
from rootkeys.evidence import Failure
from rootkeys.results import AccountResult
from tests.support.moto_root import RootModel
from tests.support.server import ACCOUNT, MotoServer, free_port

WAIT = ReportWait(timeout=0.5, first_pause=0.05, max_pause=0.2)
# Generous: this checks that the wait is bounded, it is not a benchmark.
SLACK = 3.0
COULD_NOT = "Could not evaluate the root user's access keys: "
NO_KEYS_BY_SUMMARY = "The root user has no access keys, according to the account summary."
KEY_1 = "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, no recorded use"
SUMMARY_DENIED = "iam:GetAccountSummary failed with AccessDenied"


def iam(
    url: str,
    key: str = "testing",
    secret: str = "testing",
    token: str | None = None,
    attempts: int = 3,
    read_timeout: float = 5.0,
) -> Any:
    """An IAM client as a scan builds one; ``attempts`` counts the first call too."""
    config = Config(
        retries={"mode": "standard", "total_max_attempts": attempts},
        connect_timeout=1,
        read_timeout=read_timeout,
    )
    return boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        aws_session_token=token,
        config=config,
    )


def evaluate(client: Any, account: str = ACCOUNT) -> AccountResult:
    return evaluate_account(client, account, "aws", wait=WAIT)


def report_of(root: RootModel, account: str = ACCOUNT) -> str:
    generated = root.snapshots[account].generated
    return f"the credential report of {generated:%Y-%m-%d %H:%M} UTC"


def refuse(root: RootModel, *actions: str, code: str = "AccessDenied") -> None:
    for action in actions:
        root.fail(action, code)


@pytest.fixture
def client(moto: MotoServer) -> Any:
    return iam(moto.url)


@pytest.fixture
def delays_drained(root: RootModel) -> Iterator[None]:
    """Let delayed calls still sleeping in the server finish before the next test's reset."""
    yield
    time.sleep(max(root.delays.values(), default=0))


# -- 1. access denied -----------------------------------------------------------------

DENIED = [
    pytest.param(
        ["iam:GenerateCredentialReport"],
        True,
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GenerateCredentialReport failed with AccessDenied "
        "(then iam:GetCredentialReport failed with ReportNotPresent).",
        id="generate-denied-key",
    ),
    pytest.param(
        ["iam:GetCredentialReport"],
        True,
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GetCredentialReport failed with AccessDenied.",
        id="get-denied-key",
    ),
    pytest.param(
        ["iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        False,
        Status.PASS,
        NO_KEYS_BY_SUMMARY,
        id="report-denied-no-key",
    ),
    pytest.param(
        ["iam:GetAccountSummary"],
        True,
        Status.FAIL,
        f"{KEY_1}; decided from {{report}} because {SUMMARY_DENIED}.",
        id="summary-denied-key",
    ),
    pytest.param(
        ["iam:GetAccountSummary"],
        False,
        Status.PASS,
        "The root user has no access keys, according to {report}; the account summary was "
        f"not used because {SUMMARY_DENIED}.",
        id="summary-denied-no-key",
    ),
    pytest.param(
        ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        True,
        Status.MANUAL,
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GenerateCredentialReport failed with AccessDenied"
        " (then iam:GetCredentialReport failed with AccessDenied).",
        id="all-denied-key",
    ),
    pytest.param(
        ["iam:GetAccountSummary", "iam:GenerateCredentialReport", "iam:GetCredentialReport"],
        False,
        Status.MANUAL,
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GenerateCredentialReport failed with AccessDenied"
        " (then iam:GetCredentialReport failed with AccessDenied).",
        id="all-denied-no-key",
    ),
    pytest.param(
        ["iam:GetAccountSummary", "iam:GetCredentialReport"],
        False,
        Status.MANUAL,
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GetCredentialReport failed with AccessDenied.",
        id="summary-and-get-denied",
    ),
]


@pytest.mark.parametrize(("denied", "has_key", "status", "sentence"), DENIED)
def test_policy_denied_actions_give_exact_finding(
    moto: MotoServer,
    root: RootModel,
    denied: list[str],
    has_key: bool,
    status: Status,
    sentence: str,
) -> None:
    if has_key:
        root.add_key(ACCOUNT, 1, active=True)
    key, secret = moto.user_denied(denied)

    result = evaluate(iam(moto.url, key, secret))

    expected = sentence.format(report=report_of(root)) if "{report}" in sentence else sentence
    assert (result.verdict.status, result.verdict.status_extended) == (status, expected)


@pytest.mark.parametrize(("denied", "has_key", "status", "sentence"), DENIED)
def test_injected_access_denied_gives_the_same_finding(
    client: Any,
    root: RootModel,
    denied: list[str],
    has_key: bool,
    status: Status,
    sentence: str,
) -> None:
    if has_key:
        root.add_key(ACCOUNT, 1, active=True)
    snake = {
        "iam:GetAccountSummary": "get_account_summary",
        "iam:GenerateCredentialReport": "generate_credential_report",
        "iam:GetCredentialReport": "get_credential_report",
    }
    refuse(root, *(snake[action] for action in denied))

    result = evaluate(client)

    expected = sentence.format(report=report_of(root)) if "{report}" in sentence else sentence
    assert (result.verdict.status, result.verdict.status_extended) == (status, expected)


def test_generate_denied_with_earlier_report_reads_its_details(
    moto: MotoServer, root: RootModel
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    admin = moto.client("iam")
    admin.generate_credential_report()
    admin.get_credential_report()
    key, secret = moto.user_denied(["iam:GenerateCredentialReport"])

    result = evaluate(iam(moto.url, key, secret))

    assert result.verdict.status == Status.FAIL
    assert result.verdict.status_extended == f"{KEY_1}."


# -- 2. report not ready --------------------------------------------------------------


def test_report_in_progress_three_times_then_ready_is_decided(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("get_credential_report", "ReportInProgress", 3)

    result = evaluate(client)

    assert result.verdict.status_extended == f"{KEY_1}."
    assert root.count("get_credential_report") == 4
    assert root.count("generate_credential_report") == 1


def test_report_never_ready_gives_manual_within_the_bound(client: Any, root: RootModel) -> None:
    refuse(root, "get_account_summary")
    root.fail("get_credential_report", "ReportInProgress")

    started = time.monotonic()
    result = evaluate(client)
    elapsed = time.monotonic() - started

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GetCredentialReport failed with "
        "ReportInProgress (not ready after 0.5 s)."
    )
    assert WAIT.timeout <= elapsed <= WAIT.timeout + SLACK
    assert root.count("get_credential_report") >= 2


def test_report_never_ready_with_summary_key_fails(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("get_credential_report", "ReportInProgress")

    result = evaluate(client)

    assert result.verdict.status == Status.FAIL
    assert result.verdict.status_extended == (
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GetCredentialReport failed with "
        "ReportInProgress (not ready after 0.5 s)."
    )


def test_report_wait_pauses_grow_and_stay_inside_the_bound(client: Any, root: RootModel) -> None:
    root.fail("get_credential_report", "ReportInProgress")
    wait = ReportWait(timeout=1.5, first_pause=0.05, max_pause=0.2)
    pauses: list[float] = []

    def sleep(seconds: float) -> None:
        pauses.append(seconds)
        time.sleep(seconds)

    report, failure = read_report(client, ACCOUNT, wait, sleep)

    assert report is None
    assert failure == Failure(
        "iam:GetCredentialReport", "ReportInProgress", "not ready after 1.5 s"
    )
    # The pauses double up to the largest; the last may be cut short by the bound.
    assert pauses[:4] == [0.05, 0.1, 0.2, 0.2]
    assert max(pauses) == wait.max_pause
    assert sum(pauses) <= wait.timeout + 1e-6


# -- 3. report missing or expired -----------------------------------------------------


@pytest.mark.parametrize("code", ["ReportNotPresent", "ReportExpired"])
def test_missing_or_expired_report_is_generated_then_read(
    client: Any, root: RootModel, code: str
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("get_credential_report", code, 1)

    result = evaluate(client)

    assert result.verdict.status_extended == f"{KEY_1}."
    assert root.count("generate_credential_report") == 2
    assert root.count("get_credential_report") == 2


def test_report_never_present_gives_manual_within_the_bound(client: Any, root: RootModel) -> None:
    refuse(root, "get_account_summary")
    root.fail("get_credential_report", "ReportExpired")

    started = time.monotonic()
    result = evaluate(client)
    elapsed = time.monotonic() - started

    assert result.verdict.status_extended == (
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GetCredentialReport failed with "
        "ReportExpired (not ready after 0.5 s)."
    )
    assert elapsed <= WAIT.timeout + SLACK


# -- 4. throttling, capacity, 5xx, connection errors, read timeouts -------------------


def test_limit_exceeded_on_generate_waits_then_reads(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("generate_credential_report", "LimitExceeded", 1)

    result = evaluate(client)

    assert result.verdict.status_extended == f"{KEY_1}."
    assert root.count("generate_credential_report") == 2
    assert root.count("get_credential_report") == 2


def test_limit_exceeded_with_earlier_report_reads_it_at_once(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    client.generate_credential_report()
    client.get_credential_report()
    root.fail("generate_credential_report", "LimitExceeded")

    result = evaluate(client)

    assert result.verdict.status_extended == f"{KEY_1}."
    assert root.count("generate_credential_report") == 2
    assert root.count("get_credential_report") == 2


def test_limit_exceeded_forever_gives_manual_within_the_bound(client: Any, root: RootModel) -> None:
    refuse(root, "get_account_summary")
    root.fail("generate_credential_report", "LimitExceeded")

    started = time.monotonic()
    result = evaluate(client)
    elapsed = time.monotonic() - started

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}{SUMMARY_DENIED} and iam:GenerateCredentialReport failed with "
        "LimitExceeded (not ready after 0.5 s)."
    )
    assert elapsed <= WAIT.timeout + SLACK


@pytest.mark.parametrize(
    ("action", "code"),
    [
        ("get_account_summary", "Throttling"),
        ("get_account_summary", "ServiceFailure"),
        ("generate_credential_report", "Throttling"),
        ("generate_credential_report", "ServiceFailure"),
        ("get_credential_report", "Throttling"),
        ("get_credential_report", "ServiceFailure"),
    ],
)
def test_retryable_error_once_is_retried_by_botocore(
    moto: MotoServer, root: RootModel, action: str, code: str
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail(action, code, 1)

    result = evaluate(iam(moto.url, attempts=2))

    assert result.verdict.status_extended == f"{KEY_1}."
    assert root.count(action) == 2


@pytest.mark.parametrize("code", ["Throttling", "ServiceFailure"])
def test_summary_retries_spent_falls_back_to_the_report(
    moto: MotoServer, root: RootModel, code: str
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("get_account_summary", code)

    result = evaluate(iam(moto.url, attempts=2))

    assert result.verdict.status_extended == (
        f"{KEY_1}; decided from {report_of(root)} because iam:GetAccountSummary failed with {code}."
    )
    assert root.count("get_account_summary") == 2


@pytest.mark.parametrize("code", ["Throttling", "ServiceFailure"])
def test_report_retries_spent_falls_back_to_the_summary(
    moto: MotoServer, root: RootModel, code: str
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.fail("get_credential_report", code)

    result = evaluate(iam(moto.url, attempts=2))

    assert result.verdict.status == Status.FAIL
    assert result.verdict.status_extended == (
        "The root user has at least one access key, according to the account summary; "
        f"its details are unknown because iam:GetCredentialReport failed with {code}."
    )
    assert root.count("get_credential_report") == 2


def test_everything_throttled_gives_manual(moto: MotoServer, root: RootModel) -> None:
    refuse(root, "get_account_summary", "generate_credential_report", code="Throttling")
    refuse(root, "get_credential_report", code="Throttling")

    result = evaluate(iam(moto.url, attempts=2))

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}iam:GetAccountSummary failed with Throttling and "
        "iam:GenerateCredentialReport failed with Throttling "
        "(then iam:GetCredentialReport failed with Throttling)."
    )


def test_connection_refused_gives_manual_naming_the_error_class() -> None:
    closed = f"http://127.0.0.1:{free_port()}"

    started = time.monotonic()
    result = evaluate(iam(closed, attempts=1))
    elapsed = time.monotonic() - started

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}iam:GetAccountSummary failed with EndpointConnectionError and "
        "iam:GenerateCredentialReport failed with EndpointConnectionError "
        "(then iam:GetCredentialReport failed with EndpointConnectionError)."
    )
    assert elapsed <= SLACK


@pytest.mark.usefixtures("delays_drained")
def test_read_timeouts_everywhere_give_manual_naming_the_error_class(
    moto: MotoServer, root: RootModel
) -> None:
    for action in ("get_account_summary", "generate_credential_report", "get_credential_report"):
        root.delay(action, 0.6)

    started = time.monotonic()
    result = evaluate(iam(moto.url, attempts=2, read_timeout=0.2))
    elapsed = time.monotonic() - started

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}iam:GetAccountSummary failed with ReadTimeoutError and "
        "iam:GenerateCredentialReport failed with ReadTimeoutError "
        "(then iam:GetCredentialReport failed with ReadTimeoutError)."
    )
    assert elapsed <= 6 * 0.2 + SLACK


@pytest.mark.usefixtures("delays_drained")
def test_summary_read_timeout_falls_back_to_the_report(moto: MotoServer, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.delay("get_account_summary", 0.6)

    result = evaluate(iam(moto.url, attempts=2, read_timeout=0.2))

    assert result.verdict.status_extended == (
        f"{KEY_1}; decided from {report_of(root)} because "
        "iam:GetAccountSummary failed with ReadTimeoutError."
    )


# -- 5, 6. no root row, summary without the field -------------------------------------


def test_no_root_row_with_summary_key_fails(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.no_root_row.add(ACCOUNT)

    result = evaluate(client)

    assert result.verdict.status == Status.FAIL
    assert result.verdict.status_extended == (
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because the credential report has no <root_account> row."
    )


def test_no_root_row_with_summary_zero_passes(client: Any, root: RootModel) -> None:
    root.no_root_row.add(ACCOUNT)

    result = evaluate(client)

    assert result.verdict.status_extended == NO_KEYS_BY_SUMMARY


def test_no_root_row_without_summary_gives_manual(client: Any, root: RootModel) -> None:
    root.no_root_row.add(ACCOUNT)
    root.no_summary_field.add(ACCOUNT)

    result = evaluate(client)

    assert result.verdict.status == Status.MANUAL
    assert result.verdict.status_extended == (
        f"{COULD_NOT}iam:GetAccountSummary failed with MissingValue (no "
        "AccountAccessKeysPresent in the answer) and the credential report has no "
        "<root_account> row."
    )


def test_summary_without_field_is_unknown_not_zero(client: Any, root: RootModel) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    root.no_summary_field.add(ACCOUNT)

    evidence = read_evidence(client, ACCOUNT, "aws", WAIT)
    result = evaluate(client)

    assert evidence.keys_present is None
    assert evidence.summary_failure == Failure(
        "iam:GetAccountSummary", "MissingValue", "no AccountAccessKeysPresent in the answer"
    )
    assert result.verdict.status_extended == (
        f"{KEY_1}; decided from {report_of(root)} because iam:GetAccountSummary failed "
        "with MissingValue (no AccountAccessKeysPresent in the answer)."
    )


# -- 8. stale report ------------------------------------------------------------------


def test_key_created_after_the_report_fails_saying_so(client: Any, root: RootModel) -> None:
    client.generate_credential_report()
    client.get_credential_report()
    root.add_key(ACCOUNT, 1, active=True)

    result = evaluate(client)

    assert result.verdict.status == Status.FAIL
    assert result.verdict.status_extended == (
        f"The root user has an access key that {report_of(root)} does not show, "
        "so it was created after that report."
    )


def test_key_deleted_after_the_report_passes_naming_the_report(
    client: Any, root: RootModel
) -> None:
    root.add_key(ACCOUNT, 1, active=True)
    client.generate_credential_report()
    client.get_credential_report()
    root.delete_keys(ACCOUNT)

    result = evaluate(client)

    assert result.verdict.status == Status.PASS
    assert result.verdict.status_extended == (
        "The root user has no access keys, according to the account summary; "
        f"{report_of(root)} still lists 1 access key because it was generated before the "
        "deletion."
    )


# -- 9. many accounts -----------------------------------------------------------------

ACCOUNTS = ("111111111111", "222222222222", "333333333333", "444444444444")
BROKEN = "333333333333"


def assumed(moto: MotoServer, account: str, **options: Any) -> Any:
    """An IAM client for ``account``: moto picks the account from the assumed role's key."""
    sts = moto.client("sts")
    role = f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="rootkeys")["Credentials"]
    url = options.pop("url", moto.url)
    return iam(
        url, creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"], **options
    )


def break_denied(moto: MotoServer, root: RootModel) -> Any:
    for action in ("get_account_summary", "generate_credential_report", "get_credential_report"):
        root.fail(action, "AccessDenied", account=BROKEN)
    return assumed(moto, BROKEN)


def break_throttled(moto: MotoServer, root: RootModel) -> Any:
    for action in ("get_account_summary", "generate_credential_report", "get_credential_report"):
        root.fail(action, "Throttling", account=BROKEN)
    return assumed(moto, BROKEN, attempts=2)


def break_unreachable(moto: MotoServer, root: RootModel) -> Any:
    return assumed(moto, BROKEN, url=f"http://127.0.0.1:{free_port()}", attempts=1)


@pytest.mark.parametrize(
    ("breaker", "code"),
    [
        pytest.param(break_denied, "AccessDenied", id="denied"),
        pytest.param(break_throttled, "Throttling", id="throttled"),
        pytest.param(break_unreachable, "EndpointConnectionError", id="unreachable"),
    ],
)
def test_one_broken_account_costs_only_its_own_finding(
    moto: MotoServer, root: RootModel, breaker: Any, code: str
) -> None:
    root.add_key("111111111111", 1, active=True)
    root.add_key(BROKEN, 1, active=True)
    clients = {account: assumed(moto, account) for account in ACCOUNTS if account != BROKEN}
    clients[BROKEN] = breaker(moto, root)

    results = [evaluate(clients[account], account) for account in ACCOUNTS]

    assert [(r.account_id, r.verdict.status) for r in results] == [
        ("111111111111", Status.FAIL),
        ("222222222222", Status.PASS),
        (BROKEN, Status.MANUAL),
        ("444444444444", Status.PASS),
    ]
    assert results[2].verdict.status_extended == (
        f"{COULD_NOT}iam:GetAccountSummary failed with {code} and "
        f"iam:GenerateCredentialReport failed with {code} "
        f"(then iam:GetCredentialReport failed with {code})."
    )
    assert [r.resource_arn for r in results] == [f"arn:aws:iam::{a}:root" for a in ACCOUNTS]
    assert results[0].verdict.status_extended == f"{KEY_1}."
