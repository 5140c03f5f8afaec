"""Read the evidence from AWS: the account summary and the credential report.

Only these calls are made, once each per account (plus the report poll):
``iam:GetAccountSummary``, ``iam:GenerateCredentialReport``, ``iam:GetCredentialReport``.
Throttling, 5xx answers and connection errors are retried by botocore's own retry mode,
configured on the client; this module adds only the bounded wait for the report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from rootkeys.decision import Options, decide
from rootkeys.evidence import Evidence, Failure, Report
from rootkeys.report import ReportFormatError, parse_root_row
from rootkeys.results import AccountResult, could_not_evaluate

log = logging.getLogger(__name__)

# At DEBUG these botocore loggers write the signed request (with the session token) and the
# raw answer (a whole credential report, or AssumeRole's secret key) to any handler.
BOTOCORE_DUMPS = ("botocore.endpoint", "botocore.auth", "botocore.parsers")

# The IAM actions this code calls; the README's policy lists the same (a test compares them).
ACCOUNT_ACTIONS = (
    "iam:GetAccountSummary",
    "iam:GenerateCredentialReport",
    "iam:GetCredentialReport",
)
ORGANIZATION_ACTIONS = ("iam:ListOrganizationsFeatures",)

GENERATE = "iam:GenerateCredentialReport"
WAIT_CODES = frozenset({"ReportInProgress", "LimitExceeded"})
REGENERATE_CODES = frozenset({"ReportNotPresent", "ReportExpired"})
MAX_POLLS = 200
# What an AWS call can raise once botocore's retries are spent: an error answer, a
# connection or timeout error, or an answer that is not AWS's (a proxy's HTML page).
AWS_ERRORS = (ClientError, BotoCoreError, ResponseParserError)


@dataclass(frozen=True)
class ReportWait:
    """How long to wait for a credential report: a total bound and a growing pause."""

    timeout: float = 60.0
    first_pause: float = 0.25
    max_pause: float = 4.0


class NoBotocoreDumps(logging.Filter):
    """Drops botocore's DEBUG records of requests and answers; its other records pass.

    Limitations: with this module imported, a DEBUG log shows no botocore request or
    response dumps, for Prowler's own calls too; their INFO and WARNING records remain.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.DEBUG


def hide_botocore_dumps() -> None:
    """Install :class:`NoBotocoreDumps` once on each botocore logger that dumps secrets."""
    for name in BOTOCORE_DUMPS:
        logger = logging.getLogger(name)
        if not any(isinstance(existing, NoBotocoreDumps) for existing in logger.filters):
            logger.addFilter(NoBotocoreDumps())


