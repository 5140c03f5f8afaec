"""Write findings in the formats Prowler writes, with Prowler's own output code.

Prowler is imported here, lazily, only when a Prowler-format file is written, so
``rootkeys --version`` and ``--help`` stay fast. JUnit is ours (Prowler has none).

Limitations: Prowler's ASFF writer leaves MANUAL findings out (Security Hub has no such
state) and its SARIF writer keeps only FAIL findings; the json-ocsf and csv files
always hold one finding per account.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from rootkeys.catalog import CHECK_ID, compliance_map, control
from rootkeys.decision import Status
from rootkeys.results import ROOT_RESOURCE_NAME, AccountResult

log = logging.getLogger(__name__)

SUFFIXES = {
    "json-ocsf": ".ocsf.json",
    "csv": ".csv",
    "json-asff": ".asff.json",
    "sarif": ".sarif",
    "junit": ".junit.xml",
}
FORMATS = tuple(SUFFIXES)


def output_stem(directory: Path, name: str | None, when: datetime) -> Path:
    """``rootkeys-output-<name>-<YYYYmmddHHMMSS>`` in ``directory``, as Prowler names files."""
    label = f"-{name}" if name else ""
    return directory / f"rootkeys-output{label}-{when:%Y%m%d%H%M%S}"


def write_outputs(
    results: Sequence[AccountResult],
    formats: Sequence[str],
    stem: Path,
    auth_method: str,
) -> list[Path]:
    """Write every requested format, replacing files of the same name; return them."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    formats = list(dict.fromkeys(formats))
    written = []
    prowler_formats = [name for name in formats if name != "junit"]
    if prowler_formats:
        findings = prowler_findings(results, auth_method)
        written += [_write_prowler(name, findings, stem) for name in prowler_formats]
    if "junit" in formats:
        written.append(write_junit(results, Path(f"{stem}{SUFFIXES['junit']}")))
    return written


def prowler_findings(results: Sequence[AccountResult], auth_method: str) -> list[Any]:
    """Our results as Prowler ``Finding`` objects."""
    from prowler.lib.check.models import CheckMetadata

    from rootkeys.generate import prowler_metadata

    metadata = CheckMetadata.parse_obj(prowler_metadata())
    now = datetime.now(timezone.utc)
    return [_finding(result, metadata, now, auth_method) for result in results]


def _finding(result: AccountResult, metadata: Any, now: datetime, auth_method: str) -> Any:
    from prowler.lib.outputs.finding import Finding

    if result.root_management and result.verdict.status is Status.FAIL:
        metadata = metadata.copy(deep=True)
        metadata.Remediation.Recommendation.Text = control()["remediation_centralized"]

    return Finding(
        auth_method=auth_method,
        timestamp=now,
        account_uid=result.account_id,
        account_name=result.account_name,
        metadata=metadata,
        uid=f"prowler-aws-{CHECK_ID}-{result.account_id}-{result.region}-{ROOT_RESOURCE_NAME}",
        status=result.verdict.status.value,
        status_extended=result.verdict.status_extended,
        muted=result.muted,
        resource_uid=result.resource_arn,
        resource_metadata={"account_id": result.account_id, "arn": result.resource_arn},
        resource_name=ROOT_RESOURCE_NAME,
        resource_details="",
        partition=result.partition,
        region=result.region,
        compliance=compliance_map(),
    )


class OutputError(Exception):
    """A file was written with fewer findings than there are accounts."""


def _write_prowler(name: str, findings: list[Any], stem: Path) -> Path:
    path = Path(f"{stem}{SUFFIXES[name]}")
    part = _part_file(path)
    # Prowler's writers append to an existing file; start from an empty one, and learn of
    # an unwritable folder here, as an OSError, rather than from Prowler's own exit.
    part.open("w", encoding="utf-8").close()
    writer = _writer_class(name)(findings=findings, file_path=str(part))
    writer.batch_write_data_to_file()
    if part.stat().st_size == 0 and path.suffix == ".json":
        # Prowler writes nothing when nothing is left after its own filtering.
        part.write_text("[]\n", encoding="utf-8")

    # Prowler's writers log a finding they cannot convert and go on; we do not.
    if name in ("json-ocsf", "csv") and len(writer.data) != len(findings):
        part.unlink()
        raise OutputError(
            f"{path}: {len(writer.data)} of {len(findings)} findings could be written"
        )
    os.replace(part, path)
    return path


def _part_file(path: Path) -> Path:
    """Where a file is written before it replaces ``path`` at once: two runs writing the
    same name leave one whole file, never a mix."""
    return path.with_name(f".{path.name}.{os.getpid()}.part")


def _writer_class(name: str) -> Any:
    if name == "json-ocsf":
        from prowler.lib.outputs.ocsf.ocsf import OCSF

        return OCSF
    if name == "csv":
        from prowler.lib.outputs.csv.csv import CSV

        return CSV
    if name == "json-asff":
        from prowler.lib.outputs.asff.asff import ASFF

        return ASFF
    from prowler.lib.outputs.sarif.sarif import SARIF

    return SARIF


def write_junit(results: Sequence[AccountResult], path: Path) -> Path:
    """A JUnit report: one test case per account; FAIL is a failure, MANUAL an error."""
    failures = sum(1 for r in results if r.verdict.status is Status.FAIL and not r.muted)
    errors = sum(1 for r in results if r.verdict.status is Status.MANUAL and not r.muted)
    suite = ElementTree.Element(
        "testsuite",
        name=CHECK_ID,
        tests=str(len(results)),
        failures=str(failures),
        errors=str(errors),
        skipped=str(sum(1 for r in results if r.muted)),
    )
    for result in results:
        _junit_case(suite, result)

    part = _part_file(path)
    ElementTree.ElementTree(suite).write(part, encoding="utf-8", xml_declaration=True)
    os.replace(part, path)
    return path


def _junit_case(suite: ElementTree.Element, result: AccountResult) -> None:
    case = ElementTree.SubElement(
        suite, "testcase", classname=CHECK_ID, name=f"{result.account_id} {result.resource_arn}"
    )
    text = result.verdict.status_extended
    if result.muted:
        ElementTree.SubElement(case, "skipped", message=f"muted: {text}")
    elif result.verdict.status is Status.FAIL:
        ElementTree.SubElement(case, "failure", message=text, type="FAIL")
    elif result.verdict.status is Status.MANUAL:
        ElementTree.SubElement(case, "error", message=text, type="MANUAL")
