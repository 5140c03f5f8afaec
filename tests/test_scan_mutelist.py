"""Mutelists in Prowler's format: what they mute, what they reject, and the gate with one."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rootkeys.decision import Status, Verdict
from rootkeys.mutelist import Mutelist, MutelistError, apply_mutelist, load_mutelist
from rootkeys.results import AccountResult
from tests.support.moto_root import RootModel
from tests.support.scan_run import make_organization, run_scan
from tests.support.server import ACCOUNT, MotoServer

BREAK_GLASS = "111122223333"
OTHER = "444455556666"
FAILING = Verdict(Status.FAIL, "The root user has 1 access key.")


def _mutelist(tmp_path: Path, yaml_text: str) -> Path:
    path = tmp_path / "mutelist.yaml"
    path.write_text(textwrap.dedent(yaml_text))
    return path


def _load(tmp_path: Path, yaml_text: str) -> Mutelist:
    return load_mutelist(_mutelist(tmp_path, yaml_text))


def _rule(account: str, check: str = "iam_root_access_key_absent", extra: str = "") -> str:
    return f"""
        Mutelist:
          Accounts:
            "{account}":
              Checks:
                "{check}":
                  Regions: ["*"]
                  Resources: ["*"]
        {extra}"""


@pytest.mark.parametrize(
    ("yaml_text", "muted"),
    [
        (_rule(BREAK_GLASS), {BREAK_GLASS}),
        (_rule("*"), {BREAK_GLASS, OTHER}),
        (_rule(BREAK_GLASS, "*"), {BREAK_GLASS}),
        (_rule(BREAK_GLASS, "iam_root_*"), {BREAK_GLASS}),
        (_rule(BREAK_GLASS, "iam_no_root_access_key"), set()),
        (
            """
            Mutelist:
              Accounts:
                "*":
                  Checks:
                    "*":
                      Regions: ["us-east-1"]
                      Resources: ["arn:aws:iam::111122223333:root"]
            """,
            {BREAK_GLASS},
        ),
        (
            """
            Mutelist:
              Accounts:
                "*":
                  Checks:
                    "*":
                      Regions: ["eu-west-1"]
                      Resources: ["*"]
            """,
            set(),
        ),
        (
            """
            Mutelist:
              Accounts:
                "*":
                  Checks:
                    "iam_root_access_key_absent":
                      Regions: ["*"]
                      Resources: ["*"]
                      Exceptions:
                        Accounts: ["444455556666"]
            """,
            {BREAK_GLASS},
        ),
        (
            """
            Mutelist:
              Accounts:
                "*":
                  Checks:
                    "*":
                      Regions: ["*"]
                      Resources: ["*"]
                      Tags: ["team=security"]
            """,
            set(),
        ),
        (
            """
            Mutelist:
              Accounts:
                111122223333:
                  Checks:
                    "*":
                      Regions: ["*"]
                      Resources: ["*"]
                      Description: the break-glass account
            """,
            {BREAK_GLASS},
        ),
    ],
    ids=[
        "account-id", "any-account", "any-check", "check-pattern", "other-check",
        "region-and-resource", "other-region", "excepted-account", "tags-never-match-root",
        "unquoted-12-digit-id",
    ],
)
def test_mutelist_mutes_matching_accounts(
    tmp_path: Path, yaml_text: str, muted: set[str]
) -> None:
    mutelist = _load(tmp_path, yaml_text)
    results = [AccountResult(account, "aws", FAILING) for account in (BREAK_GLASS, OTHER)]

    marked = apply_mutelist(mutelist, results)

    assert {r.account_id for r in marked if r.muted} == muted
    expected = ["MUTED" if r.account_id in muted else "FAIL" for r in results]
    assert [r.status for r in marked] == expected


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        (
            "Mutelist: [",
            "not valid YAML: expected the node content, but found '<stream end>' at line 1",
        ),
        ("Accounts: {}\n", "the file: unknown key 'Accounts'"),
        ("Mutelist:\n  Accounts: []\n", "Mutelist.Accounts must be a mapping, not list"),
        (
            _rule(BREAK_GLASS).replace('Resources: ["*"]', ""),
            f"account {BREAK_GLASS}, check iam_root_access_key_absent: missing key "
            "'Resources'",
        ),
        (
            _rule(BREAK_GLASS).replace("Regions", "Region"),
            f"account {BREAK_GLASS}, check iam_root_access_key_absent: unknown key 'Region'",
        ),
        (
            _rule("12345"),
            "account '12345' is neither a 12-digit account id nor '*' (quote account ids)",
        ),
        (
            _rule(BREAK_GLASS).replace('["*"]', '"*"', 1),
            f"account {BREAK_GLASS}, check iam_root_access_key_absent: Regions must be a "
            "list of strings, not str",
        ),
        (
            _rule(BREAK_GLASS).replace('Regions: ["*"]', 'Regions: ["us-(east"]'),
            f"account {BREAK_GLASS}, check iam_root_access_key_absent: Regions: 'us-(east' is "
            "not a valid pattern: missing ), unterminated subpattern at position 3",
        ),
        ("", "the file must be a mapping, not nothing"),
    ],
    ids=[
        "not-yaml", "no-mutelist-key", "accounts-not-mapping", "missing-resources",
        "misspelt-key", "short-account", "regions-not-list", "bad-pattern", "empty-file",
    ],
)
def test_malformed_mutelist_is_rejected(tmp_path: Path, yaml_text: str, message: str) -> None:
    path = _mutelist(tmp_path, yaml_text)

    with pytest.raises(MutelistError) as raised:
        load_mutelist(path)

    assert str(raised.value) == f"{path}: {message}"


ACTIVE_KEY = (
    "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, no recorded use."
)


@pytest.fixture
def members(moto: MotoServer, root: RootModel) -> list[str]:
    """An organization of three members; only the second has a root access key."""
    ids = make_organization(moto, 3)
    root.add_key(ids[1], 1, active=True)
    return ids


def test_mutelist_muting_the_only_failing_account_exits_0(
    moto: MotoServer, home: Path, tmp_path: Path, members: list[str]
) -> None:
    mutelist = _mutelist(tmp_path, _rule(members[1]))

    run = run_scan(
        moto.env(home), tmp_path / "out", "--organization", "--mutelist-file", str(mutelist),
        "-M", "json-ocsf", "csv", "junit",
    )

    assert run.returncode == 0, run.stderr
    assert f"{members[1]}  MUTED   {ACTIVE_KEY}" in run.stdout_lines()
    assert "Total: 4 accounts: 3 PASS, 0 FAIL, 0 MANUAL, 1 MUTED" in run.stdout_lines()
    # As Prowler writes a muted finding: the status stays, the finding is marked muted.
    assert run.ocsf_statuses() == {ACCOUNT: "PASS", **dict.fromkeys(members, "PASS"),
                                   members[1]: "FAIL"}
    finding = {f["cloud"]["account"]["uid"]: f for f in run.ocsf()}[members[1]]
    assert finding["status"] == "Suppressed"
    row = {r["ACCOUNT_UID"]: r for r in run.csv_rows()}[members[1]]
    assert (row["STATUS"], row["MUTED"]) == ("FAIL", "True")
    assert run.junit_statuses()[members[1]] == "MUTED"


def test_mutelist_for_another_account_keeps_the_gate_failing(
    moto: MotoServer, home: Path, tmp_path: Path, members: list[str]
) -> None:
    mutelist = _mutelist(tmp_path, _rule(OTHER))

    run = run_scan(
        moto.env(home), tmp_path / "out", "--organization", "--mutelist-file", str(mutelist),
        "-M", "csv",
    )

    assert run.returncode == 3, run.stderr
    assert f"{members[1]}  FAIL    {ACTIVE_KEY}" in run.stdout_lines()
    assert "Total: 4 accounts: 3 PASS, 1 FAIL, 0 MANUAL, 0 MUTED" in run.stdout_lines()
    row = {r["ACCOUNT_UID"]: r for r in run.csv_rows()}[members[1]]
    assert (row["STATUS"], row["MUTED"]) == ("FAIL", "False")


def test_malformed_mutelist_exits_2_before_scanning(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    mutelist = _mutelist(tmp_path, "Mutelist:\n  Accounts:\n    '*': {}\n")

    run = run_scan(moto.env(home), tmp_path / "out", "--mutelist-file", str(mutelist))

    assert run.returncode == 2
    assert run.stderr.splitlines() == [
        f"rootkeys: error: {mutelist}: account *: missing key 'Checks'"
    ]
    assert run.files() == []
    assert root.count("get_account_summary") == 0


def test_mutelist_never_mutes_an_account_that_could_not_be_evaluated(tmp_path: Path) -> None:
    mutelist = _load(tmp_path, _rule("*", check="*"))
    manual = Verdict(Status.MANUAL, "Could not evaluate the root user's access keys: x.")
    results = [
        AccountResult(BREAK_GLASS, "aws", FAILING),
        AccountResult(OTHER, "aws", manual),
    ]

    muted = apply_mutelist(mutelist, results)

    assert [(r.account_id, r.muted) for r in muted] == [(BREAK_GLASS, True), (OTHER, False)]
