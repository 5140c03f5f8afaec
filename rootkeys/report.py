"""Parse a credential report into the root user's access key slots.

Parsing is driven by the header, so both the old 16-column layout (no "last used"
columns) and today's 22 columns work, in any column order. Anything the parser cannot
read with certainty raises :class:`ReportFormatError`; it never guesses "no keys".
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timezone

from rootkeys.evidence import ROOT_ROW_USER, KeySlot, RootRow

REQUIRED_COLUMNS = (
    "user",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
)
EMPTY = "n/a"
NOT_A_DATE = frozenset({"", "n/a", "no_information", "not_supported", "none"})
MAX_REPORT_BYTES = 64 * 1024 * 1024


class ReportFormatError(ValueError):
    """The credential report cannot be read with certainty; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def decode_content(content: bytes | str) -> str:
    """Turn report bytes into text: UTF-8, an optional byte-order mark dropped."""
    if isinstance(content, str):
        text = content
    else:
        if len(content) > MAX_REPORT_BYTES:
            raise ReportFormatError("the report is larger than 64 MiB")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise ReportFormatError("the report is not UTF-8 text") from None

    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        raise ReportFormatError("the report contains binary data")
    return text


def parse_root_row(content: bytes | str) -> RootRow | None:
    """Return the root user's key slots, or None when the report has no root row."""
    rows = _read_rows(decode_content(content))
    header = _header(rows[0])
    root_rows = [row for row in rows[1:] if row and _field(row, header, "user") == ROOT_ROW_USER]

    for number, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(rows[0]):
            raise ReportFormatError(
                f"line {number} has {len(row)} fields where the header has {len(rows[0])}"
            )

    if len(root_rows) > 1:
        raise ReportFormatError(f"the report has {len(root_rows)} {ROOT_ROW_USER} rows")
    if not root_rows:
        return None
    return RootRow(keys=_key_slots(root_rows[0], header))


def _read_rows(text: str) -> list[list[str]]:
    if not text.strip():
        raise ReportFormatError("the report is empty")
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        raise ReportFormatError(f"the report is not valid CSV: {error}") from None
    return rows


def _header(row: list[str]) -> dict[str, int]:
    header = {name.strip().lower(): index for index, name in enumerate(row)}
    if len(header) != len(row):
        # Two columns of one name: which of them holds the key state cannot be known.
        names = [name.strip().lower() for name in row]
        twice = sorted({name for name in names if names.count(name) > 1})
        listed = ", ".join(map(repr, twice))
        raise ReportFormatError(f"the report has the column(s) {listed} twice")
    missing = [name for name in REQUIRED_COLUMNS if name not in header]
    if missing:
        raise ReportFormatError("the report lacks the column(s) " + ", ".join(missing))
    return header


def _field(row: list[str], header: dict[str, int], name: str) -> str | None:
    index = header.get(name)
    if index is None or index >= len(row):
        return None
    return row[index].strip()


def _key_slots(row: list[str], header: dict[str, int]) -> tuple[KeySlot, ...]:
    slots = (_key_slot(row, header, number) for number in (1, 2))
    return tuple(slot for slot in slots if slot is not None)


def _key_slot(row: list[str], header: dict[str, int], number: int) -> KeySlot | None:
    prefix = f"access_key_{number}_"
    active = _boolean(_field(row, header, prefix + "active"), prefix + "active")
    rotated_text = _field(row, header, prefix + "last_rotated") or ""
    rotated = _date(rotated_text)

    if not active and rotated is None:
        _check_empty_slot(row, header, prefix, rotated_text)
        return None

    used_text = _field(row, header, prefix + "last_used_date")
    return KeySlot(
        slot=number,
        active=active,
        last_rotated=rotated,
        last_used=_date(used_text or ""),
        last_used_service=_text(_field(row, header, prefix + "last_used_service")),
        last_used_region=_text(_field(row, header, prefix + "last_used_region")),
        last_used_known=_usage_known(used_text),
    )


def _check_empty_slot(row: list[str], header: dict[str, int], prefix: str, rotated: str) -> None:
    """A slot without a key reads N/A in each of its columns; anything else is contradictory.

    "No key" is only ever concluded from that exact shape, never from an odd value.
    """
    if rotated.lower() != EMPTY:
        raise ReportFormatError(f"{prefix}last_rotated has the unreadable value {rotated!r}")

    for column in ("last_used_date", "last_used_region", "last_used_service"):
        value = _field(row, header, prefix + column)
        if value is not None and value.lower() != EMPTY:
            raise ReportFormatError(
                f"{prefix}active is false and {prefix}last_rotated is N/A, "
                f"yet {prefix}{column} is {value!r}"
            )


def _usage_known(value: str | None) -> bool:
    """False when the layout has no last-used column or its value is not readable."""
    if value is None:
        return False
    return value.lower() in NOT_A_DATE or _date(value) is not None


def _boolean(value: str | None, column: str) -> bool:
    lowered = (value or "").lower()
    if lowered not in ("true", "false"):
        raise ReportFormatError(f"{column} has the unreadable value {value!r}")
    return lowered == "true"


def _date(value: str) -> datetime | None:
    """An ISO 8601 time in UTC, or None for the report's "no value" words and for junk."""
    if value.lower() in NOT_A_DATE:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.astimezone(timezone.utc)


def _text(value: str | None) -> str | None:
    if value is None or value.lower() in NOT_A_DATE:
        return None
    return value
