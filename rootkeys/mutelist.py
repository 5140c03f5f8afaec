"""Mute findings with a mutelist in Prowler's YAML format.

```yaml
Mutelist:
  Accounts:
    "111122223333":                 # an account id, or "*" for every account
      Checks:
        "iam_root_access_key_absent":   # or "*"
          Regions: ["*"]
          Resources: ["*"]
          Description: break-glass account, keys kept in the safe   # optional
          Exceptions:                   # optional: Accounts, Regions, Resources, Tags
            Accounts: ["444455556666"]
```

Entries match as Prowler matches them: an account key is the account id or ``*``; check,
region and resource entries are regular expressions searched in the value, with ``*``
standing for any text. A finding is muted when an entry matches its account, check,
region and resource (``arn:<partition>:iam::<account>:root``) and no exception of that
entry matches. The root user has no tags, so a ``Tags`` entry other than ``*`` never
matches. A muted finding is written as MUTED and does not fail the gate.

The file is checked when it is loaded; anything Prowler's schema would reject (and an
unquoted account id that YAML turns into a number other than 12 digits, or a pattern
that is not a regular expression) is an error, never an empty mutelist.

Limitations: Prowler's mutelist stored in DynamoDB or S3 is not read; give a local file.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import yaml

from rootkeys.catalog import CHECK_ID
from rootkeys.decision import Status
from rootkeys.results import AccountResult

log = logging.getLogger(__name__)

CHECK_KEYS = frozenset({"Regions", "Resources", "Tags", "Exceptions", "Description"})
EXCEPTION_KEYS = ("Accounts", "Regions", "Resources", "Tags")
# What the root user's resource carries: no tags at all.
ROOT_TAGS = ""


class MutelistError(Exception):
    """The mutelist file cannot be used; the message says where and why."""


@dataclass(frozen=True)
class Patterns:
    """A list of Prowler-style patterns: ``*`` is any text, the rest a regular expression."""

    items: tuple[str, ...]

    def any_match(self, value: str) -> bool:
        return any(re.search(_regex(item), value) for item in self.items)

    def all_match(self, value: str) -> bool:
        return all(re.search(_regex(item), value) for item in self.items)


@dataclass(frozen=True)
class Entry:
    account: str
    check: str
    regions: Patterns
    resources: Patterns
    tags: Patterns
    exceptions: dict[str, Patterns]

    def mutes(self, result: AccountResult) -> bool:
        if self.account not in ("*", result.account_id):
            return False
        if not (self.check in ("*", CHECK_ID) or re.search(_regex(self.check), CHECK_ID)):
            return False
        matched = (
            self.regions.any_match(result.region)
            and self.resources.any_match(result.resource_arn)
            and (not self.tags.items or self.tags.all_match(ROOT_TAGS))
        )
        return matched and not self._excepted(result)

    def _excepted(self, result: AccountResult) -> bool:
        values = {
            "Accounts": result.account_id,
            "Regions": result.region,
            "Resources": result.resource_arn,
            "Tags": ROOT_TAGS,
        }
        given = {key: patterns for key, patterns in self.exceptions.items() if patterns.items}
        if not given:
            return False
        return all(
            patterns.all_match(values[key]) if key == "Tags" else patterns.any_match(values[key])
            for key, patterns in given.items()
        )


@dataclass(frozen=True)
class Mutelist:
    entries: tuple[Entry, ...] = ()

    def mutes(self, result: AccountResult) -> bool:
        return any(entry.mutes(result) for entry in self.entries)


def _regex(item: str) -> str:
    return item.replace("*", ".*")


def load_mutelist(path: Path) -> Mutelist:
    """Read and check a mutelist file; ``MutelistError`` when it cannot be used."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise MutelistError(f"{path}: cannot read the mutelist: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise MutelistError(f"{path}: not valid YAML: {_yaml_problem(error)}") from None

    try:
        return parse_mutelist(data)
    except MutelistError as error:
        raise MutelistError(f"{path}: {error}") from None


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or type(error).__name__
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def parse_mutelist(data: Any) -> Mutelist:
    """The mutelist in a parsed YAML document (the mapping under ``Mutelist``)."""
    body = _mapping(data, "the file")
    _only(body, {"Mutelist"}, "the file", required={"Mutelist"})
    top = _mapping(body["Mutelist"], "Mutelist")
    _only(top, {"Accounts"}, "Mutelist", required={"Accounts"})
    accounts = _mapping(top["Accounts"], "Mutelist.Accounts")

    entries = []
    for key, value in accounts.items():
        account = _account_key(key)
        entries += _account_entries(account, value)
    return Mutelist(tuple(entries))


