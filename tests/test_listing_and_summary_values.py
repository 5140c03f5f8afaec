"""Odd values in AWS answers end as an error or 'unknown', never as a pass or a lost account.

The answers are given by small stand-in clients (the shape botocore hands back), since
botocore's own parser cannot be made to produce them.
"""

from __future__ import annotations

from typing import Any

import pytest

from rootkeys.aws import read_summary
from rootkeys.evidence import Failure
from rootkeys.organization import OrganizationError, list_members


class SummaryAnswer:
    def __init__(self, value: Any) -> None:
        self.value = value

    def get_account_summary(self) -> dict[str, Any]:
        return {"SummaryMap": {"AccountAccessKeysPresent": self.value}}


@pytest.mark.parametrize("value", [False, True, -1, "0", None], ids=repr)
def test_summary_value_that_is_not_a_count_is_unknown(value: Any) -> None:
    assert read_summary(SummaryAnswer(value), "111122223333") == (
        None,
        Failure(
            "iam:GetAccountSummary", "MissingValue", "no AccountAccessKeysPresent in the answer"
        ),
    )


class ListingAnswer:
    def __init__(self, accounts: list[dict[str, Any]]) -> None:
        self.accounts = accounts

    def get_paginator(self, name: str) -> ListingAnswer:
        assert name == "list_accounts"
        return self

    def paginate(self) -> list[dict[str, Any]]:
        return [{"Accounts": self.accounts}]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"Name": "no id"}, "organizations:ListAccounts returned '' is not a 12-digit AWS "
         "account id"),
        ({"Id": "12345"}, "organizations:ListAccounts returned '12345' is not a 12-digit AWS "
         "account id"),
    ],
    ids=["missing-id", "short-id"],
)
def test_listing_entry_without_a_valid_id_stops_the_scan(
    entry: dict[str, Any], message: str
) -> None:
    answer = ListingAnswer([{"Id": "111122223333", "Status": "ACTIVE"}, entry])

    with pytest.raises(OrganizationError) as raised:
        list_members(answer)

    assert str(raised.value) == message
