"""What the decision is made from: plain values, no boto3, no Prowler.

``None`` always means "could not read"; it is never a stand-in for "nothing there".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ROOT_ROW_USER = "<root_account>"
NOT_GIVEN = "NotGiven"


@dataclass(frozen=True)
class Failure:
    """Why one piece of evidence could not be read: the call (or file) and the error code."""

    source: str
    code: str
    detail: str = ""

    def __str__(self) -> str:
        if self.code == NOT_GIVEN:
            return f"no {self.source} was given"
        text = f"{self.source} failed with {self.code}"
        return f"{text} ({self.detail})" if self.detail else text


@dataclass(frozen=True)
class KeySlot:
    """One of the two access key slots of the root user, as the credential report shows it."""

    slot: int
    active: bool
    last_rotated: datetime | None = None
    last_used: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None
    last_used_known: bool = True


@dataclass(frozen=True)
class RootRow:
    """The ``<root_account>`` row: only the slots that hold a key, active or inactive."""

    keys: tuple[KeySlot, ...] = ()


@dataclass(frozen=True)
class Report:
    """A credential report that was read and parsed.

    ``root`` is None when the report has no ``<root_account>`` row: that is not "no keys".
    """

    generated: datetime | None
    root: RootRow | None


@dataclass(frozen=True)
class Evidence:
    """Everything known about one account's root user.

    ``keys_present`` is the account summary's ``AccountAccessKeysPresent`` (None when it
    could not be read or was missing); ``report`` is None when no credential report could
    be read. Each None has its ``*_failure`` saying why.
    """

    account_id: str
    partition: str = "aws"
    keys_present: int | None = None
    summary_failure: Failure | None = None
    report: Report | None = None
    report_failure: Failure | None = None
    root_management: bool | None = None
    read_at: datetime | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)