# Before any client is made: a session token must never reach a log, at any level.
hide_botocore_dumps()


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore error, or the class name of a connection error."""
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "Unknown")
    return type(error).__name__


def read_evidence(
    iam: Any,
    account_id: str,
    partition: str,
    wait: ReportWait = ReportWait(),
    root_management: bool | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Evidence:
    """Read the account summary and the credential report of one account."""
    keys_present, summary_failure = read_summary(iam, account_id)

    report, report_failure = read_report(iam, account_id, wait, sleep)

    return Evidence(
        account_id=account_id,
        partition=partition,
        keys_present=keys_present,
        summary_failure=summary_failure,
        report=report,
        report_failure=report_failure,
        root_management=root_management,
        read_at=datetime.now(timezone.utc),
    )


def read_summary(iam: Any, account_id: str) -> tuple[int | None, Failure | None]:
    """``AccountAccessKeysPresent``, or None with the reason it is unknown."""
    try:
        response = iam.get_account_summary()
    except AWS_ERRORS as error:
        log.warning("account %s: iam:GetAccountSummary failed: %s", account_id, error_code(error))
        return None, Failure("iam:GetAccountSummary", error_code(error))

    value = response.get("SummaryMap", {}).get("AccountAccessKeysPresent")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        log.warning("account %s: account summary lacks AccountAccessKeysPresent", account_id)
        return None, Failure(
            "iam:GetAccountSummary", "MissingValue", "no AccountAccessKeysPresent in the answer"
        )
    return value, None


def read_report(
    iam: Any,
    account_id: str,
    wait: ReportWait = ReportWait(),
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[Report | None, Failure | None]:
    """Generate (when needed) and read the credential report, waiting at most ``wait``."""
    deadline = time.monotonic() + wait.timeout
    pause = wait.first_pause
    waiting = Failure("iam:GenerateCredentialReport", "NotAttempted")
    generate = True

    for _ in range(MAX_POLLS):
        outcome = _attempt(iam, account_id, generate)
        if isinstance(outcome, Report):
            return outcome, None
        if outcome.code not in WAIT_CODES | REGENERATE_CODES:
            return None, outcome
        waiting = outcome
        # Start a report again when none exists, or when starting one was refused for capacity.
        generate = outcome.code in REGENERATE_CODES or outcome.source == GENERATE

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sleep(min(pause, remaining))
        pause = min(pause * 2, wait.max_pause)

    log.warning("account %s: credential report not ready after %g s", account_id, wait.timeout)
    return None, Failure(waiting.source, waiting.code, f"not ready after {wait.timeout:g} s")


def read_root_management(iam: Any) -> bool | None:
    """Whether the organization manages root credentials centrally; None when unknown."""
    try:
        response = iam.list_organizations_features()
    except AWS_ERRORS as error:
        log.info("iam:ListOrganizationsFeatures failed: %s", error_code(error))
        return None
    return "RootCredentialsManagement" in response.get("EnabledFeatures", [])


def _attempt(iam: Any, account_id: str, generate: bool) -> Report | Failure:
    """One round: start a report when needed, then read it."""
    if generate:
        refused = _generate(iam, account_id)
        if refused is not None:
            # Generating was refused; a report made earlier may still be readable.
            existing = _get(iam, account_id)
            if isinstance(existing, Report) or refused.code in WAIT_CODES:
                return existing if isinstance(existing, Report) else refused
            # Name both calls: the finding must say each call that failed and its code.
            return replace(refused, detail=f"then {existing}")
    return _get(iam, account_id)


def _generate(iam: Any, account_id: str) -> Failure | None:
    """Start a report; None when one is ready or being made, else why it failed."""
    try:
        state = iam.generate_credential_report().get("State")
    except AWS_ERRORS as error:
        log.info("account %s: iam:GenerateCredentialReport: %s", account_id, error_code(error))
        return Failure(GENERATE, error_code(error))
    log.debug("account %s: credential report state %s", account_id, state)
    return None


def _get(iam: Any, account_id: str) -> Report | Failure:
    """Read and parse the report, or say why it could not be."""
    try:
        response = iam.get_credential_report()
    except AWS_ERRORS as error:
        log.info("account %s: iam:GetCredentialReport: %s", account_id, error_code(error))
        return Failure("iam:GetCredentialReport", error_code(error))

    try:
        root = parse_root_row(response.get("Content", b""))
    except ReportFormatError as error:
        log.warning("account %s: credential report unreadable: %s", account_id, error.reason)
        return Failure("iam:GetCredentialReport", "InvalidReport", error.reason)
    return Report(generated=response.get("GeneratedTime"), root=root)


def evaluate_account(
    iam: Any,
    account_id: str,
    partition: str,
    options: Options = Options(),
    wait: ReportWait = ReportWait(),
    root_management: bool | None = None,
) -> AccountResult:
    """Read, then decide. The one place an unexpected error becomes a MANUAL finding."""
    try:
        evidence = read_evidence(iam, account_id, partition, wait, root_management)
    except Exception as error:  # noqa: BLE001 - never lose the account's finding
        log.error("account %s: reading the evidence failed: %s", account_id, type(error).__name__)
        verdict = could_not_evaluate(f"reading the evidence failed with {type(error).__name__}")
        return AccountResult(account_id, partition, verdict, root_management)

    return AccountResult(account_id, partition, decide(evidence, options), root_management)
