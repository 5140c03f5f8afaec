"""The accounts to remediate, read from an OCSF findings file (``--from-findings``).

The file is the JSON-OCSF list that ``rootkeys scan -M json-ocsf`` or
``prowler -M json-ocsf`` writes. An account is taken when its finding of
``iam_root_access_key_absent`` (ours) or ``iam_no_root_access_key`` (Prowler's) has
``status_code`` FAIL. A muted FAIL (OCSF ``status`` "Suppressed": an exemption the
user chose) is not taken; it is returned apart so it can be shown. Findings of other
checks are ignored. Anything else that is not what those writers produce is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rootkeys.organization import parse_account_id

CHECK_IDS = frozenset({"iam_root_access_key_absent", "iam_no_root_access_key"})
SUPPRESSED = "Suppressed"
MAX_BYTES = 256 * 1024 * 1024


class FindingsError(Exception):
    """The findings file cannot be read or is not an OCSF findings list."""


@dataclass(frozen=True)
class FailingAccounts:
    accounts: list[str]
    muted: list[str]


def failing_accounts(path: Path) -> FailingAccounts:
    """The sorted accounts with a FAIL root-key finding, and those whose FAIL is muted."""
    findings = _load(path)

    failing: set[str] = set()
    muted: set[str] = set()
    for number, finding in enumerate(findings, start=1):
        account, status, suppressed = _root_key_finding(finding, f"{path}: finding {number}")
        if status != "FAIL":
            continue
        (muted if suppressed else failing).add(account)
    return FailingAccounts(sorted(failing), sorted(muted - failing))


def _load(path: Path) -> list[Any]:
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FindingsError(f"{path}: larger than 256 MiB")
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise FindingsError(f"cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise FindingsError(f"{path}: not UTF-8 text") from None

    try:
        findings = json.loads(text)
    except json.JSONDecodeError as error:
        raise FindingsError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(findings, list):
        raise FindingsError(f"{path}: not a JSON list of OCSF findings")
    return findings


def _root_key_finding(finding: Any, where: str) -> tuple[str, str | None, bool]:
    """(account, status code, muted) of a root-key finding; status None for other checks."""
    check = _field(finding, ("metadata", "event_code"), where)
    if check not in CHECK_IDS:
        return "", None, False

    status = _field(finding, ("status_code",), where)
    uid = _field(finding, ("cloud", "account", "uid"), where)
    try:
        account = parse_account_id(uid)
    except ValueError as error:
        raise FindingsError(f"{where}: cloud.account.uid: {error}") from None
    return account, status, finding.get("status") == SUPPRESSED


def _field(finding: Any, path: tuple[str, ...], where: str) -> str:
    value = finding
    for name in path:
        if not isinstance(value, dict) or name not in value:
            raise FindingsError(f"{where}: no {'.'.join(path)}; not an OCSF finding")
        value = value[name]
    if not isinstance(value, str):
        raise FindingsError(f"{where}: {'.'.join(path)} is not a string")
    return value
