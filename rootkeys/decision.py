"""The decision: a pure function of the evidence. No boto3, no Prowler, no I/O.

Rules (the README's decision table says the same):

* account summary 0: PASS, whatever an older credential report still lists;
* account summary 1: FAIL, with the key details when the credential report has them;
* account summary unknown: the credential report decides; any key, active or
  inactive, is a FAIL and no key is a PASS;
* neither source usable: MANUAL, naming each call and its error code.

With ``inactive_keys_pass`` a root user whose known keys are all inactive passes;
a key whose state is unknown still fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum

from rootkeys.evidence import ROOT_ROW_USER, Evidence, Failure, KeySlot, Report

# How old a credential report may be, at a live check, to vouch that keys are inactive.
FRESH_MINUTES = 15
FRESH = timedelta(minutes=FRESH_MINUTES)


class Status(str, Enum):
    PASS = "PASS"
    FAIL = "FAIL"
    MANUAL = "MANUAL"


@dataclass(frozen=True)
class Options:
    inactive_keys_pass: bool = False


@dataclass(frozen=True)
class Verdict:
    status: Status
    status_extended: str
    keys: tuple[KeySlot, ...] = ()


def decide(evidence: Evidence, options: Options = Options()) -> Verdict:
    """Decide the control for one account from its evidence."""
    if evidence.keys_present == 0:
        return _summary_says_none(evidence.report)
    if evidence.keys_present is not None:
        return _summary_says_some(evidence, options)
    return _from_report_alone(evidence, options)


def _summary_says_none(report: Report | None) -> Verdict:
    if report is None or report.root is None or not report.root.keys:
        return Verdict(
            Status.PASS, "The root user has no access keys, according to the account summary."
        )
    listed = report.root.keys

    return Verdict(
        Status.PASS,
        "The root user has no access keys, according to the account summary; "
        f"{_report_name(report)} still lists {_count(len(listed))} because it was generated "
        "before the deletion.",
    )


def _summary_says_some(evidence: Evidence, options: Options) -> Verdict:
    report = evidence.report
    keys = report.root.keys if report and report.root else ()
    if keys:
        return _keys_found(keys, options, "", _stale(evidence))
    if report is not None and report.root is not None:
        return Verdict(
            Status.FAIL,
            "The root user has an access key that "
            f"{_report_name(report)} does not show, so it was created after that report.",
        )

    return Verdict(
        Status.FAIL,
        "The root user has at least one access key, according to the account summary; "
        f"its details are unknown because {_report_problem(evidence)}.",
    )


def _from_report_alone(evidence: Evidence, options: Options) -> Verdict:
    report = evidence.report
    if report is None or report.root is None:
        return Verdict(
            Status.MANUAL,
            "Could not evaluate the root user's access keys: "
            f"{_summary_problem(evidence)} and {_report_problem(evidence)}.",
        )

    reason = f"; decided from {_report_name(report)} because {_summary_problem(evidence)}"
    if report.root.keys:
        return _keys_found(report.root.keys, options, reason, _stale(evidence))
    return Verdict(
        Status.PASS,
        f"The root user has no access keys, according to {_report_name(report)}; "
        f"the account summary was not used because {_summary_problem(evidence)}.",
    )


def _keys_found(
    keys: tuple[KeySlot, ...], options: Options, reason: str, stale: str | None
) -> Verdict:
    details = "; ".join(_describe(key) for key in keys)
    all_inactive = not any(key.active for key in keys)
    if options.inactive_keys_pass and all_inactive and stale:
        return Verdict(
            Status.FAIL,
            f"The root user has {_count(len(keys))}, all inactive in {stale}, so a key "
            f"created or activated since cannot be ruled out: {details}{reason}.",
            keys,
        )
    if options.inactive_keys_pass and all_inactive:
        return Verdict(
            Status.PASS,
            f"The root user has {_count(len(keys))}, all inactive, which this scan's "
            f"configuration accepts: {details}{reason}.",
            keys,
        )
    return Verdict(Status.FAIL, f"The root user has {_count(len(keys))}: {details}{reason}.", keys)


def _stale(evidence: Evidence) -> str | None:
    """The report's name when it is older than ``FRESH`` before a live read, else None.

    Only a fresh report may vouch that every key is inactive: AWS reuses a report for up to
    four hours. Offline files (no read time) are taken as one snapshot with the summary.
    """
    report = evidence.report
    if evidence.read_at is None or report is None:
        return None
    if report.generated is None:
        return f"{_report_name(report)}, whose age at this check is unknown"
    if evidence.read_at - report.generated <= FRESH:
        return None
    return f"{_report_name(report)}, older than {FRESH_MINUTES} minutes at this check"


def _describe(key: KeySlot) -> str:
    state = "active" if key.active else "inactive"
    parts = [f"key {key.slot} is {state}"]
    if key.last_rotated:
        parts.append(f"last rotated {_day(key.last_rotated)}")
    parts.append(_usage(key))
    return ", ".join(parts)


def _usage(key: KeySlot) -> str:
    if not key.last_used_known:
        return "last use unknown"
    if key.last_used is None:
        return "no recorded use"
    text = f"last used {_day(key.last_used)}"
    if key.last_used_service:
        text += f" by {key.last_used_service}"
    if key.last_used_region:
        text += f" in {key.last_used_region}"
    return text


def _summary_problem(evidence: Evidence) -> str:
    failure = evidence.summary_failure or Failure("iam:GetAccountSummary", "NoResult")
    return str(failure)


def _report_problem(evidence: Evidence) -> str:
    if evidence.report is not None and evidence.report.root is None:
        return f"the credential report has no {ROOT_ROW_USER} row"
    failure = evidence.report_failure or Failure("iam:GetCredentialReport", "NoResult")
    return str(failure)


def _report_name(report: Report) -> str:
    if report.generated is None:
        return "the credential report (generation time unknown)"
    generated = report.generated.astimezone(timezone.utc)
    return f"the credential report of {generated:%Y-%m-%d %H:%M} UTC"


def _count(number: int) -> str:
    return "1 access key" if number == 1 else f"{number} access keys"


def _day(value: datetime) -> str:
    return f"{value.astimezone(timezone.utc):%Y-%m-%d}"
