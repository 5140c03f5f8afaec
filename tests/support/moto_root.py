"""Extends moto so it models what it leaves out about the AWS account root user.

moto 5.x has no ``<root_account>`` row in the credential report, always answers
``AccountAccessKeysPresent: 0``, and has no ``iam:ListOrganizationsFeatures``. This
module patches moto's IAM backend and responses (in this process; run the server with
``ThreadedMotoServer``) so a test can:

* give an account's root user access keys (``RootModel.add_key``), active or inactive;
* get them back, as AWS does, from ``GetAccountSummary`` (1 when any key exists) and in
  the ``<root_account>`` row of the credential report;
* keep the report stale: like AWS, a report is generated once and reused until it is
  expired (``expire_report``), so keys added or deleted later are not in it;
* drop the root row or the summary field, as seen on some partitions;
* set the organization's features (``RootCredentialsManagement``);
* make ``sts:AssumeRole`` into chosen accounts answer ``AccessDenied``, as AWS does when
  the role is missing or does not trust the caller (moto assumes any role, even one
  that does not exist: ``RootModel.roles_missing``);
* serve an organization of a thousand accounts fast enough for a test: on each request
  moto finds the account of the access key by visiting every account's IAM backend in
  every partition (creating the missing ones), and lists its own package folder. The
  patched lookup remembers where a key was found (checking it is still there), else
  visits only the backends that exist, newest first (an access key cannot be in one
  that does not exist); the folder list is read once. Same answers, less work;
* inject faults at the API: an error code for the next N calls of an action, or a delay.

Everything is reset by ``RootModel.reset``. Nothing here touches rootkeys' own code.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from moto import backends as moto_backends
from moto.iam import models as iam_models
from moto.iam.exceptions import IAMException
from moto.iam.models import AccountSummary, IAMBackend
from moto.iam.responses import IamResponse as IAMResponse
from moto.sts.exceptions import STSClientError
from moto.sts.responses import TokenResponse

DATE = "%Y-%m-%dT%H:%M:%S+00:00"
FAULTABLE = (
    "get_account_summary",
    "generate_credential_report",
    "get_credential_report",
    "list_organizations_features",
)


@dataclass
class RootKey:
    slot: int
    active: bool = True
    last_rotated: datetime = field(
        default_factory=lambda: datetime(2024, 1, 2, tzinfo=timezone.utc)
    )
    last_used: datetime | None = None
    service: str | None = None
    region: str | None = None


@dataclass
class Fault:
    code: str
    times: int
    message: str = "injected by the test"
    account: str | None = None


@dataclass
class Snapshot:
    generated: datetime
    keys: list[RootKey]


class RootModel:
    """The root user state per account, and the faults to inject."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.keys: dict[str, list[RootKey]] = {}
            self.snapshots: dict[str, Snapshot] = {}
            self.no_root_row: set[str] = set()
            self.no_summary_field: set[str] = set()
            self.features: list[str] = []
            self.faults: dict[str, list[Fault]] = {}
            self.delays: dict[str, float] = {}
            self.calls: list[tuple[str, str]] = []
            self.report_ready_after: int = 0
            self.roles_missing: set[str] = set()

    def add_key(self, account: str, slot: int = 1, **details: Any) -> RootKey:
        key = RootKey(slot=slot, **details)
        with self._lock:
            self.keys.setdefault(account, []).append(key)
        return key

    def delete_keys(self, account: str) -> None:
        with self._lock:
            self.keys.pop(account, None)

    def expire_report(self, account: str) -> None:
        with self._lock:
            self.snapshots.pop(account, None)

    def fail(self, action: str, code: str, times: int = 1000, account: str | None = None) -> None:
        """The next ``times`` calls of ``action`` (snake_case) answer with ``code``."""
        with self._lock:
            self.faults.setdefault(action, []).append(Fault(code, times, account=account))

    def delay(self, action: str, seconds: float) -> None:
        with self._lock:
            self.delays[action] = seconds

    def count(self, action: str, account: str | None = None) -> int:
        return sum(1 for a, acct in self.calls if a == action and account in (None, acct))

    # -- used by the patches -------------------------------------------------------

    def _take_fault(self, action: str, account: str) -> Fault | None:
        with self._lock:
            self.calls.append((action, account))
            for fault in self.faults.get(action, []):
                if fault.times > 0 and fault.account in (None, account):
                    fault.times -= 1
                    return fault
        return None

    def _snapshot(self, account: str) -> Snapshot:
        with self._lock:
            if account not in self.snapshots:
                keys = [RootKey(**vars(key)) for key in self.keys.get(account, [])]
                self.snapshots[account] = Snapshot(datetime.now(timezone.utc), keys)
            return self.snapshots[account]

    def _root_row(self, account: str, partition: str) -> str:
        snapshot = self._snapshot(account)
        slots = {key.slot: key for key in snapshot.keys}
        fields = [
            "<root_account>", f"arn:{partition}:iam::{account}:root",
            "2020-01-01T00:00:00+00:00", "not_supported", "no_information",
            "not_supported", "not_supported", "true",
        ]
        for number in (1, 2):
            fields += _slot_fields(slots.get(number))
        fields += ["false", "N/A", "false", "N/A"]
        return ",".join(fields) + "\n"


