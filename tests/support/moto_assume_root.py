"""Extends moto with centralized root access: ``sts:AssumeRoot`` and the root user's keys.

moto 5.2 has no ``sts:AssumeRoot`` and no root user. On top of ``moto_root`` (whose
``MODEL`` holds each account's root keys), this module patches moto in this process so:

* ``sts:AssumeRoot`` (from the organization's management account) returns temporary
  credentials for a member account, scoped to one of AWS's root-task policies; the task
  policy is recorded per issued access key id (``SESSIONS.issued``). It is refused for
  a task-policy ARN that is not in AWS's list (``ValidationError``), for a target that
  is the management account itself or not a member (``AccessDenied``), and when the
  organization lacks the feature the task needs (``AccessDenied``);
* each modelled root key has an access key id, ``root_key_id(account, slot)``, and
  ``iam:ListAccessKeys``, ``iam:GetAccessKeyLastUsed``, ``iam:DeleteAccessKey`` and
  ``iam:UpdateAccessKey`` without ``UserName``, signed with a root session, act on
  ``MODEL.keys`` of the session's account;
* any action the session's task policy does not allow answers ``AccessDenied``, as does
  any action with a ``UserName`` (the task policies deny every resource but the root
  user). The allowed actions are ``TASK_ACTIONS``; a test may widen them for one run
  (``SESSIONS.allow``) to model a later version of a policy.

``moto_root``'s fault injection applies: ``MODEL.fail("assume_root", code,
account=...)`` and the same for ``list_access_keys``, ``get_access_key_last_used``,
``delete_access_key``, ``update_access_key``; ``MODEL.delay(action, seconds)`` delays
them; ``MODEL.count(action, account)`` counts them.

Sources: the five root-task policies and their actions are AWS's managed policies at
path ``/root-task/``, version v1 of 2024-11-06, as moto bundles them
(``moto.iam.aws_managed_policies``; ``tests/test_remediate_moto.py`` compares them).
Which feature each task needs (``RootCredentialsManagement`` for the three IAM tasks,
``RootSessions`` for the S3 and SQS ones) and the error codes of the refusals are this
model's reading of AWS's documentation, not observed answers.

Limitations: session expiry is not modelled; a delegated administrator cannot call
``AssumeRoot`` here (only the management account can); ``sts:GetCallerIdentity`` with a
root session answers ``AccessDenied`` (AWS answers it). ``SESSIONS.reset()`` clears the
sessions; the moto server's reset does not.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.core.exceptions import AccessDeniedError
from moto.core.responses import ActionResult, BaseResponse, EmptyResult
from moto.iam.exceptions import IAMException
from moto.iam.models import iam_backends
from moto.iam.responses import IamResponse
from moto.organizations.models import organizations_backends
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

from tests.support.moto_root import MODEL, RootKey
from tests.support.moto_root import install as install_root

# AWS's IAMDeleteRootUserCredentials (v1, 2024-11-06): every other action is denied.
# Note that iam:UpdateAccessKey is not in it, so a root key cannot be deactivated.
DELETE_ROOT_CREDENTIALS_ACTIONS = frozenset({
    "iam:DeleteAccessKey",
    "iam:DeleteSigningCertificate",
    "iam:DeleteLoginProfile",
    "iam:DeactivateMFADevice",
    "iam:DeleteVirtualMFADevice",
    "iam:ListAccessKeys",
    "iam:ListSigningCertificates",
    "iam:GetLoginProfile",
    "iam:ListMFADevices",
    "iam:GetUser",
    "iam:GetAccessKeyLastUsed",
})
TASK_ACTIONS: dict[str, frozenset[str]] = {
    "IAMAuditRootUserCredentials": frozenset({
        "iam:ListAccessKeys", "iam:ListSigningCertificates", "iam:GetLoginProfile",
        "iam:ListMFADevices", "iam:GetAccountSummary", "iam:GetUser",
        "iam:GetAccessKeyLastUsed",
    }),
    "IAMCreateRootUserPassword": frozenset({"iam:CreateLoginProfile", "iam:GetLoginProfile"}),
    "IAMDeleteRootUserCredentials": DELETE_ROOT_CREDENTIALS_ACTIONS,
    "S3UnlockBucketPolicy": frozenset({
        "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:GetBucketPolicy",
        "s3:ListAllMyBuckets",
    }),
    "SQSUnlockQueuePolicy": frozenset({
        "sqs:SetQueueAttributes", "sqs:GetQueueAttributes", "sqs:ListQueues",
        "sqs:GetQueueUrl",
    }),
}
TASK_FEATURES = {
    "IAMAuditRootUserCredentials": "RootCredentialsManagement",
    "IAMCreateRootUserPassword": "RootCredentialsManagement",
    "IAMDeleteRootUserCredentials": "RootCredentialsManagement",
    "S3UnlockBucketPolicy": "RootSessions",
    "SQSUnlockQueuePolicy": "RootSessions",
}
ROOT_ACTIONS = ("list_access_keys", "get_access_key_last_used", "delete_access_key",
                "update_access_key")
MAX_SECONDS = 900
DATE = "%Y-%m-%dT%H:%M:%SZ"


def root_key_id(account: str, slot: int) -> str:
    """The access key id of the root key in ``slot`` of ``account``: 20 characters."""
    return f"AKIA{account}RK{slot:02d}"


@dataclass(frozen=True)
class RootSession:
    account: str
    partition: str
    task_policy_arn: str
    task: str
    caller: str
    token: str


class RootSessions:
    """The root sessions issued by ``AssumeRoot``, by access key id, and what they allow."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.issued: dict[str, RootSession] = {}
            self.task_actions = dict(TASK_ACTIONS)

    def allow(self, task: str, action: str) -> None:
        """Let ``task`` sessions also call ``action`` (a later policy version, say)."""
        with self._lock:
            self.task_actions[task] = self.task_actions[task] | {action}

    def allows(self, session: RootSession, action: str) -> bool:
        return action in self.task_actions[session.task]

    def of(self, access_key: str) -> RootSession | None:
        return self.issued.get(access_key)

    def issue(self, access_key: str, session: RootSession) -> None:
        with self._lock:
            self.issued[access_key] = session


