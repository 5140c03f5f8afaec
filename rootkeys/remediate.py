"""Delete the root user's access keys of member accounts, through centralized root access.

From the management account, ``sts:AssumeRoot`` with AWS's task policy
``IAMDeleteRootUserCredentials`` gives a short session (at most 900 s) as the root user of
one member account, with no root password. Per account, one at a time:

1. ``sts:AssumeRoot`` on the regional STS endpoint;
2. ``iam:ListAccessKeys`` (no user name: the root user's keys), and for each key
   ``iam:GetAccessKeyLastUsed``; a key used (or, never used, created) within
   ``min_idle_days`` is kept unless ``force``, since a deleted key cannot be recovered;
3. dry run: say what would be done. Apply: append the intent to the audit log (synced
   to disk), ``iam:DeleteAccessKey`` (or ``iam:UpdateAccessKey`` to deactivate),
   ``iam:ListAccessKeys`` again to confirm, append the outcome;
4. after acting, read the account again as ``rootkeys scan`` does (``sts:AssumeRole``
   into the organization role) and keep the new finding.

Before any account: ``sts:GetCallerIdentity``, and ``iam:ListOrganizationsFeatures``
must list ``RootCredentialsManagement``, else nothing is done. The caller's own account
(the management account) is never acted on. Errors of one account are reported in its
outcome; the others go on.

Limitations: AWS's ``IAMDeleteRootUserCredentials`` (version v1 of 2024-11-06, the
version checked) does not allow ``iam:UpdateAccessKey``, so deactivating is refused by
AWS with ``AccessDenied``; the attempt is made and reported, and nothing is deleted.
From a delegated administrator account, the management account is not recognised as
such (AWS refuses ``AssumeRoot`` on it).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from enum import Enum
from typing import Any
from urllib.parse import urlsplit

import boto3

from rootkeys.aws import AWS_ERRORS, ReportWait, error_code
from rootkeys.decision import Status
from rootkeys.evidence import Failure
from rootkeys.organization import Member, list_members, select
from rootkeys.remediate_audit import AuditError, AuditLog, Intent
from rootkeys.results import AccountResult, iam_region
from rootkeys.scan import (
    DEFAULT_ORG_ROLE,
    Caller,
    Connection,
    MemberScanner,
    ScanRequest,
    client_config,
    connect,
)

log = logging.getLogger(__name__)

TASK_POLICY = "IAMDeleteRootUserCredentials"
SESSION_SECONDS = 900
FEATURE = "RootCredentialsManagement"
ENABLE_COMMANDS = (
    "aws organizations enable-aws-service-access --service-principal iam.amazonaws.com",
    "aws iam enable-organizations-root-credentials-management",
)
DELETE, DEACTIVATE = "iam:DeleteAccessKey", "iam:UpdateAccessKey"
# The calls remediate adds to the scan's: the caller's, then the root session's.
CALLER_ACTIONS = ("sts:AssumeRoot",)
ROOT_SESSION_ACTIONS = ("iam:ListAccessKeys", "iam:GetAccessKeyLastUsed", DELETE, DEACTIVATE)
GLOBAL_STS_HOST = "sts.amazonaws.com"
NOT_A_VALUE = frozenset({"", "N/A"})
PHRASES = {"would delete": "would be deleted", "would deactivate": "would be deactivated"}


class RemediationRefusedError(Exception):
    """The run cannot start: nothing was done to any account."""


class State(str, Enum):
    CLEAN = "CLEAN"
    PLANNED = "PLANNED"
    DELETED = "DELETED"
    DEACTIVATED = "DEACTIVATED"
    KEPT = "KEPT"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"


# How far each state is from "done": 0 nothing left, 1 not handled, 3 a key is left.
SEVERITY = {State.CLEAN: 0, State.DELETED: 0, State.SKIPPED: 0, State.ERROR: 1,
            State.PLANNED: 3, State.DEACTIVATED: 3, State.KEPT: 3}
FINDING_SEVERITY = {Status.PASS: 0, Status.MANUAL: 1, Status.FAIL: 3}


@dataclass(frozen=True)
class RemediationRequest:
    connection: Connection = Connection()
    accounts: tuple[str, ...] = ()
    organization: bool = False
    org_role: str = DEFAULT_ORG_ROLE
    apply: bool = False
    deactivate_only: bool = False
    force: bool = False
    min_idle_days: int = 90
    wait: ReportWait = ReportWait()

    @property
    def action(self) -> str:
        return DEACTIVATE if self.deactivate_only else DELETE

    @property
    def verb(self) -> str:
        return "deactivate" if self.deactivate_only else "delete"


@dataclass(frozen=True)
class RootKey:
    key_id: str
    status: str
    created: datetime | None


@dataclass(frozen=True)
class Usage:
    last_used: datetime | None
    service: str | None
    region: str | None


@dataclass(frozen=True)
class KeyOutcome:
    """One key: what was known of it and what became of it (``result``)."""

    key: RootKey
    usage: Usage | Failure
    result: str
    acted: bool = False


@dataclass(frozen=True)
class AccountOutcome:
    """One account's single outcome line, its keys, and its finding after acting."""

    account_id: str
    state: State
    text: str
    keys: tuple[KeyOutcome, ...] = ()
    finding: AccountResult | None = None

    @property
    def severity(self) -> int:
        """0 nothing left to do, 1 not handled (or re-read failed), 3 a key is left."""
        severity = SEVERITY[self.state]
        if self.finding is not None:
            severity = max(severity, FINDING_SEVERITY[self.finding.verdict.status])
        return severity


