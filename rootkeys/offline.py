"""Evidence from files a user downloaded: a credential report and an account summary.

The credential report is either the CSV the IAM console downloads or the JSON that
``aws iam get-credential-report`` prints (``Content`` in base64, decoded exactly once).
The account summary is the JSON that ``aws iam get-account-summary`` prints.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rootkeys.evidence import NOT_GIVEN, Evidence, Failure, Report
from rootkeys.report import MAX_REPORT_BYTES, ReportFormatError, decode_content, parse_root_row

REPORT_SOURCE = "credential report file"
SUMMARY_SOURCE = "account summary file"
ARN_ACCOUNT = re.compile(r"arn:(aws[a-z-]*):iam::(\d{12}):")
ACCOUNT_ID = re.compile(r"\d{12}")


class InputError(Exception):
    """A file or argument the user gave cannot be used (exit code 2)."""


def load_evidence(report_path: Path, summary_path: Path | None, account_id: str | None) -> Evidence:
    """Build the evidence of one account from the files."""
    text, generated = _report_text(report_path)
    partition, found_account = _identity(text)
    report, report_failure = _parse(text, generated)
    if account_id is None and found_account is None and report_failure is not None:
        raise InputError(f"{report_path}: {report_failure.detail}")
    account = _account(account_id, found_account, report_path)

    keys_present, summary_failure = _summary(summary_path)
    return Evidence(
        account_id=account,
        partition=partition,
        keys_present=keys_present,
        summary_failure=summary_failure,
        report=report,
        report_failure=report_failure,
    )


def _read_bytes(path: Path) -> bytes:
    try:
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise InputError(f"{path}: the file is larger than 64 MiB")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None


def _report_text(path: Path) -> tuple[str, datetime | None]:
    """The report's CSV text and, from the JSON form, its generation time."""
    try:
        text = decode_content(_read_bytes(path))
    except ReportFormatError as error:
        raise InputError(f"{path}: {error.reason}") from None

    if not text.lstrip().startswith("{"):
        return text, None
    return _from_cli_json(text, path)


def _from_cli_json(text: str, path: Path) -> tuple[str, datetime | None]:
    data = _json_object(text, path)
    content = data.get("Content")
    if not isinstance(content, str):
        raise InputError(
            f"{path}: the JSON has no Content field (is it get-credential-report output?)"
        )
    try:
        decoded = base64.b64decode(content, validate=True)
        csv_text = decode_content(decoded)
    except (binascii.Error, ValueError):
        raise InputError(f"{path}: Content is not base64-encoded report text") from None
    return csv_text, _time(data.get("GeneratedTime"))


def _json_object(text: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _identity(text: str) -> tuple[str, str | None]:
    """Partition and account id from the first IAM ARN in the report."""
    match = ARN_ACCOUNT.search(text)
    if match is None:
        return "aws", None
    return match.group(1), match.group(2)


def _account(given: str | None, found: str | None, path: Path) -> str:
    if given is not None:
        if not ACCOUNT_ID.fullmatch(given):
            raise InputError(f"--account-id {given!r}: an account id is 12 digits")
        return given
    if found is None:
        raise InputError(f"{path}: no IAM ARN in the report tells the account; pass --account-id")
    return found


def _parse(text: str, generated: datetime | None) -> tuple[Report | None, Failure | None]:
    try:
        root = parse_root_row(text)
    except ReportFormatError as error:
        return None, Failure(REPORT_SOURCE, "InvalidReport", error.reason)
    return Report(generated=generated, root=root), None


def _summary(path: Path | None) -> tuple[int | None, Failure | None]:
    if path is None:
        return None, Failure(SUMMARY_SOURCE, NOT_GIVEN)

    raw = _read_bytes(path)
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InputError(f"{path}: not UTF-8 text") from None
    data = _json_object(text, path)

    summary = data.get("SummaryMap", data)
    value = summary.get("AccountAccessKeysPresent") if isinstance(summary, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None, Failure(SUMMARY_SOURCE, "MissingValue", "no AccountAccessKeysPresent in it")
    return value, None