SESSIONS = RootSessions()
_installed = False


def install() -> RootSessions:
    """Patch moto (once per process, after ``moto_root``) and return the sessions."""
    global _installed
    install_root()
    if _installed:
        return SESSIONS
    _installed = True

    TokenResponse.assume_root = _assume_root  # type: ignore[attr-defined]
    for action in ROOT_ACTIONS:
        original = getattr(IamResponse, action)
        setattr(IamResponse, action, _for_root_sessions(action, original))
    for name in ("_authenticate_and_authorize_normal_action",
                 "_authenticate_and_authorize_s3_action"):
        setattr(BaseResponse, name, _guarded(getattr(BaseResponse, name)))
    return SESSIONS


# -- sts:AssumeRoot ----------------------------------------------------------------------


def _assume_root(self: TokenResponse) -> ActionResult:
    target = _target_account(str(self._get_param("TargetPrincipal") or ""))
    policy_arn = str((self._get_param("TaskPolicyArn") or {}).get("arn") or "")
    seconds = int(self._get_param("DurationSeconds") or MAX_SECONDS)
    _pause("assume_root")
    fault = MODEL._take_fault("assume_root", target)
    if fault is not None:
        raise STSClientError(fault.code, fault.message)

    task = _task_of(policy_arn, self.partition)
    _check_target(self.current_account, target, self.partition, task)
    if not 0 <= seconds <= MAX_SECONDS:
        raise STSClientError("ValidationError", f"DurationSeconds {seconds} is above 900")

    key = iam_backends[target][self.partition].create_temp_access_key()
    caller = f"arn:{self.partition}:iam::{self.current_account}:root"
    token = f"RootSessionToken{uuid.uuid4().hex}{uuid.uuid4().hex}"
    SESSIONS.issue(key.access_key_id,
                   RootSession(target, self.partition, policy_arn, task, caller, token))
    expires = datetime.now(timezone.utc) + timedelta(seconds=seconds)
    credentials = {
        "AccessKeyId": key.access_key_id,
        "SecretAccessKey": key.secret_access_key,
        "SessionToken": token,
        "Expiration": expires,
    }
    return ActionResult({"Credentials": credentials})


def _target_account(principal: str) -> str:
    """The account id of ``TargetPrincipal``: an id, or an ARN naming the account."""
    parts = principal.split(":")
    return parts[4] if len(parts) > 4 else principal


