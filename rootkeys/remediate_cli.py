"""``rootkeys remediate``: its options, its checks of them, and what it prints.

Imported when the parser is built, so only the standard library is imported here at
start-up; boto3 comes with ``rootkeys.remediate`` when the command runs.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rootkeys.cli import (
    UsageError,
    _account_id,
    _accounts_file,
    _add_scan_credentials,
    _add_scan_limits,
)

if TYPE_CHECKING:
    from rootkeys.remediate import AccountOutcome, KeyOutcome, RemediationRequest

EXIT_INTERRUPTED = 130
DESCRIPTION = (
    "Delete the root user's access keys of member accounts through centralized root "
    "access: from the management account, sts:AssumeRoot with AWS's task policy "
    "IAMDeleteRootUserCredentials (a 900-second session, no root password). Dry run by "
    "default: each key is shown with what would be done. With --apply, each deletion is "
    "written to the audit log before and after it, confirmed by listing the keys again, "
    "and the account is then read again as 'rootkeys scan' reads it. The caller's own "
    "(management) account is never acted on. Exit codes: 0 every account clean or done, "
    "3 any access key left in place (dry run, kept, deactivated or failed), 1 any account "
    "that could not be handled and no key known left, 2 usage error (also: the "
    "organization lacks RootCredentialsManagement), 130 interrupted."
)
DEACTIVATE_HELP = (
    "deactivate (iam:UpdateAccessKey) instead of deleting. AWS's task policy "
    "IAMDeleteRootUserCredentials, version v1 of 2024-11-06 (as checked in the copy of "
    "AWS's managed policies that moto bundles, not against AWS since), allows only "
    "iam:DeleteAccessKey, DeleteSigningCertificate, DeleteLoginProfile, "
    "DeactivateMFADevice, DeleteVirtualMFADevice, ListAccessKeys, ListSigningCertificates, "
    "GetLoginProfile, ListMFADevices, GetUser and GetAccessKeyLastUsed: not "
    "iam:UpdateAccessKey. So AWS refuses this with AccessDenied; rootkeys tries it, "
    "reports the refusal per key and account, and deletes nothing"
)
ROLE_NAME = re.compile(r"[\w+=,.@/-]{1,512}")


def add_remediate_command(commands: argparse._SubParsersAction) -> None:
    """Register ``rootkeys remediate`` on the main parser's sub-commands."""
    parser = commands.add_parser(
        "remediate",
        help="delete root access keys of member accounts through centralized root access",
        description=DESCRIPTION,
    )
    _add_scan_credentials(parser)
    _add_accounts(parser)
    _add_actions(parser)
    _add_scan_limits(parser)
    parser.set_defaults(run=run_remediate)


