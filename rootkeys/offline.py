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
ARN_ACCOUNT = re.compile(r"arn:(aws[a-z-]*):iam::([0-9]{12}):")
ACCOUNT_ID = re.compile(r"[0-9]{12}")


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
    """The file's bytes, read with a bound (a device or a pipe has no size to check first)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_REPORT_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror})") from None

    if len(data) > MAX_REPORT_BYTES:
        raise InputError(f"{path}: the file is larger than 64 MiB")
    return data


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
    return csv_text, _time(data.get("GeneratedTime"), path)


def _json_object(text: str, path: Path) -> dict[str, Any]:
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as error:
        raise InputError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    except _DuplicateKeyError as error:
        raise InputError(f"{path}: the JSON names {error} twice") from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a JSON object")
    return data


class _DuplicateKeyError(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Two values for one key leave it open which one AWS meant: refuse the file."""
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise _DuplicateKeyError(repr(key))
        data[key] = value
    return data


def _time(value: Any, path: Path) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{path}: GeneratedTime {value!r} is not a time") from None
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
        if found is not None and found != given:
            raise InputError(
                f"--account-id {given} does not match the account {found} in the report's ARNs"
            )
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
    summary = _json_object(text, path).get("SummaryMap")
    if not isinstance(summary, dict):
        raise InputError(f"{path}: no SummaryMap object (is it get-account-summary output?)")

    if "AccountAccessKeysPresent" not in summary:
        # Seen on GovCloud: the summary leaves the field out. Unknown, never 0.
        return None, Failure(SUMMARY_SOURCE, "MissingValue", "no AccountAccessKeysPresent in it")
    value = summary["AccountAccessKeysPresent"]
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(f"{path}: AccountAccessKeysPresent is {value!r}, not a count")
    return value, None
