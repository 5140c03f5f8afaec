"""The ``rootkeys`` command: offline evaluation of downloaded files, and live scans.

Only the standard library is imported at start-up; boto3 and Prowler are imported by the
sub-command that needs them, so ``rootkeys --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import re
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from rootkeys import __version__

if TYPE_CHECKING:
    from rootkeys.mutelist import Mutelist
    from rootkeys.scan import ScanRequest

EXIT_PASS, EXIT_MANUAL, EXIT_USAGE, EXIT_FAIL = 0, 1, 2, 3
STATUSES = ("PASS", "FAIL", "MANUAL")
DEFAULT_FORMATS = ("json-ocsf", "csv")
MAX_WORKERS = 256


class UsageError(Exception):
    """Bad input from the user: printed without a traceback, exit code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(levelname)s %(name)s: %(message)s")
    try:
        return int(args.run(args))
    except UsageError as error:
        print(f"rootkeys: error: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("rootkeys: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rootkeys",
        description="Prove that the root user of each AWS account has no access keys "
        "(CIS AWS Foundations, 'no root user access key'). Exit codes: 0 all PASS, "
        "3 any FAIL, 1 any MANUAL (could not evaluate) and no FAIL, 2 usage error.",
    )
    parser.add_argument("--version", action="version", version=f"rootkeys {__version__}")
    parser.add_argument(
        "--log-level",
        default="WARNING",
        choices=("DEBUG", "INFO", "WARNING", "ERROR"),
        help="log detail on stderr (default: WARNING)",
    )
    commands = parser.add_subparsers(title="commands", required=True, metavar="COMMAND")
    _add_evaluate(commands)
    _add_scan(commands)
    from rootkeys.remediate_cli import add_remediate_command

    add_remediate_command(commands)
    return parser


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """The output options shared by every command, named as Prowler names them."""
    group = parser.add_argument_group("output")
    group.add_argument(
        "-M",
        "--output-formats",
        nargs="+",
        default=list(DEFAULT_FORMATS),
        metavar="FORMAT",
        type=_format,
        help="formats to write: json-ocsf, csv, json-asff, sarif, junit "
        "(default: json-ocsf csv)",
    )
    group.add_argument(
        "-o", "--output-directory", type=Path, default=Path("output"),
        help="folder for the output files (default: ./output)",
    )
    group.add_argument(
        "-F", "--output-filename", metavar="NAME",
        help="file name without extension (default: rootkeys-output-<account>-<time>)",
    )
    group.add_argument(
        "--status", nargs="+", choices=STATUSES, metavar="STATUS",
        help="keep only findings with these statuses: PASS, FAIL, MANUAL",
    )
    group.add_argument(
        "--inactive-keys-pass", action="store_true",
        help="treat a root user whose keys are all inactive as PASS (default: FAIL, "
        "as the control asks for deletion)",
    )


def _format(value: str) -> str:
    from rootkeys.outputs import FORMATS

    if value not in FORMATS:
        raise argparse.ArgumentTypeError(f"{value!r} is not one of: {', '.join(FORMATS)}")
    return value


def _add_evaluate(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="evaluate a credential report you downloaded, no AWS access needed",
        description="Evaluate the control offline from a credential report (the CSV the "
        "IAM console downloads, or the JSON of 'aws iam get-credential-report') and, "
        "optionally, the JSON of 'aws iam get-account-summary'.",
    )
    parser.add_argument("--credential-report", type=Path, required=True, metavar="FILE")
    parser.add_argument("--account-summary", type=Path, metavar="FILE")
    parser.add_argument(
        "--account-id", metavar="ID",
        help="the account's 12-digit id, when the report has no IAM ARN to tell it",
    )
    add_output_arguments(parser)
    parser.set_defaults(run=run_evaluate)


def run_evaluate(args: argparse.Namespace) -> int:
    from rootkeys.decision import Options, decide
    from rootkeys.offline import InputError, load_evidence
    from rootkeys.results import AccountResult

    try:
        evidence = load_evidence(args.credential_report, args.account_summary, args.account_id)
    except InputError as error:
        raise UsageError(str(error)) from None

    verdict = decide(evidence, Options(inactive_keys_pass=args.inactive_keys_pass))
    result = AccountResult(evidence.account_id, evidence.partition, verdict)
    return finish([result], args, name=evidence.account_id, auth_method="offline files")


def _add_scan(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "scan",
        help="scan live AWS accounts: yours, chosen ones, or a whole organization",
        description="Read the account summary and credential report of each account and "
        "decide the control. Credentials come from the standard AWS chain (environment, "
        "profile, SSO, instance role). Without --organization or --accounts, only the "
        "caller's account is scanned.",
    )
    _add_scan_credentials(parser)
    _add_scan_accounts(parser)
    _add_scan_limits(parser)
    parser.add_argument(
        "--mutelist-file", type=Path, metavar="FILE",
        help="a Prowler-format mutelist (YAML); muted findings are written as MUTED and do "
        "not fail the gate",
    )
    add_output_arguments(parser)
    parser.set_defaults(run=run_scan)