def _account_key(key: Any) -> str:
    text = str(key)
    if text == "*" or re.fullmatch(r"\d{12}", text):
        return text
    raise MutelistError(
        f"account {key!r} is neither a 12-digit account id nor '*' (quote account ids)"
    )


def _account_entries(account: str, value: Any) -> list[Entry]:
    where = f"account {account}"
    body = _mapping(value, where)
    _only(body, {"Checks"}, where, required={"Checks"})
    checks = _mapping(body["Checks"], f"{where}: Checks")
    return [_entry(account, str(check), rule) for check, rule in checks.items()]


def _entry(account: str, check: str, value: Any) -> Entry:
    where = f"account {account}, check {check}"
    rule = _mapping(value, where)
    _only(rule, CHECK_KEYS, where, required={"Regions", "Resources"})
    _pattern(check, where)
    if "Description" in rule and not isinstance(rule["Description"], str):
        raise MutelistError(f"{where}: Description must be text")

    exceptions = _mapping(rule.get("Exceptions") or {}, f"{where}: Exceptions")
    _only(exceptions, set(EXCEPTION_KEYS), f"{where}: Exceptions")
    return Entry(
        account=account,
        check=check,
        regions=_patterns(rule["Regions"], f"{where}: Regions"),
        resources=_patterns(rule["Resources"], f"{where}: Resources"),
        tags=_patterns(rule.get("Tags") or [], f"{where}: Tags"),
        exceptions={
            key: _patterns(exceptions[key], f"{where}: Exceptions.{key}") for key in exceptions
        },
    )


def _mapping(value: Any, where: str) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise MutelistError(f"{where} must be a mapping, not {_kind(value)}")
    return value


def _only(body: dict[Any, Any], allowed: set[str] | frozenset[str], where: str,
          required: set[str] | None = None) -> None:
    unknown = sorted(str(key) for key in body if key not in allowed)
    if unknown:
        raise MutelistError(f"{where}: unknown key {unknown[0]!r}")
    missing = sorted((required or set()) - set(body))
    if missing:
        raise MutelistError(f"{where}: missing key {missing[0]!r}")


def _patterns(value: Any, where: str) -> Patterns:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise MutelistError(f"{where} must be a list of strings, not {_kind(value)}")
    for item in value:
        _pattern(item, where)
    return Patterns(tuple(value))


def _pattern(item: str, where: str) -> None:
    try:
        re.compile(_regex(item))
    except re.error as error:
        raise MutelistError(f"{where}: {item!r} is not a valid pattern: {error}") from None


def _kind(value: Any) -> str:
    return "nothing" if value is None else type(value).__name__


def apply_mutelist(mutelist: Mutelist, results: Sequence[AccountResult]) -> list[AccountResult]:
    """The results, with ``muted`` set on each finding the mutelist mutes."""
    muted = []
    for result in results:
        # "Could not evaluate" is never muted: a mutelist accepts a known risk, and an
        # account nobody could look at has no known state to accept.
        if result.verdict.status is not Status.MANUAL and mutelist.mutes(result):
            log.info("account %s: finding muted by the mutelist", result.account_id)
            result = replace(result, muted=True)
        muted.append(result)
    return muted