def _slot_fields(key: RootKey | None) -> list[str]:
    if key is None:
        return ["false", "N/A", "N/A", "N/A", "N/A"]
    return [
        "true" if key.active else "false",
        key.last_rotated.strftime(DATE),
        key.last_used.strftime(DATE) if key.last_used else "N/A",
        key.region or "N/A",
        key.service or "N/A",
    ]


MODEL = RootModel()
_installed = False


def install() -> RootModel:
    """Patch moto (once per process) and return the shared model."""
    global _installed
    if _installed:
        return MODEL
    _installed = True

    # moto sets this attribute to 0 in __init__; the setter ignores that.
    AccountSummary._account_access_keys_present = property(  # type: ignore
        _keys_present, lambda summary, value: None
    )
    original_report = IAMBackend.get_credential_report
    IAMBackend.get_credential_report = _with_root_row(original_report)  # type: ignore
    IAMResponse.get_credential_report = _report_response  # type: ignore
    IAMResponse.list_organizations_features = _features_response  # type: ignore
    original_summary = IAMResponse.get_account_summary
    IAMResponse.get_account_summary = _summary_response(original_summary)  # type: ignore
    for action in FAULTABLE:
        setattr(IAMResponse, action, _faulty(action, getattr(IAMResponse, action)))
    TokenResponse.assume_role = _assume_role_response(TokenResponse.assume_role)  # type: ignore
    # moto.core.responses imports this name at each request, so the module attribute counts.
    iam_models.get_account_id_from = _account_of_key
    moto_backends.list_of_moto_modules = _once(moto_backends.list_of_moto_modules)
    return MODEL


def _keys_present(summary: AccountSummary) -> int:
    return 1 if MODEL.keys.get(summary._iam_backend.account_id) else 0


def _with_root_row(original: Callable[[IAMBackend], str]) -> Callable[[IAMBackend], str]:
    def get_credential_report(backend: IAMBackend) -> str:
        report = original(backend)
        if backend.account_id in MODEL.no_root_row:
            return report
        header, _, users = report.partition("\n")
        root = MODEL._root_row(backend.account_id, backend.partition)
        return f"{header}\n{root}{users}"

    return get_credential_report


def _report_response(self: IAMResponse) -> Any:
    from moto.core.responses import ActionResult

    content = self.backend.get_credential_report()
    generated = MODEL._snapshot(self.current_account).generated
    return ActionResult(
        {"Content": content, "ReportFormat": "text/csv", "GeneratedTime": generated.strftime(DATE)}
    )


def _features_response(self: IAMResponse) -> Any:
    from moto.core.responses import ActionResult

    return ActionResult({"OrganizationId": "o-rootkeystest", "EnabledFeatures": MODEL.features})


def _summary_response(original: Callable[[IAMResponse], Any]) -> Callable[[IAMResponse], Any]:
    def get_account_summary(self: IAMResponse) -> Any:
        response = original(self)
        if self.current_account not in MODEL.no_summary_field:
            return response
        summary = dict(self.backend.get_account_summary().summary_map)
        summary.pop("AccountAccessKeysPresent")
        from moto.core.responses import ActionResult

        return ActionResult({"SummaryMap": summary})

    return get_account_summary


def _faulty(action: str, original: Callable[[IAMResponse], Any]) -> Callable[[IAMResponse], Any]:
    def call(self: IAMResponse) -> Any:
        pause = MODEL.delays.get(action)
        if pause:
            time.sleep(pause)
        fault = MODEL._take_fault(action, self.current_account)
        if fault is not None:
            raise IAMException(fault.code, fault.message)
        return original(self)

    call.__name__ = action
    return call


def _assume_role_response(
    original: Callable[[TokenResponse], Any],
) -> Callable[[TokenResponse], Any]:
    """AssumeRole that is refused for accounts in ``roles_missing``; also counted and faultable."""

    def assume_role(self: TokenResponse) -> Any:
        role_arn = self._get_param("RoleArn") or ""
        parts = role_arn.split(":")
        account = parts[4] if len(parts) > 5 else ""
        fault = MODEL._take_fault("assume_role", account)
        if fault is not None:
            raise STSClientError(fault.code, fault.message)
        if account in MODEL.roles_missing:
            raise STSClientError(
                "AccessDenied", f"not authorized to perform sts:AssumeRole on {role_arn}"
            )
        return original(self)

    return assume_role


_KEY_OWNERS: dict[str, tuple[str, Any]] = {}


def _account_of_key(access_key: str) -> str:
    """The account whose IAM backend holds ``access_key``; moto's default account if none."""
    known = _KEY_OWNERS.get(access_key)
    if known is not None and access_key in known[1].access_keys:
        return known[0]

    # Newest first: a new temporary key is in the account just assumed into.
    for account_id, backends in reversed(list(iam_models.iam_backends.items())):
        # dict.values: only the partitions' backends already made; [] would make the rest.
        for backend in list(dict.values(backends)):
            if access_key in backend.access_keys:
                _KEY_OWNERS[access_key] = (str(account_id), backend)
                return str(account_id)
    return str(iam_models.DEFAULT_ACCOUNT_ID)


def _once(listing: Callable[[], Iterable[str]]) -> Callable[[], tuple[str, ...]]:
    """moto's package folders, listed once; the installed package does not change."""
    folders: list[tuple[str, ...]] = []

    def list_of_moto_modules() -> tuple[str, ...]:
        if not folders:
            folders.append(tuple(listing()))
        return folders[0]

    return list_of_moto_modules