def _add_scan_credentials(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("credentials")
    group.add_argument("--profile", metavar="NAME", help="AWS profile (default: the chain's)")
    group.add_argument(
        "--role-arn", type=_role_arn, metavar="ARN",
        help="assume this role first and scan as it",
    )
    group.add_argument("--external-id", metavar="ID", help="external id for --role-arn")
    group.add_argument(
        "--region", metavar="REGION", type=_region,
        help="STS region; needed only outside the commercial partition when the profile "
        "names none (e.g. us-gov-west-1, cn-north-1)",
    )


def _add_scan_accounts(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("accounts")
    group.add_argument(
        "--organization", action="store_true",
        help="scan every account of the caller's organization (suspended ones are skipped)",
    )
    group.add_argument(
        "--org-role", metavar="NAME",
        help="role assumed in each account other than the caller's "
        "(default: OrganizationAccountAccessRole)",
    )
    group.add_argument(
        "--accounts", nargs="+", type=_account_id, metavar="ID", default=[],
        help="scan these accounts (with --organization: only these of the organization)",
    )
    group.add_argument(
        "--accounts-file", type=Path, metavar="FILE",
        help="like --accounts, one id per line; '#' starts a comment",
    )
    group.add_argument(
        "--shard", type=_shard, metavar="K/N",
        help="scan only the K-th of N equal shares of the sorted account list",
    )
    group.add_argument(
        "--workers", type=_workers, default=16, metavar="N",
        help=f"accounts scanned at the same time, 1 to {MAX_WORKERS} (default: 16)",
    )


def _add_scan_limits(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS calls")
    group.add_argument(
        "--max-attempts", type=_positive_int, default=5, metavar="N",
        help="attempts per call, with botocore's standard retry mode (default: 5)",
    )
    group.add_argument(
        "--connect-timeout", type=_positive_float, default=10.0, metavar="SECONDS",
        help="connection timeout per attempt (default: 10)",
    )
    group.add_argument(
        "--read-timeout", type=_positive_float, default=30.0, metavar="SECONDS",
        help="read timeout per attempt (default: 30)",
    )
    group.add_argument(
        "--report-wait", type=_positive_float, default=60.0, metavar="SECONDS",
        help="how long to wait for a credential report to be generated (default: 60)",
    )


def _account_id(value: str) -> str:
    from rootkeys.organization import parse_account_id

    try:
        return parse_account_id(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _shard(value: str) -> tuple[int, int]:
    from rootkeys.organization import parse_shard

    try:
        return parse_shard(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+")


def _role_arn(value: str) -> str:
    if not ROLE_ARN.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a role ARN (arn:<partition>:iam::<account>:role/<name>)"
        )
    return value


def _workers(value: str) -> int:
    number = _positive_int(value)
    if number > MAX_WORKERS:
        # Each worker holds HTTP connections; beyond this the pool costs memory, not speed.
        raise argparse.ArgumentTypeError(f"{value!r} is more than {MAX_WORKERS} workers")
    return number


def _region(value: str) -> str:
    if not re.fullmatch(r"[a-z]{2}(-[a-z]+)+-[0-9]+", value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an AWS region name (us-east-1)")
    return value


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def _positive_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        number = 0.0
    if not 0 < number < 86400:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a number of seconds above 0 and below a day"
        )
    return number


def run_scan(args: argparse.Namespace) -> int:
    request, mutelist = _scan_request(args)

    from rootkeys.mutelist import apply_mutelist
    from rootkeys.organization import OrganizationError
    from rootkeys.scan import CredentialError, run

    with contextlib.ExitStack() as stack:
        try:
            outcome = run(request, _progress(stack))
        except (CredentialError, OrganizationError) as error:
            raise UsageError(str(error)) from None

    for member in outcome.skipped:
        print(f"{member.account_id}  skipped: the account is {member.state}")
    if not outcome.results:
        # Nothing looked at is not a pass: a gate must not go green on an empty selection.
        raise UsageError("no account was scanned: the selection, after skipping suspended "
                         "or closed accounts and taking the shard, is empty")
    results = apply_mutelist(mutelist, outcome.results) if mutelist else outcome.results
    return finish(results, args, name=outcome.name, auth_method=outcome.auth_method)


def _scan_request(args: argparse.Namespace) -> tuple[ScanRequest, Mutelist | None]:
    """The scan the arguments ask for, checked; ``UsageError`` when they do not fit."""
    from rootkeys.aws import ReportWait
    from rootkeys.decision import Options
    from rootkeys.scan import DEFAULT_ORG_ROLE, Connection, ScanRequest

    accounts = tuple(args.accounts) + tuple(_accounts_file(args.accounts_file))
    _check_scan_combination(args, bool(accounts))
    connection = Connection(
        profile=args.profile, role_arn=args.role_arn, external_id=args.external_id,
        region=args.region, max_attempts=args.max_attempts,
        connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
    )
    request = ScanRequest(
        connection=connection, organization=args.organization, accounts=accounts,
        shard=args.shard, org_role=args.org_role or DEFAULT_ORG_ROLE, workers=args.workers,
        options=Options(inactive_keys_pass=args.inactive_keys_pass),
        wait=ReportWait(timeout=args.report_wait),
    )
    return request, _mutelist(args.mutelist_file)


def _check_scan_combination(args: argparse.Namespace, accounts: bool) -> None:
    many = args.organization or accounts
    if args.external_id and not args.role_arn:
        raise UsageError("--external-id needs --role-arn")
    if args.shard and not many:
        raise UsageError("--shard needs --organization, --accounts or --accounts-file")
    if args.org_role and not many:
        raise UsageError("--org-role needs --organization, --accounts or --accounts-file")
    if args.org_role and not re.fullmatch(r"[\w+=,.@/-]{1,512}", args.org_role):
        raise UsageError(f"--org-role: {args.org_role!r} is not a role name")


def _accounts_file(path: Path | None) -> list[str]:
    from rootkeys.organization import read_account_ids

    if path is None:
        return []
    try:
        with path.open(encoding="utf-8") as handle:
            ids = read_account_ids(handle)
    except OSError as error:
        raise UsageError(f"cannot read {path}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"{path}: {error}") from None
    if not ids:
        raise UsageError(f"{path}: no account id in the file")
    return ids


def _mutelist(path: Path | None) -> Mutelist | None:
    from rootkeys.mutelist import MutelistError, load_mutelist

    if path is None:
        return None
    try:
        return load_mutelist(path)
    except MutelistError as error:
        raise UsageError(str(error)) from None


def _progress(stack: contextlib.ExitStack) -> Callable[[int], Callable[[], None]] | None:
    """A progress bar on stderr for many accounts on a terminal; nothing otherwise."""
    if not sys.stderr.isatty():
        return None

    def start(total: int) -> Callable[[], None]:
        if total < 2:
            return lambda: None
        from alive_progress import alive_bar

        bar = stack.enter_context(
            alive_bar(total, file=sys.stderr, title="rootkeys", enrich_print=False)
        )
        return lambda: bar()

    return start


def finish(results: list, args: argparse.Namespace, name: str, auth_method: str) -> int:
    """Filter, write the files, print the summary, and return the exit code."""
    from rootkeys.outputs import OutputError, output_stem, write_outputs

    shown = [r for r in results if not args.status or r.verdict.status.value in args.status]
    when = datetime.now(timezone.utc)
    stem = (
        args.output_directory / _file_name(args.output_filename)
        if args.output_filename
        else output_stem(args.output_directory, name, when)
    )
    try:
        written = write_outputs(shown, args.output_formats, stem, auth_method)
    except OSError as error:
        raise UsageError(f"cannot write to {args.output_directory}: {error.strerror}") from None
    except OutputError as error:
        # A file is missing findings: print what is known, and never let the gate pass.
        print_summary(shown, [])
        print(f"rootkeys: error: {error}", file=sys.stderr)
        return exit_code(results) or EXIT_MANUAL

    print_summary(shown, written)
    return exit_code(results)


def _file_name(name: str) -> str:
    """``-F`` names a file inside ``-o``, never a path elsewhere."""
    if "/" in name or "\\" in name or name in (".", ".."):
        raise UsageError(f"-F {name!r}: give a file name without folders (use -o for the folder)")
    return name


def print_summary(results: list, written: list[Path]) -> None:
    for result in results:
        print(f"{result.account_id}  {result.status:<6}  {result.verdict.status_extended}")
    counts = {status: 0 for status in (*STATUSES, "MUTED")}
    for result in results:
        counts[result.status] += 1
    noun = "account" if len(results) == 1 else "accounts"
    tally = ", ".join(f"{count} {status}" for status, count in counts.items())
    print(f"Total: {len(results)} {noun}: {tally}")
    for path in written:
        print(f"Wrote {path}")


def exit_code(results: list) -> int:
    """Prowler's convention: 3 on any FAIL, else 1 on any MANUAL, else 0. Muted never fail."""
    live = [r.verdict.status.value for r in results if not r.muted]
    if "FAIL" in live:
        return EXIT_FAIL
    if "MANUAL" in live:
        return EXIT_MANUAL
    return EXIT_PASS


if __name__ == "__main__":
    sys.exit(main())
