"""The audit log of ``rootkeys remediate --apply``: one JSON line per step, on disk first.

For each key acted on, an *intent* line (``"outcome": "pending"``) is appended and
synced to disk before the delete (or deactivate) call, and a *completion* line with the
same ``run``, ``account``, ``key_id`` and ``action`` after it. A run interrupted between
the two leaves the intent alone: that key's fate is unknown until a ``ListAccessKeys``
(or ``rootkeys scan``) says. Lines are never rewritten; each is one ``write`` to a file
opened for appending, then ``fsync``.

Outcomes: ``pending``; ``deleted`` / ``deactivated`` (the call succeeded and a new
``ListAccessKeys`` confirms it); ``failed: <error code>`` (the call failed);
``unconfirmed: <reason>`` (the call succeeded but the new listing failed or disagrees).
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

PENDING = "pending"
DATE = "%Y-%m-%dT%H:%M:%SZ"


class AuditError(Exception):
    """The audit log cannot be opened or written."""


@dataclass(frozen=True)
class Intent:
    """What is about to be done to one key, as written in the intent line."""

    account: str
    key_id: str
    status: str
    created: datetime | None
    last_used: datetime | None
    last_used_service: str | None
    last_used_region: str | None
    caller: str
    action: str


class AuditLog:
    """An append-only JSON-lines file; every line reaches the disk before the next step."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.run = uuid.uuid4().hex
        try:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        except OSError as error:
            raise AuditError(f"cannot open the audit log {path}: {error.strerror}") from None

    def intent(self, intent: Intent) -> None:
        """Write the intent line; raises ``AuditError`` if it cannot be written."""
        self._append(self._record(intent, PENDING))

    def complete(self, intent: Intent, outcome: str) -> None:
        self._append(self._record(intent, outcome))

    def close(self) -> None:
        os.close(self._fd)

    def _record(self, intent: Intent, outcome: str) -> dict[str, Any]:
        return {
            "time": _stamp(datetime.now(timezone.utc)),
            "run": self.run,
            "account": intent.account,
            "key_id": intent.key_id,
            "status": intent.status,
            "created": _stamp(intent.created),
            "last_used": _stamp(intent.last_used),
            "last_used_service": intent.last_used_service,
            "last_used_region": intent.last_used_region,
            "caller": intent.caller,
            "action": intent.action,
            "outcome": outcome,
        }

    def _append(self, record: dict[str, Any]) -> None:
        line = (json.dumps(record) + "\n").encode("utf-8")
        try:
            written = os.write(self._fd, line)
            os.fsync(self._fd)
        except OSError as error:
            raise AuditError(f"cannot write the audit log {self.path}: {error.strerror}") from None
        if written != len(line):
            raise AuditError(f"cannot write the audit log {self.path}: short write")


def _stamp(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).strftime(DATE) if value else None