def _task_of(policy_arn: str, partition: str) -> str:
    prefix = f"arn:{partition}:iam::aws:policy/root-task/"
    task = policy_arn.removeprefix(prefix)
    if not policy_arn.startswith(prefix) or task not in TASK_ACTIONS:
        raise STSClientError("ValidationError", f"{policy_arn} is not a root-task policy")
    return task


def _check_target(caller: str, target: str, partition: str, task: str) -> None:
    """Only the management account, on a member account, with the task's feature on."""
    organizations = organizations_backends[caller][partition]
    org = organizations.org
    if org is None or org.master_account_id != caller:
        raise STSClientError("AccessDenied", "only the management account can assume root")
    if target == caller:
        raise STSClientError("AccessDenied", "AssumeRoot cannot target the management account")
    if target not in {account.id for account in organizations.accounts}:
        raise STSClientError("AccessDenied", f"{target} is not a member of the organization")
    feature = TASK_FEATURES[task]
    if feature not in MODEL.features:
        raise STSClientError("AccessDenied", f"{feature} is not enabled for the organization")


# -- authorization of requests signed with a root session ---------------------------------


def _guarded(original: Callable[..., None]) -> Callable[..., None]:
    def authorize(self: BaseResponse, *args: Any, **kwargs: Any) -> None:
        session = SESSIONS.of(self.get_access_key())
        if session is None:
            original(self, *args, **kwargs)
            return
        action = f"{self.service_name}:{self._get_action()}"
        if not SESSIONS.allows(session, action) or self._get_param("UserName"):
            denied = AccessDeniedError(f"arn:{session.partition}:iam::{session.account}:root",
                                       action)
            raise denied.to_json() if "X-Amz-Target" in self.headers else denied

    return authorize


# -- the root user's access keys ------------------------------------------------------------


def _for_root_sessions(action: str, original: Callable[[IamResponse], Any]) -> Callable[..., Any]:
    handler = _HANDLERS[action]

    def call(self: IamResponse) -> Any:
        session = SESSIONS.of(self.get_access_key())
        if session is None:
            return original(self)
        _pause(action)
        fault = MODEL._take_fault(action, session.account)
        if fault is not None:
            raise IAMException(fault.code, fault.message)
        return handler(self, session.account)

    call.__name__ = action
    return call


def _pause(action: str) -> None:
    seconds = MODEL.delays.get(action)
    if seconds:
        time.sleep(seconds)


def _list_keys(self: IamResponse, account: str) -> ActionResult:
    metadata = [
        {
            "AccessKeyId": root_key_id(account, key.slot),
            "Status": "Active" if key.active else "Inactive",
            "CreateDate": key.last_rotated,
        }
        for key in sorted(MODEL.keys.get(account, []), key=lambda key: key.slot)
    ]
    return ActionResult({"AccessKeyMetadata": metadata, "IsTruncated": False})


def _last_used(self: IamResponse, account: str) -> ActionResult:
    key = _root_key(account, str(self._get_param("AccessKeyId")))
    used: dict[str, Any] = {"ServiceName": key.service or "N/A", "Region": key.region or "N/A"}
    if key.last_used is not None:
        used["LastUsedDate"] = key.last_used
    return ActionResult({"AccessKeyLastUsed": used})


def _delete_key(self: IamResponse, account: str) -> ActionResult:
    key = _root_key(account, str(self._get_param("AccessKeyId")))
    with MODEL._lock:
        MODEL.keys[account] = [k for k in MODEL.keys.get(account, []) if k is not key]
    return EmptyResult()


def _update_key(self: IamResponse, account: str) -> ActionResult:
    key = _root_key(account, str(self._get_param("AccessKeyId")))
    status = self._get_param("Status")
    if status not in ("Active", "Inactive"):
        raise IAMException("ValidationError", f"Status {status!r} is not Active or Inactive")
    key.active = status == "Active"
    return EmptyResult()


def _root_key(account: str, key_id: str) -> RootKey:
    for key in MODEL.keys.get(account, []):
        if root_key_id(account, key.slot) == key_id:
            return key
    raise IAMException("NoSuchEntity", f"The Access Key with id {key_id} cannot be found")


_HANDLERS: dict[str, Callable[[IamResponse, str], ActionResult]] = {
    "list_access_keys": _list_keys,
    "get_access_key_last_used": _last_used,
    "delete_access_key": _delete_key,
    "update_access_key": _update_key,
}