@dataclass
class Run:
    """What a run did: the caller, and one outcome per account in the order handled."""

    caller: Caller
    outcomes: list[AccountOutcome] = field(default_factory=list)


def run(
    request: RemediationRequest,
    audit: AuditLog | None,
    report: Callable[[AccountOutcome], None],
    stop: threading.Event,
) -> Run:
    """Remediate each account in turn, calling ``report`` with each outcome as it is known.

    Raises ``CredentialError`` (no caller), ``RemediationRefusedError`` (no central root
    credentials management, or a global STS endpoint) and ``OrganizationError`` before
    any account is touched. Once ``stop`` is set, the remaining accounts are not begun.
    """
    session, caller = connect(request.connection)
    scanner = MemberScanner(session, caller, _scan_request(request))
    require_regional_sts(scanner.sts)
    require_root_management(scanner.caller_iam)
    accounts, skipped = choose(session, caller, request)

    done = Run(caller)
    remediator = Remediator(session, scanner, request, audit, stop)
    for outcome in skipped:
        _record(done, outcome, report)
    for account in accounts:
        _record(done, remediator.interruptible(account), report)
    return done


def _record(done: Run, outcome: AccountOutcome, report: Callable[[AccountOutcome], None]) -> None:
    done.outcomes.append(outcome)
    report(outcome)


def _scan_request(request: RemediationRequest) -> ScanRequest:
    return ScanRequest(connection=request.connection, accounts=request.accounts,
                       organization=request.organization, org_role=request.org_role,
                       workers=1, wait=request.wait)


def require_regional_sts(sts: Any) -> None:
    """AWS answers ``AssumeRoot`` only on a regional STS endpoint."""
    host = urlsplit(str(sts.meta.endpoint_url)).hostname
    if host == GLOBAL_STS_HOST:
        raise RemediationRefusedError(
            f"sts:AssumeRoot needs a regional STS endpoint, but the client uses {host}; "
            "unset AWS_STS_REGIONAL_ENDPOINTS=legacy (or sts_regional_endpoints in the AWS "
            "config) or give --region"
        )


def require_root_management(iam: Any) -> None:
    """Refuse unless the organization manages root credentials centrally."""
    try:
        features = iam.list_organizations_features().get("EnabledFeatures", [])
    except AWS_ERRORS as error:
        raise RemediationRefusedError(
            "cannot tell whether the organization manages root credentials centrally: "
            f"iam:ListOrganizationsFeatures failed with {error_code(error)}"
        ) from None

    if FEATURE not in features:
        raise RemediationRefusedError(
            f"the organization has not enabled {FEATURE} (centralized root access), which "
            "rootkeys remediate needs; enable it from the management account with: "
            + " && ".join(ENABLE_COMMANDS)
        )


def choose(
    session: boto3.Session, caller: Caller, request: RemediationRequest
) -> tuple[list[str], list[AccountOutcome]]:
    """The accounts to handle, sorted, and the organization's accounts left out."""
    if not request.organization:
        return select(request.accounts, None), []

    org = session.client("organizations", region_name=iam_region(caller.partition),
                         config=client_config(request.connection))
    members = list_members(org)
    skipped = [_skipped(member, caller) for member in members
               if member.skipped or member.account_id == caller.account_id]
    chosen = [m.account_id for m in members
              if not m.skipped and m.account_id != caller.account_id]
    return select(chosen, None), sorted(skipped, key=lambda outcome: outcome.account_id)


def _skipped(member: Member, caller: Caller) -> AccountOutcome:
    if member.account_id == caller.account_id:
        reason = "the caller's own (management) account; its root user is never acted on here"
        return AccountOutcome(member.account_id, State.SKIPPED, reason)
    return AccountOutcome(member.account_id, State.SKIPPED, f"the account is {member.state}")


