"""Every row of the README's decision table, and the inactive-keys option, word for word."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rootkeys.decision import Options, Status, decide
from rootkeys.evidence import NOT_GIVEN, Evidence, Failure, KeySlot, Report, RootRow

GENERATED = datetime(2026, 12, 4, 6, 0, tzinfo=timezone.utc)
REPORT_OF = "the credential report of 2026-12-04 06:00 UTC"

ACTIVE = KeySlot(
    slot=1,
    active=True,
    last_rotated=datetime(2021, 6, 1, 10, 0, tzinfo=timezone.utc),
    last_used=datetime(2026, 11, 28, 17, 45, tzinfo=timezone.utc),
    last_used_service="s3",
    last_used_region="us-east-1",
)
INACTIVE = KeySlot(
    slot=2, active=False, last_rotated=datetime(2020, 2, 10, 12, 30, tzinfo=timezone.utc)
)
ACTIVE_TEXT = "key 1 is active, last rotated 2021-06-01, last used 2026-11-28 by s3 in us-east-1"
INACTIVE_TEXT = "key 2 is inactive, last rotated 2020-02-10, no recorded use"

SUMMARY_DENIED = Failure("iam:GetAccountSummary", "AccessDenied")
SUMMARY_MISSING = Failure(
    "iam:GetAccountSummary", "MissingValue", "no AccountAccessKeysPresent in the answer"
)
REPORT_DENIED = Failure("iam:GetCredentialReport", "AccessDenied")
GENERATE_DENIED = Failure("iam:GenerateCredentialReport", "AccessDenied")


def report(*keys: KeySlot, generated: datetime | None = GENERATED) -> Report:
    return Report(generated=generated, root=RootRow(keys=keys))


NO_ROOT_ROW = Report(generated=GENERATED, root=None)


def evidence(
    keys_present: int | None,
    report: Report | None,
    summary_failure: Failure | None = None,
    report_failure: Failure | None = None,
    read_at: datetime | None = None,
) -> Evidence:
    return Evidence(
        account_id="111122223333",
        keys_present=keys_present,
        summary_failure=summary_failure,
        report=report,
        report_failure=report_failure,
        read_at=read_at,
    )


TABLE = [
    pytest.param(
        evidence(0, report()),
        Status.PASS,
        "The root user has no access keys, according to the account summary.",
        id="summary-0-report-no-keys",
    ),
    pytest.param(
        evidence(0, None, report_failure=REPORT_DENIED),
        Status.PASS,
        "The root user has no access keys, according to the account summary.",
        id="summary-0-report-unreadable",
    ),
    pytest.param(
        evidence(0, NO_ROOT_ROW),
        Status.PASS,
        "The root user has no access keys, according to the account summary.",
        id="summary-0-no-root-row",
    ),
    pytest.param(
        evidence(0, report(ACTIVE, INACTIVE)),
        Status.PASS,
        "The root user has no access keys, according to the account summary; "
        f"{REPORT_OF} still lists 2 access keys because it was generated before the deletion.",
        id="summary-0-report-lists-keys",
    ),
    pytest.param(
        evidence(0, report(INACTIVE, generated=None)),
        Status.PASS,
        "The root user has no access keys, according to the account summary; "
        "the credential report (generation time unknown) still lists 1 access key because "
        "it was generated before the deletion.",
        id="summary-0-report-lists-key-time-unknown",
    ),
    pytest.param(
        evidence(1, report(ACTIVE, INACTIVE)),
        Status.FAIL,
        f"The root user has 2 access keys: {ACTIVE_TEXT}; {INACTIVE_TEXT}.",
        id="summary-1-report-lists-keys",
    ),
    pytest.param(
        evidence(1, report(INACTIVE)),
        Status.FAIL,
        f"The root user has 1 access key: {INACTIVE_TEXT}.",
        id="summary-1-report-lists-inactive-key",
    ),
    pytest.param(
        evidence(1, report()),
        Status.FAIL,
        f"The root user has an access key that {REPORT_OF} does not show, "
        "so it was created after that report.",
        id="summary-1-root-row-without-keys",
    ),
    pytest.param(
        evidence(1, None, report_failure=REPORT_DENIED),
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GetCredentialReport failed with AccessDenied.",
        id="summary-1-report-unreadable",
    ),
    pytest.param(
        evidence(1, NO_ROOT_ROW),
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because the credential report has no <root_account> row.",
        id="summary-1-no-root-row",
    ),
    pytest.param(
        evidence(None, report(ACTIVE), summary_failure=SUMMARY_DENIED),
        Status.FAIL,
        f"The root user has 1 access key: {ACTIVE_TEXT}; decided from {REPORT_OF} because "
        "iam:GetAccountSummary failed with AccessDenied.",
        id="summary-denied-report-lists-active-key",
    ),
    pytest.param(
        evidence(None, report(INACTIVE), summary_failure=SUMMARY_MISSING),
        Status.FAIL,
        f"The root user has 1 access key: {INACTIVE_TEXT}; decided from {REPORT_OF} because "
        "iam:GetAccountSummary failed with MissingValue "
        "(no AccountAccessKeysPresent in the answer).",
        id="summary-missing-report-lists-inactive-key",
    ),
    pytest.param(
        evidence(None, report(), summary_failure=SUMMARY_DENIED),
        Status.PASS,
        f"The root user has no access keys, according to {REPORT_OF}; the account summary "
        "was not used because iam:GetAccountSummary failed with AccessDenied.",
        id="summary-denied-root-row-without-keys",
    ),
    pytest.param(
        evidence(None, report(), summary_failure=Failure("account summary file", NOT_GIVEN)),
        Status.PASS,
        f"The root user has no access keys, according to {REPORT_OF}; the account summary "
        "was not used because no account summary file was given.",
        id="summary-not-given-root-row-without-keys",
    ),
    pytest.param(
        evidence(None, None, summary_failure=SUMMARY_DENIED, report_failure=GENERATE_DENIED),
        Status.MANUAL,
        "Could not evaluate the root user's access keys: iam:GetAccountSummary failed with "
        "AccessDenied and iam:GenerateCredentialReport failed with AccessDenied.",
        id="summary-denied-report-unreadable",
    ),
    pytest.param(
        evidence(None, NO_ROOT_ROW, summary_failure=SUMMARY_MISSING),
        Status.MANUAL,
        "Could not evaluate the root user's access keys: iam:GetAccountSummary failed with "
        "MissingValue (no AccountAccessKeysPresent in the answer) and the credential report "
        "has no <root_account> row.",
        id="summary-missing-no-root-row",
    ),
]


@pytest.mark.parametrize(("given", "status", "sentence"), TABLE)
def test_decision_table_row_gives_exact_finding(
    given: Evidence, status: Status, sentence: str
) -> None:
    verdict = decide(given)

    assert verdict.status == status
    assert verdict.status_extended == sentence


INACTIVE_OPTION = [
    pytest.param(
        evidence(1, report(INACTIVE)),
        Status.PASS,
        f"The root user has 1 access key, all inactive, which this scan's configuration "
        f"accepts: {INACTIVE_TEXT}.",
        id="summary-1-all-inactive-passes",
    ),
    pytest.param(
        evidence(None, report(INACTIVE), summary_failure=SUMMARY_DENIED),
        Status.PASS,
        f"The root user has 1 access key, all inactive, which this scan's configuration "
        f"accepts: {INACTIVE_TEXT}; decided from {REPORT_OF} because "
        "iam:GetAccountSummary failed with AccessDenied.",
        id="summary-denied-all-inactive-passes",
    ),
    pytest.param(
        evidence(1, report(ACTIVE, INACTIVE)),
        Status.FAIL,
        f"The root user has 2 access keys: {ACTIVE_TEXT}; {INACTIVE_TEXT}.",
        id="one-active-still-fails",
    ),
    pytest.param(
        evidence(1, report()),
        Status.FAIL,
        f"The root user has an access key that {REPORT_OF} does not show, "
        "so it was created after that report.",
        id="key-of-unknown-state-after-report-still-fails",
    ),
    pytest.param(
        evidence(1, None, report_failure=REPORT_DENIED),
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        "its details are unknown because iam:GetCredentialReport failed with AccessDenied.",
        id="key-of-unknown-state-report-unreadable-still-fails",
    ),
    pytest.param(
        evidence(None, None, summary_failure=SUMMARY_DENIED, report_failure=REPORT_DENIED),
        Status.MANUAL,
        "Could not evaluate the root user's access keys: iam:GetAccountSummary failed with "
        "AccessDenied and iam:GetCredentialReport failed with AccessDenied.",
        id="nothing-readable-still-manual",
    ),
    pytest.param(
        evidence(1, report(INACTIVE), read_at=GENERATED + timedelta(minutes=15)),
        Status.PASS,
        f"The root user has 1 access key, all inactive, which this scan's configuration "
        f"accepts: {INACTIVE_TEXT}.",
        id="live-read-of-15-minute-old-report-passes",
    ),
    pytest.param(
        evidence(1, report(INACTIVE), read_at=GENERATED + timedelta(minutes=16)),
        Status.FAIL,
        f"The root user has 1 access key, all inactive in {REPORT_OF}, older than 15 "
        "minutes at this check, so a key created or activated since cannot be ruled out: "
        f"{INACTIVE_TEXT}.",
        id="live-read-of-older-report-fails",
    ),
    pytest.param(
        evidence(1, report(INACTIVE, generated=None), read_at=GENERATED),
        Status.FAIL,
        "The root user has 1 access key, all inactive in the credential report (generation "
        "time unknown), whose age at this check is unknown, so a key created or activated "
        f"since cannot be ruled out: {INACTIVE_TEXT}.",
        id="live-read-of-report-of-unknown-time-fails",
    ),
]


@pytest.mark.parametrize(("given", "status", "sentence"), INACTIVE_OPTION)
def test_inactive_keys_pass_option_gives_exact_finding(
    given: Evidence, status: Status, sentence: str
) -> None:
    verdict = decide(given, Options(inactive_keys_pass=True))

    assert verdict.status == status
    assert verdict.status_extended == sentence


def test_inactive_key_by_default_fails() -> None:
    verdict = decide(evidence(1, report(INACTIVE)))

    assert verdict.status == Status.FAIL
    assert verdict.status_extended == f"The root user has 1 access key: {INACTIVE_TEXT}."


def test_found_keys_are_carried_on_the_verdict() -> None:
    verdict = decide(evidence(1, report(ACTIVE, INACTIVE)))

    assert verdict.keys == (ACTIVE, INACTIVE)


def test_key_without_dates_describes_no_recorded_use() -> None:
    bare = KeySlot(slot=1, active=True)

    verdict = decide(evidence(1, report(bare)))

    assert verdict.status_extended == (
        "The root user has 1 access key: key 1 is active, no recorded use."
    )
