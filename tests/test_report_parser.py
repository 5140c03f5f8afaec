"""The credential report parser: layouts, odd values, broken files, and random reports.

The property tests build a report from a model (columns, order, values, encoding) and
compare the parser with an oracle that reads the model, not the CSV text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rootkeys.evidence import KeySlot, RootRow
from rootkeys.report import ReportFormatError, parse_root_row

HEADER_22 = (
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
).split(",")
HEADER_16 = [name for name in HEADER_22 if "_last_used_" not in name]
REQUIRED = (
    "user",
    "access_key_1_active",
    "access_key_1_last_rotated",
    "access_key_2_active",
    "access_key_2_last_rotated",
)
NOT_DATES = ("N/A", "no_information", "not_supported")

ROTATED_1 = datetime(2021, 6, 1, 10, 0, tzinfo=timezone.utc)
USED_1 = datetime(2026, 11, 28, 17, 45, tzinfo=timezone.utc)
ROTATED_2 = datetime(2020, 2, 10, 12, 30, tzinfo=timezone.utc)

ROOT_BASE = {
    "user": "<root_account>",
    "arn": "arn:aws:iam::111122223333:root",
    "user_creation_time": "2019-03-14T09:21:07+00:00",
    "password_enabled": "not_supported",
    "password_last_used": "no_information",
    "password_last_changed": "not_supported",
    "password_next_rotation": "not_supported",
    "mfa_active": "true",
    "cert_1_active": "false",
    "cert_1_last_rotated": "N/A",
    "cert_2_active": "false",
    "cert_2_last_rotated": "N/A",
}
NO_KEY = {"active": "false", "last_rotated": "N/A", "last_used_date": "N/A",
          "last_used_region": "N/A", "last_used_service": "N/A"}  # fmt: skip
KEY_1 = {
    "active": "true",
    "last_rotated": "2021-06-01T10:00:00+00:00",
    "last_used_date": "2026-11-28T17:45:00+00:00",
    "last_used_region": "us-east-1",
    "last_used_service": "s3",
}
KEY_2_INACTIVE = {
    "active": "false",
    "last_rotated": "2020-02-10T12:30:00+00:00",
    "last_used_date": "N/A",
    "last_used_region": "N/A",
    "last_used_service": "N/A",
}
USER = {
    "user": "deploy-bot",
    "arn": "arn:aws:iam::111122223333:user/deploy-bot",
    "access_key_1_active": "true",
    "access_key_1_last_rotated": "2026-09-01T12:00:00+00:00",
}
SLOT_1 = KeySlot(1, True, ROTATED_1, USED_1, "s3", "us-east-1")
SLOT_2 = KeySlot(2, False, ROTATED_2)


def root_row(key_1: dict[str, str] = NO_KEY, key_2: dict[str, str] = NO_KEY) -> dict[str, str]:
    row = dict(ROOT_BASE)
    row.update({f"access_key_1_{name}": value for name, value in key_1.items()})
    row.update({f"access_key_2_{name}": value for name, value in key_2.items()})
    return row


def to_csv(header: list[str], *rows: dict[str, str], newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=newline)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(name, "N/A") for name in header])
    return out.getvalue()


def reason(content: bytes | str) -> str:
    with pytest.raises(ReportFormatError) as raised:
        parse_root_row(content)
    return raised.value.reason


# -- layouts --------------------------------------------------------------------------


def test_current_layout_with_two_keys_gives_both_slots() -> None:
    text = to_csv(HEADER_22, root_row(KEY_1, KEY_2_INACTIVE), USER)

    assert parse_root_row(text) == RootRow(keys=(SLOT_1, SLOT_2))


def test_old_16_column_layout_gives_slots_without_use() -> None:
    text = to_csv(HEADER_16, root_row(KEY_1, KEY_2_INACTIVE), USER)

    assert parse_root_row(text) == RootRow(
        keys=(
            KeySlot(1, True, ROTATED_1, last_used_known=False),
            KeySlot(2, False, ROTATED_2, last_used_known=False),
        )
    )


def test_columns_in_another_order_are_read_by_name() -> None:
    header = list(reversed(HEADER_22))

    text = to_csv(header, USER, root_row(KEY_1, KEY_2_INACTIVE))

    assert parse_root_row(text) == RootRow(keys=(SLOT_1, SLOT_2))


def test_only_required_columns_give_slots() -> None:
    text = to_csv(list(REQUIRED), root_row(NO_KEY, KEY_2_INACTIVE))

    assert parse_root_row(text) == RootRow(
        keys=(KeySlot(2, False, ROTATED_2, last_used_known=False),)
    )


def test_root_row_without_keys_gives_empty_row_not_none() -> None:
    text = to_csv(HEADER_22, root_row(), USER)

    assert parse_root_row(text) == RootRow(keys=())


@pytest.mark.parametrize("word", ["true", "TRUE", "True", " true "], ids=repr)
def test_active_written_in_any_case_is_active(word: str) -> None:
    text = to_csv(HEADER_22, root_row({**KEY_1, "active": word}))

    assert parse_root_row(text) == RootRow(keys=(SLOT_1,))


@pytest.mark.parametrize("word", ["false", "FALSE", "False"], ids=repr)
def test_inactive_written_in_any_case_is_inactive(word: str) -> None:
    text = to_csv(HEADER_22, root_row(NO_KEY, {**KEY_2_INACTIVE, "active": word}))

    assert parse_root_row(text) == RootRow(keys=(SLOT_2,))


@pytest.mark.parametrize("word", ["N/A", "n/a", "N/a", " N/A "], ids=repr)
def test_only_na_on_inactive_slot_means_no_key(word: str) -> None:
    empty = {name: (word if name != "active" else "false") for name in NO_KEY}

    assert parse_root_row(to_csv(HEADER_22, root_row(empty, empty))) == RootRow(keys=())


@pytest.mark.parametrize(
    "word", ["no_information", "not_supported", "NOT_SUPPORTED", "", "none", "soon"], ids=repr
)
def test_other_last_rotated_on_inactive_slot_is_refused(word: str) -> None:
    text = to_csv(HEADER_22, root_row({**NO_KEY, "last_rotated": word}))

    assert reason(text) == f"access_key_1_last_rotated has the unreadable value {word!r}"


@pytest.mark.parametrize("header", [HEADER_22, HEADER_16, list(REQUIRED)], ids=[22, 16, 5])
@pytest.mark.parametrize("word", ["no_information", "not_supported", ""], ids=repr)
def test_other_last_rotated_on_inactive_slot_is_refused_in_any_layout(
    header: list[str], word: str
) -> None:
    text = to_csv(header, root_row(KEY_1, {**NO_KEY, "last_rotated": word}))

    assert reason(text) == f"access_key_2_last_rotated has the unreadable value {word!r}"


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("last_used_date", "2026-11-28T17:45:00+00:00"),
        ("last_used_date", "no_information"),
        ("last_used_date", ""),
        ("last_used_date", "last week"),
        ("last_used_region", "us-east-1"),
        ("last_used_region", "not_supported"),
        ("last_used_service", "s3"),
        ("last_used_service", "N/A?"),
    ],
    ids=repr,
)
def test_inactive_na_slot_with_last_use_is_refused(column: str, value: str) -> None:
    text = to_csv(HEADER_22, root_row(KEY_1, {**NO_KEY, column: value}))

    assert reason(text) == (
        "access_key_2_active is false and access_key_2_last_rotated is N/A, "
        f"yet access_key_2_{column} is {value!r}"
    )


def test_inactive_na_slot_reports_its_first_set_last_use_column() -> None:
    key = {**NO_KEY, "last_used_region": "eu-west-1", "last_used_service": "sts"}

    assert reason(to_csv(HEADER_22, root_row(key))) == (
        "access_key_1_active is false and access_key_1_last_rotated is N/A, "
        "yet access_key_1_last_used_region is 'eu-west-1'"
    )


@pytest.mark.parametrize("word", ["last week", "2024-13-45", "yes", "-"], ids=repr)
def test_unreadable_last_used_date_on_a_key_is_not_known(word: str) -> None:
    text = to_csv(
        HEADER_22,
        root_row({**KEY_1, "last_used_date": word}, {**KEY_2_INACTIVE, "last_used_date": word}),
    )

    assert parse_root_row(text) == RootRow(
        keys=(
            KeySlot(1, True, ROTATED_1, None, "s3", "us-east-1", last_used_known=False),
            KeySlot(2, False, ROTATED_2, last_used_known=False),
        )
    )


@pytest.mark.parametrize("word", [*NOT_DATES, "n/a", "NOT_SUPPORTED", "none", "None", ""], ids=repr)
def test_no_value_last_used_date_on_a_key_is_known_unused(word: str) -> None:
    text = to_csv(HEADER_22, root_row({**KEY_1, "last_used_date": word}))

    assert parse_root_row(text) == RootRow(
        keys=(KeySlot(1, True, ROTATED_1, None, "s3", "us-east-1", last_used_known=True),)
    )


@pytest.mark.parametrize("word", NOT_DATES)
def test_no_value_words_on_active_key_are_never_dates(word: str) -> None:
    key = {**KEY_1, "last_rotated": word, "last_used_date": word,
           "last_used_region": word, "last_used_service": word}  # fmt: skip

    row = parse_root_row(to_csv(HEADER_22, root_row(key)))

    assert row == RootRow(keys=(KeySlot(1, True, last_used_known=True),))


def test_inactive_key_is_found_by_its_last_rotated_date() -> None:
    key = {**NO_KEY, "last_rotated": "2020-02-10T12:30:00+00:00"}

    row = parse_root_row(to_csv(HEADER_16, root_row(NO_KEY, key)))

    assert row == RootRow(keys=(KeySlot(2, False, ROTATED_2, last_used_known=False),))


def test_dates_with_offsets_are_read_in_utc() -> None:
    key = {**KEY_1, "last_rotated": "2021-06-01T12:00:00+02:00",
           "last_used_date": "2026-11-28T17:45:00Z"}  # fmt: skip

    assert parse_root_row(to_csv(HEADER_22, root_row(key))) == RootRow(keys=(SLOT_1,))


# -- encodings and line ends ----------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(to_csv(HEADER_22, root_row(KEY_1)).encode("utf-8"), id="utf-8-bytes"),
        pytest.param(to_csv(HEADER_22, root_row(KEY_1)).encode("utf-8-sig"), id="bom-bytes"),
        pytest.param("\ufeff" + to_csv(HEADER_22, root_row(KEY_1)), id="bom-text"),
        pytest.param(to_csv(HEADER_22, root_row(KEY_1), newline="\r\n"), id="crlf"),
        pytest.param(
            to_csv(HEADER_22, root_row(KEY_1), newline="\r\n").encode("utf-8-sig"),
            id="bom-crlf-bytes",
        ),
        pytest.param(to_csv(HEADER_22, root_row(KEY_1)).rstrip("\n"), id="no-final-newline"),
    ],
)
def test_encoding_and_line_ends_give_the_same_row(content: bytes | str) -> None:
    assert parse_root_row(content) == RootRow(keys=(SLOT_1,))


# -- no root row, two root rows -------------------------------------------------------


def test_report_without_root_row_gives_none() -> None:
    assert parse_root_row(to_csv(HEADER_22, USER)) is None


def test_header_only_report_gives_none() -> None:
    assert parse_root_row(to_csv(HEADER_22)) is None


def test_two_root_rows_are_refused() -> None:
    text = to_csv(HEADER_22, root_row(), root_row(KEY_1))

    assert reason(text) == "the report has 2 <root_account> rows"


# -- broken files ---------------------------------------------------------------------


@pytest.mark.parametrize("column", REQUIRED)
def test_missing_required_column_is_refused(column: str) -> None:
    header = [name for name in HEADER_22 if name != column]

    assert reason(to_csv(header, root_row(KEY_1))) == f"the report lacks the column(s) {column}"


def test_old_layout_without_both_slots_names_every_missing_column() -> None:
    header = [name for name in HEADER_16 if not name.startswith("access_key_2")]

    assert reason(to_csv(header, root_row())) == (
        "the report lacks the column(s) access_key_2_active, access_key_2_last_rotated"
    )


def test_column_named_twice_is_refused() -> None:
    header = [*HEADER_22, "access_key_1_active"]

    assert reason(to_csv(header, root_row())) == (
        "the report has the column(s) 'access_key_1_active' twice"
    )


@pytest.mark.parametrize(
    ("cut", "message"),
    [
        pytest.param(-1, "line 3 has 21 fields where the header has 22", id="short-row"),
        pytest.param(None, "line 3 has 23 fields where the header has 22", id="long-row"),
    ],
)
def test_ragged_row_is_refused(cut: int | None, message: str) -> None:
    lines = to_csv(HEADER_22, root_row(), USER).splitlines()
    fields = lines[2].split(",")
    lines[2] = ",".join(fields[:cut] if cut else [*fields, "extra"])

    assert reason("\n".join(lines) + "\n") == message


def test_ragged_root_row_is_refused() -> None:
    text = to_csv(HEADER_22, root_row(KEY_1)).rstrip("\n") + ",extra\n"

    assert reason(text) == "line 2 has 23 fields where the header has 22"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b"", "the report is empty", id="empty-bytes"),
        pytest.param("", "the report is empty", id="empty-text"),
        pytest.param(b"\xef\xbb\xbf\r\n\n  ", "the report is empty", id="bom-and-blanks"),
        pytest.param(b"\x89PNG\r\n\x1a\n\x00\x00", "the report is not UTF-8 text", id="png"),
        pytest.param(b"user\x00,arn\n", "the report contains binary data", id="nul"),
        pytest.param(
            to_csv(HEADER_22, root_row(KEY_1)).encode("utf-16"),
            "the report is not UTF-8 text",
            id="utf-16",
        ),
        pytest.param(
            "dXNlcixhcm4K",
            "the report lacks the column(s) user, access_key_1_active, "
            "access_key_1_last_rotated, access_key_2_active, access_key_2_last_rotated",
            id="still-base64",
        ),
    ],
)
def test_unreadable_content_is_refused(content: bytes | str, message: str) -> None:
    assert reason(content) == message


@pytest.mark.parametrize(
    ("key_1", "message"),
    [
        pytest.param(
            {**KEY_1, "active": "yes"},
            "access_key_1_active has the unreadable value 'yes'",
            id="active-yes",
        ),
        pytest.param(
            {**KEY_1, "active": "N/A"},
            "access_key_1_active has the unreadable value 'N/A'",
            id="active-na",
        ),
        pytest.param(
            {**NO_KEY, "last_rotated": "last week"},
            "access_key_1_last_rotated has the unreadable value 'last week'",
            id="inactive-rotated-junk",
        ),
    ],
)
def test_unreadable_root_value_is_refused(key_1: dict[str, str], message: str) -> None:
    assert reason(to_csv(HEADER_22, root_row(key_1))) == message


# -- property tests -------------------------------------------------------------------

OPTIONAL = [name for name in HEADER_22 if name not in REQUIRED]
SLOT_FIELDS = ("active", "last_rotated", "last_used_date", "last_used_region",
               "last_used_service")  # fmt: skip
JUNK = ("yes", "no", "1", "0", "soon", "2024-13-45", "-", "null")
ENCODINGS = ("text", "utf-8", "utf-8-sig", "text", "utf-8", "utf-8-sig", "utf-16", "latin-1")


@dataclass(frozen=True)
class Cell:
    """One generated value, and what it means: a bool, a time, a no-value word, or junk."""

    text: str
    meaning: object  # bool | datetime | None (no value) | Ellipsis (junk)


@dataclass(frozen=True)
class Model:
    header: list[str]
    rows: list[dict[str, Cell]]
    encoding: str
    newline: str
    ragged: int | None
    quote_all: bool


def booleans() -> st.SearchStrategy[Cell]:
    words = st.sampled_from(["true", "false"]).flatmap(
        lambda word: st.sampled_from([word, word.upper(), word.title()])
    )
    good = words.map(lambda word: Cell(word, word.lower() == "true"))
    junk = st.sampled_from(JUNK + NOT_DATES + ("",)).map(lambda word: Cell(word, ...))
    return st.one_of(good, good, good, good, good, good, junk)


def times() -> st.SearchStrategy[Cell]:
    stamps = st.datetimes(min_value=datetime(2006, 1, 1), max_value=datetime(2030, 1, 1)).map(
        lambda moment: moment.replace(microsecond=0)
    )
    offsets = st.sampled_from([0, 2, -5, 9]).map(lambda hours: timezone(timedelta(hours=hours)))

    def cell(moment: datetime, zone: timezone, zulu: bool) -> Cell:
        aware = moment.replace(tzinfo=zone)
        text = aware.isoformat()
        if zulu and zone.utcoffset(None) == timedelta(0):
            text = text.replace("+00:00", "Z")
        return Cell(text, aware.astimezone(timezone.utc))

    good = st.builds(cell, stamps, offsets, st.booleans())
    empty = st.sampled_from(NOT_DATES + ("",)).map(lambda word: Cell(word, None))
    junk = st.sampled_from(JUNK).map(lambda word: Cell(word, ...))
    return st.one_of(good, good, empty, empty, junk)


def words() -> st.SearchStrategy[Cell]:
    return st.one_of(
        st.sampled_from(["us-east-1", "eu-west-1", "s3", "sts", "ec2"]).map(
            lambda word: Cell(word, word)
        ),
        st.sampled_from(NOT_DATES + ("",)).map(lambda word: Cell(word, None)),
    )


def slot_cells(number: int) -> st.SearchStrategy[dict[str, Cell]]:
    prefix = f"access_key_{number}_"
    loose = st.fixed_dictionaries(
        {
            prefix + "active": booleans(),
            prefix + "last_rotated": times(),
            prefix + "last_used_date": times(),
            prefix + "last_used_region": words(),
            prefix + "last_used_service": words(),
        }
    )
    # An empty slot (false and N/A throughout), and one with a single column changed: random
    # values alone seldom build either shape.
    na = st.sampled_from(["N/A", "n/a", "N/a"]).map(lambda word: Cell(word, None))
    empty = st.fixed_dictionaries(
        {prefix + "active": st.just(Cell("false", False))}
        | {prefix + name: na for name in SLOT_FIELDS[1:]}
    )
    nearly = st.builds(
        lambda cells, other, name: {**cells, prefix + name: other[prefix + name]},
        empty,
        loose,
        st.sampled_from(SLOT_FIELDS),
    )
    return st.one_of(loose, loose, empty, nearly)


def root_cells() -> st.SearchStrategy[dict[str, Cell]]:
    return st.builds(
        lambda key_1, key_2: {"user": Cell("<root_account>", None), **key_1, **key_2},
        slot_cells(1),
        slot_cells(2),
    )


def user_cells() -> st.SearchStrategy[dict[str, Cell]]:
    # Any text, with commas, quotes, newlines and non-ASCII letters; never the root's name.
    names = st.text(min_size=1, max_size=12).filter(lambda name: name.strip() != "<root_account>")
    return st.fixed_dictionaries(
        {"user": names.map(lambda name: Cell(name, None)), "access_key_1_active": booleans()}
    )


@st.composite
def models(draw: st.DrawFn) -> Model:
    dropped = draw(st.sampled_from(REQUIRED) if draw(st.integers(0, 9)) == 0 else st.none())
    required = [name for name in REQUIRED if name != dropped]
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    extra = draw(st.lists(st.sampled_from(["note", "tags", "x_1", "Password_Hint"]), unique=True))
    header = draw(st.permutations(required + optional + extra))

    count = draw(st.sampled_from([0, 1, 1, 2]))
    roots = draw(st.lists(root_cells(), min_size=count, max_size=count))
    users = draw(st.lists(user_cells(), max_size=3))
    rows = draw(st.permutations(roots + users))

    encoding = draw(st.sampled_from(ENCODINGS))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    ragged = draw(st.integers(0, len(rows) - 1)) if rows and draw(st.integers(0, 9)) == 0 else None
    return Model(header, rows, encoding, newline, ragged, draw(st.booleans()))


def render(model: Model) -> bytes | str:
    # Python 3.11's writer leaves a lone "\r" unquoted unless told to quote every field.
    lone_cr = any("\r" in cell.text for row in model.rows for cell in row.values())
    quoting = csv.QUOTE_ALL if model.quote_all or lone_cr else csv.QUOTE_MINIMAL
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=model.newline, quoting=quoting)
    writer.writerow(model.header)
    for index, row in enumerate(model.rows):
        values = [row[name].text if name in row else "N/A" for name in model.header]
        if index == model.ragged:
            values.append("extra")
        writer.writerow(values)
    text = out.getvalue()
    # Letters an encoding cannot hold become "?": only user names carry such letters.
    return text if model.encoding == "text" else text.encode(model.encoding, "replace")


class RefusalError(Exception):
    """The oracle's word for "the parser must raise ReportFormatError"."""


