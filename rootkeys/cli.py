"""The ``rootkeys`` command: offline evaluation of downloaded files, and live scans.

Only the standard library is imported at start-up; boto3 and Prowler are imported by the
sub-command that needs them, so ``rootkeys --version`` and ``--help`` stay fast.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from rootkeys import __version__

EXIT_PASS, EXIT_MANUAL, EXIT_USAGE, EXIT_FAIL = 0, 1, 2, 3
STATUSES = ("PASS", "FAIL", "MANUAL")
DEFAULT_FORMATS = ("json-ocsf", "csv")


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


def finish(results: list, args: argparse.Namespace, name: str, auth_method: str) -> int:
    """Filter, write the files, print the summary, and return the exit code."""
    from rootkeys.outputs import output_stem, write_outputs

    shown = [r for r in results if not args.status or r.verdict.status.value in args.status]
    when = datetime.now(timezone.utc)
    stem = (
        args.output_directory / args.output_filename
        if args.output_filename
        else output_stem(args.output_directory, name, when)
    )
    try:
        written = write_outputs(shown, args.output_formats, stem, auth_method)
    except OSError as error:
        raise UsageError(f"cannot write to {args.output_directory}: {error.strerror}") from None

    print_summary(shown, written)
    return exit_code(results)


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