class Remediator:
    """Handles one account at a time: root session, keys, audit, and the finding after."""

    def __init__(self, session: boto3.Session, scanner: MemberScanner,
                 request: RemediationRequest, audit: AuditLog | None,
                 stop: threading.Event,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.session = session
        self.scanner = scanner
        self.caller = scanner.caller
        self.request = request
        self.audit = audit
        self.stop = stop
        self.clock = clock
        # Set when the audit log fails: no more keys are touched without a record.
        self.halted: str | None = None

    def interruptible(self, account_id: str) -> AccountOutcome:
        """The account's outcome; a Ctrl-C inside it still gives the account its line."""
        if self.stop.is_set():
            return AccountOutcome(account_id, State.ERROR, "not handled: interrupted")
        try:
            return self.remediate(account_id)
        except KeyboardInterrupt:
            self.stop.set()
            log.error("account %s: interrupted while being handled", account_id)
            return AccountOutcome(
                account_id, State.ERROR,
                "interrupted while being handled; a key with only a 'pending' line in the "
                "audit log may or may not be deleted",
            )

    def remediate(self, account_id: str) -> AccountOutcome:
        if self.halted:
            return AccountOutcome(account_id, State.ERROR, f"not handled: {self.halted}")
        if account_id == self.caller.account_id:
            return AccountOutcome(account_id, State.ERROR,
                                  "refused: the caller's own (management) account; its root "
                                  "user is never acted on here")

        iam = self._root_session(account_id)
        if isinstance(iam, Failure):
            return AccountOutcome(account_id, State.ERROR, str(iam))
        keys = list_root_keys(iam, account_id)
        if isinstance(keys, Failure):
            return AccountOutcome(account_id, State.ERROR, str(keys))
        if not keys:
            return AccountOutcome(account_id, State.CLEAN, "the root user has no access keys")
        if self.stop.is_set():
            return AccountOutcome(account_id, State.ERROR, "not handled: interrupted")

        handled = tuple(self._key(iam, account_id, key) for key in keys)

        finding = self._reread(account_id) if any(k.acted for k in handled) else None
        return summarize(account_id, handled, finding)

    def _root_session(self, account_id: str) -> Any:
        """An IAM client signed as the account's root user, or the ``AssumeRoot`` failure."""
        policy = f"arn:{self.caller.partition}:iam::aws:policy/root-task/{TASK_POLICY}"
        try:
            response = self.scanner.sts.assume_root(
                TargetPrincipal=account_id, TaskPolicyArn={"arn": policy},
                DurationSeconds=SESSION_SECONDS,
            )
        except AWS_ERRORS as error:
            log.error("account %s: sts:AssumeRoot failed: %s", account_id, error_code(error))
            return Failure("sts:AssumeRoot", error_code(error))

        credentials = response["Credentials"]
        log.info("account %s: root session with %s", account_id, TASK_POLICY)
        return self.session.client(
            "iam", region_name=iam_region(self.caller.partition),
            config=client_config(self.request.connection),
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )

    def _key(self, iam: Any, account_id: str, key: RootKey) -> KeyOutcome:
        usage = last_use(iam, account_id, key.key_id)
        refusal = idle_refusal(key, usage, self.request, self.clock())
        if refusal is not None:
            log.info("account %s: key %s kept: %s", account_id, key.key_id, refusal)
            return KeyOutcome(key, usage, f"kept: {refusal}")
        if self.request.deactivate_only and key.status == "Inactive":
            return KeyOutcome(key, usage, "kept: already inactive")
        if not self.request.apply:
            return KeyOutcome(key, usage, f"would {self.request.verb}")
        if self.stop.is_set() or self.halted:
            return KeyOutcome(key, usage, f"kept: {self.halted or 'interrupted'}")
        return self._act(iam, account_id, key, usage)

    def _act(self, iam: Any, account_id: str, key: RootKey, usage: Usage | Failure) -> KeyOutcome:
        """Intent on disk, the call, the confirmation, the outcome on disk."""
        intent = _intent(account_id, key, usage, self.caller.arn, self.request.action)
        try:
            _audit(self.audit).intent(intent)
        except AuditError as error:
            self.halted = f"the audit log cannot be written ({error})"
            log.error("account %s: %s; key %s not touched", account_id, error, key.key_id)
            return KeyOutcome(key, usage, f"kept: {error}")

        result = self._call(iam, account_id, key)

        try:
            _audit(self.audit).complete(intent, result)
        except AuditError as error:
            self.halted = f"the audit log cannot be written ({error})"
            result = f"{result} (no completion line: {error})"
        return KeyOutcome(key, usage, result, acted=True)

    def _call(self, iam: Any, account_id: str, key: RootKey) -> str:
        try:
            if self.request.deactivate_only:
                iam.update_access_key(AccessKeyId=key.key_id, Status="Inactive")
            else:
                iam.delete_access_key(AccessKeyId=key.key_id)
        except AWS_ERRORS as error:
            log.error("account %s: %s of %s failed: %s",
                      account_id, self.request.action, key.key_id, error_code(error))
            return f"failed: {error_code(error)}"

        return confirm(iam, account_id, key.key_id, self.request.deactivate_only)

    def _reread(self, account_id: str) -> AccountResult:
        """The account's finding now, read as ``rootkeys scan`` reads it."""
        result = self.scanner.scan(Member(account_id))
        log.info("account %s: finding after remediation: %s", account_id, result.status)
        return result


def _audit(audit: AuditLog | None) -> AuditLog:
    if audit is None:
        raise AuditError("no audit log was given")
    return audit


def _intent(account_id: str, key: RootKey, usage: Usage | Failure, caller: str,
            action: str) -> Intent:
    known = usage if isinstance(usage, Usage) else Usage(None, None, None)
    return Intent(account_id, key.key_id, key.status, key.created, known.last_used,
                  known.service, known.region, caller, action)


def list_root_keys(iam: Any, account_id: str) -> list[RootKey] | Failure:
    """The root user's access keys (no user name: the caller's own, the root user's)."""
    try:
        pages = list(iam.get_paginator("list_access_keys").paginate())
    except AWS_ERRORS as error:
        log.error("account %s: iam:ListAccessKeys failed: %s", account_id, error_code(error))
        return Failure("iam:ListAccessKeys", error_code(error))

    listed = [item for page in pages for item in page.get("AccessKeyMetadata", [])]
    return [RootKey(str(item["AccessKeyId"]), str(item.get("Status", "unknown")),
                    item.get("CreateDate")) for item in listed]


def last_use(iam: Any, account_id: str, key_id: str) -> Usage | Failure:
    """When, where and by which service the key was last used; ``None`` date: never."""
    try:
        used = iam.get_access_key_last_used(AccessKeyId=key_id).get("AccessKeyLastUsed", {})
    except AWS_ERRORS as error:
        log.warning("account %s: iam:GetAccessKeyLastUsed of %s failed: %s",
                    account_id, key_id, error_code(error))
        return Failure("iam:GetAccessKeyLastUsed", error_code(error))

    return Usage(used.get("LastUsedDate"), _value(used.get("ServiceName")),
                 _value(used.get("Region")))


def _value(text: Any) -> str | None:
    return None if text is None or str(text) in NOT_A_VALUE else str(text)


def idle_refusal(key: RootKey, usage: Usage | Failure, request: RemediationRequest,
                 now: datetime) -> str | None:
    """Why the key must be kept (used too recently, or use unknown); None when idle."""
    if request.force:
        return None
    if isinstance(usage, Failure):
        return f"its last use is unknown ({usage}); --force overrides"

    since = usage.last_used or key.created
    if since is None:
        return "neither its last use nor its creation date is known; --force overrides"
    days = (now - since).days
    if days >= request.min_idle_days:
        return None
    what = f"created {days} days ago, never used"
    if usage.last_used:
        what = f"last used {days} days ago"
    return f"{what}, within --min-idle-days {request.min_idle_days}; --force overrides"


def confirm(iam: Any, account_id: str, key_id: str, deactivated: bool) -> str:
    """``deleted``/``deactivated`` when a new listing agrees, else ``unconfirmed: why``."""
    keys = list_root_keys(iam, account_id)
    if isinstance(keys, Failure):
        return f"unconfirmed: {keys}"

    listed = {key.key_id: key for key in keys}
    if not deactivated:
        return "unconfirmed: still listed" if key_id in listed else "deleted"
    if key_id not in listed:
        return "unconfirmed: no longer listed"
    status = listed[key_id].status
    return "deactivated" if status == "Inactive" else f"unconfirmed: still {status}"


def summarize(account_id: str, keys: tuple[KeyOutcome, ...],
              finding: AccountResult | None) -> AccountOutcome:
    """The account's state from its keys' results, and a count of each result."""
    results = [key.result.split(":")[0] for key in keys]
    counts = {result: results.count(result) for result in dict.fromkeys(results)}
    text = ", ".join(
        f"{_keys(count)} {PHRASES.get(result, result)}" for result, count in counts.items()
    )

    state = State.KEPT
    if len(counts) == 1:
        state = {"deleted": State.DELETED, "deactivated": State.DEACTIVATED,
                 "would delete": State.PLANNED,
                 "would deactivate": State.PLANNED}.get(results[0], State.KEPT)
    return AccountOutcome(account_id, state, text, keys, finding)


def _keys(count: int) -> str:
    return "1 access key" if count == 1 else f"{count} access keys"