def _add_accounts(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("accounts (give one source)")
    group.add_argument(
        "--accounts", nargs="+", type=_account_id, metavar="ID", default=[],
        help="these member accounts",
    )
    group.add_argument(
        "--accounts-file", type=Path, metavar="FILE",
        help="like --accounts, one id per line; '#' starts a comment",
    )
    group.add_argument(
        "--organization", action="store_true",
        help="every account of the organization but the caller's own (suspended ones are "
        "skipped)",
    )
    group.add_argument(
        "--from-findings", type=Path, metavar="FILE",
        help="the accounts whose iam_root_access_key_absent (rootkeys) or "
        "iam_no_root_access_key (Prowler) finding is FAIL in this JSON-OCSF file; muted "
        "findings are skipped",
    )
    group.add_argument(
        "--org-role", type=_role_name, metavar="NAME", default="OrganizationAccountAccessRole",
        help="role assumed to read each account again after acting "
        "(default: OrganizationAccountAccessRole)",
    )


def _add_actions(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("what to do")
    group.add_argument(
        "--apply", action="store_true",
        help="act; without it nothing is changed and nothing is written",
    )
    group.add_argument(
        "--audit-log", type=Path, metavar="FILE",
        help="JSON-lines file appended with an intent line before each action and an "
        "outcome line after it (required with --apply)",
    )
    group.add_argument(
        "--min-idle-days", type=_days, default=90, metavar="DAYS",
        help="keep a key used within this many days, or created within them and never "
        "used (default: 90)",
    )
    group.add_argument(
        "--force", action="store_true",
        help="act on keys used recently, or whose last use cannot be read",
    )
    group.add_argument("--deactivate-only", action="store_true", help=DEACTIVATE_HELP)


def _role_name(value: str) -> str:
    if not ROLE_NAME.fullmatch(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a role name")
    return value


def _days(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of days")
    return int(value)


def run_remediate(args: argparse.Namespace) -> int:
    from rootkeys.remediate_audit import AuditError, AuditLog

    request, skipped = _request(args)
    for outcome in skipped:
        print_outcome(outcome)
    if not request.accounts and not request.organization:
        _print_total(skipped, request)
        return 0

    try:
        audit = AuditLog(args.audit_log) if request.apply else None
    except AuditError as error:
        raise UsageError(str(error)) from None
    try:
        return _run(request, audit, skipped)
    finally:
        if audit is not None:
            audit.close()


def _run(request: RemediationRequest, audit: Any, skipped: list[AccountOutcome]) -> int:
    from rootkeys.organization import OrganizationError
    from rootkeys.remediate import RemediationRefusedError, run
    from rootkeys.scan import CredentialError

    stop = threading.Event()
    restore = _stop_on_interrupt(stop)
    try:
        done = run(request, audit, print_outcome, stop)
    except (CredentialError, OrganizationError, RemediationRefusedError) as error:
        raise UsageError(str(error)) from None
    finally:
        restore()

    outcomes = [*skipped, *done.outcomes]
    _print_total(outcomes, request, done.caller.arn, audit)
    return EXIT_INTERRUPTED if stop.is_set() else max((o.severity for o in outcomes), default=0)


def _request(args: argparse.Namespace) -> tuple[RemediationRequest, list[AccountOutcome]]:
    """The run the arguments ask for, and accounts left out up front (muted findings)."""
    from rootkeys.aws import ReportWait
    from rootkeys.remediate import RemediationRequest
    from rootkeys.scan import Connection

    _check_combination(args)
    accounts, skipped = _accounts(args)
    connection = Connection(
        profile=args.profile, role_arn=args.role_arn, external_id=args.external_id,
        region=args.region, max_attempts=args.max_attempts,
        connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
    )
    request = RemediationRequest(
        connection=connection, accounts=tuple(accounts), organization=args.organization,
        org_role=args.org_role, apply=args.apply, deactivate_only=args.deactivate_only,
        force=args.force, min_idle_days=args.min_idle_days,
        wait=ReportWait(timeout=args.report_wait),
    )
    return request, skipped


def _check_combination(args: argparse.Namespace) -> None:
    sources = [bool(args.accounts or args.accounts_file), args.organization,
               args.from_findings is not None]
    if sum(sources) != 1:
        raise UsageError(
            "give the accounts one way: --accounts/--accounts-file, --organization or "
            "--from-findings"
        )
    if args.apply and args.audit_log is None:
        raise UsageError("--apply needs --audit-log FILE: each action is recorded there first")
    if args.external_id and not args.role_arn:
        raise UsageError("--external-id needs --role-arn")


def _accounts(args: argparse.Namespace) -> tuple[list[str], list[AccountOutcome]]:
    from rootkeys.remediate import AccountOutcome, State
    from rootkeys.remediate_findings import FindingsError, failing_accounts

    if args.from_findings is None:
        return [*args.accounts, *_accounts_file(args.accounts_file)], []
    try:
        found = failing_accounts(args.from_findings)
    except FindingsError as error:
        raise UsageError(str(error)) from None

    muted = [AccountOutcome(account, State.SKIPPED, "its FAIL finding is muted")
             for account in found.muted]
    return found.accounts, muted


def _stop_on_interrupt(stop: threading.Event) -> Callable[[], None]:
    """First Ctrl-C: finish the key at hand, begin nothing new. Second: stop at once."""

    def first(signum: int, frame: Any) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)
        print("rootkeys: interrupted; finishing the key at hand (Ctrl-C again stops at once)",
              file=sys.stderr)

    previous = signal.signal(signal.SIGINT, first)

    def restore() -> None:
        signal.signal(signal.SIGINT, previous)

    return restore


def print_outcome(outcome: AccountOutcome) -> None:
    """The account's one outcome line, then its keys and its finding, indented."""
    print(f"{outcome.account_id}  {outcome.state.value:<11}  {outcome.text}")
    for key in outcome.keys:
        print(f"    {_describe(key)}")
    if outcome.finding is not None:
        verdict = outcome.finding.verdict
        print(f"    finding now: {outcome.finding.status}  {verdict.status_extended}")
    sys.stdout.flush()


def _describe(key: KeyOutcome) -> str:
    from rootkeys.remediate import Usage

    created = f"{key.key.created:%Y-%m-%d}" if key.key.created else "unknown"
    usage = key.usage
    if not isinstance(usage, Usage):
        used = f"last use unknown ({usage})"
    elif usage.last_used is None:
        used = "never used"
    else:
        where = "".join(f" {w} {v}" for w, v in (("by", usage.service), ("in", usage.region))
                        if v)
        used = f"last used {usage.last_used:%Y-%m-%d}{where}"
    return f"{key.key.key_id}  {key.key.status}  created {created}  {used}: {key.result}"


def _print_total(outcomes: list[AccountOutcome], request: RemediationRequest,
                 caller: str = "", audit: Any = None) -> None:
    counts: dict[str, int] = {}
    for outcome in outcomes:
        counts[outcome.state.value] = counts.get(outcome.state.value, 0) + 1
    noun = "account" if len(outcomes) == 1 else "accounts"
    tally = ", ".join(f"{count} {state}" for state, count in sorted(counts.items()))
    print(f"Total: {len(outcomes)} {noun}" + (f": {tally}" if tally else ""))
    if caller:
        print(f"Caller: {caller}")
    if audit is not None:
        print(f"Audit log: {audit.path}")
    elif not request.apply:
        print("Dry run: nothing was changed. --apply --audit-log FILE acts.")

