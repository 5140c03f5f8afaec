"""The accounts of an AWS Organization, and how a run picks its share of them.

Accounts are listed with ``organizations:ListAccounts`` (paged). Suspended accounts, and
accounts being closed, are skipped: their roles cannot be assumed and AWS deletes them.
``--shard K/N`` takes every N-th account of the sorted list, starting with the K-th, so
N runs with K = 1..N cover every account exactly once, each about 1/N of them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rootkeys.aws import AWS_ERRORS, error_code

log = logging.getLogger(__name__)

ACCOUNT_ID = re.compile(r"[0-9]{12}")
SHARD = re.compile(r"(\d+)/(\d+)")
# AWS's account states (``State``; the older ``Status`` field uses the first ones too).
SKIPPED_STATES = frozenset({"SUSPENDED", "PENDING_CLOSURE", "CLOSED"})


class OrganizationError(Exception):
    """The organization's accounts could not be listed."""


@dataclass(frozen=True)
class Member:
    account_id: str
    name: str = ""
    state: str = "ACTIVE"

    @property
    def skipped(self) -> bool:
        return self.state in SKIPPED_STATES


def list_members(org: Any) -> list[Member]:
    """Every account of the organization, as ``ListAccounts`` pages them."""
    try:
        pages = list(org.get_paginator("list_accounts").paginate())
    except AWS_ERRORS as error:
        code = error_code(error)
        log.error("organizations:ListAccounts failed: %s", code)
        raise OrganizationError(
            f"cannot list the organization's accounts: organizations:ListAccounts failed "
            f"with {code}"
        ) from None

    members = [_member(account) for page in pages for account in page.get("Accounts", [])]
    if not members:
        # An organization holds at least its management account: an empty list is an
        # answer we cannot trust, and scanning nothing must not pass the gate.
        raise OrganizationError("organizations:ListAccounts returned no accounts")
    for member in members:
        if member.skipped:
            log.info("account %s: skipped, the account is %s", member.account_id, member.state)
    return members


def _member(account: dict[str, Any]) -> Member:
    # ``State`` replaces ``Status``; an answer may carry either or both.
    state = account.get("State") or account.get("Status") or "ACTIVE"
    try:
        account_id = parse_account_id(str(account.get("Id", "")))
    except ValueError as error:
        # An entry we cannot name would be scanned as some other account, or not at all.
        raise OrganizationError(f"organizations:ListAccounts returned {error}") from None
    return Member(account_id, str(account.get("Name", "")), str(state))


def parse_account_id(text: str) -> str:
    """A 12-digit account id, or ValueError naming the text."""
    value = text.strip()
    if not ACCOUNT_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a 12-digit AWS account id")
    return value


def read_account_ids(lines: Iterable[str]) -> list[str]:
    """Account ids from a file's lines: one per line, ``#`` starts a comment."""
    ids = []
    for number, line in enumerate(lines, start=1):
        text = line.split("#", 1)[0].strip()
        if not text:
            continue
        try:
            ids.append(parse_account_id(text))
        except ValueError as error:
            raise ValueError(f"line {number}: {error}") from None
    return ids


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` with 1 <= K <= N, or ValueError."""
    match = SHARD.fullmatch(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not of the form K/N, e.g. 1/4")
    index, count = int(match.group(1)), int(match.group(2))
    if not 1 <= index <= count:
        raise ValueError(f"{text!r}: K must be between 1 and N")
    return index, count


def select(account_ids: Iterable[str], shard: tuple[int, int] | None) -> list[str]:
    """The sorted, distinct ids of this run's shard (all of them without a shard)."""
    ordered = sorted(set(account_ids))
    if shard is None:
        return ordered
    index, count = shard
    return ordered[index - 1 :: count]