def oracle(model: Model, content: bytes | str) -> RootRow | None:
    """What the report says about the root user, read from the model, not from the CSV."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            raise RefusalError from None
    else:
        text = content
    if "\x00" in text or not set(REQUIRED) <= set(model.header) or model.ragged is not None:
        raise RefusalError

    roots = [row for row in model.rows if row["user"].text == "<root_account>"]
    if len(roots) > 1:
        raise RefusalError
    if not roots:
        return None
    return RootRow(
        keys=tuple(
            slot for slot in (expected_slot(model, roots[0], n) for n in (1, 2)) if slot is not None
        )
    )


def expected_slot(model: Model, row: dict[str, Cell], number: int) -> KeySlot | None:
    def present(name: str) -> bool:
        return f"access_key_{number}_{name}" in model.header

    def meaning(name: str) -> object:
        return row[f"access_key_{number}_{name}"].meaning if present(name) else None

    def says_na(name: str) -> bool:
        # Only the literal word N/A, in any case, is the report's "this slot is empty".
        return row[f"access_key_{number}_{name}"].text.strip().upper() == "N/A"

    active, rotated = meaning("active"), meaning("last_rotated")
    if active is ...:
        raise RefusalError
    if active is False and not isinstance(rotated, datetime):
        # No key only when every column of the slot in the header reads N/A; anything
        # else (another no-value word, an empty cell, junk, a last use) is refused.
        if all(says_na(name) for name in SLOT_FIELDS[1:] if present(name)):
            return None
        raise RefusalError

    used = meaning("last_used_date")
    return KeySlot(
        slot=number,
        active=bool(active),
        last_rotated=rotated if isinstance(rotated, datetime) else None,
        last_used=used if isinstance(used, datetime) else None,
        last_used_region=meaning("last_used_region"),  # type: ignore[arg-type]
        last_used_service=meaning("last_used_service"),  # type: ignore[arg-type]
        # Known when the column exists and holds a time or a no-value word, not junk.
        last_used_known=present("last_used_date") and used is not ...,
    )


PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(models())
def test_random_report_gives_the_oracles_row_or_a_format_error(model: Model) -> None:
    content = render(model)
    try:
        expected: RootRow | None | type[RefusalError] = oracle(model, content)
    except RefusalError:
        expected = RefusalError

    if expected is RefusalError:
        with pytest.raises(ReportFormatError):
            parse_root_row(content)
    else:
        assert parse_root_row(content) == expected


@PROPERTY
@given(models())
def test_random_report_with_an_active_root_key_never_reads_as_no_keys(model: Model) -> None:
    content = render(model)
    roots = [row for row in model.rows if row["user"].text == "<root_account>"]
    has_active = any(
        row[f"access_key_{n}_active"].meaning is True
        for row in roots
        for n in (1, 2)
        if f"access_key_{n}_active" in model.header
    )

    try:
        parsed = parse_root_row(content)
    except ReportFormatError:
        return

    if has_active:
        assert parsed is not None
        assert any(key.active for key in parsed.keys)


@PROPERTY
@given(st.binary(max_size=400) | st.text(max_size=400))
def test_arbitrary_content_gives_a_row_none_or_a_format_error(content: bytes | str) -> None:
    try:
        parsed = parse_root_row(content)
    except ReportFormatError:
        return

    assert parsed is None or isinstance(parsed, RootRow)
