"""The CIS metadata: one source in metadata/, generated files that match it, and Prowler's
own models accepting what is generated."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path, PurePosixPath

import pytest
from prowler.lib.check.compliance_models import load_compliance_framework
from prowler.lib.check.models import CheckMetadata

from rootkeys.catalog import CHECK_ID, compliance_map, control
from rootkeys.generate import COMPLIANCE_DIR, rendered
from tests.support.mapping import ISSUE_MAPPING

REPO = Path(__file__).parents[1]
GENERATED = sorted(rendered(), key=str)
METADATA_FILE = REPO / "checks" / CHECK_ID / f"{CHECK_ID}.metadata.json"
COMPLIANCE_FILES = sorted((REPO / COMPLIANCE_DIR).glob("*.json"))
# What the issue asks the CIS metadata to carry, each in our own words.
CIS_FIELDS = (
    "description", "rationale", "impact", "audit_console", "audit_cli",
    "remediation_console", "remediation_cli", "backout", "prerequisites", "references",
)


def prowler_files(prefix: str, suffix: str) -> list[PurePosixPath]:
    """Files of the installed Prowler distribution (its record, not the folder, which
    ``--checks-folder`` changes for the length of a scan)."""
    files = importlib.metadata.files("prowler") or []
    return [
        PurePosixPath(str(path))
        for path in files
        if str(path).startswith(prefix) and str(path).endswith(suffix)
    ]


@pytest.mark.parametrize("path", GENERATED, ids=str)
def test_committed_generated_file_equals_rendered_text(path: Path) -> None:
    committed = (REPO / path).read_text(encoding="utf-8")

    assert committed == rendered()[path]


def test_committed_compliance_files_are_exactly_the_rendered_ones() -> None:
    committed = {path.relative_to(REPO) for path in COMPLIANCE_FILES}

    assert committed == {path for path in GENERATED if path.parent == COMPLIANCE_DIR}


def test_check_metadata_validates_under_prowler_model() -> None:
    metadata = CheckMetadata.parse_file(METADATA_FILE)

    assert metadata.CheckID == CHECK_ID
    assert metadata.CheckTitle == control()["title"]
    assert metadata.ServiceName == "iam"
    assert metadata.Severity.value == "critical"
    assert metadata.ResourceIdTemplate == "arn:partition:iam::account-id:root"


@pytest.mark.parametrize("field", ["Description", "Risk"])
def test_check_metadata_text_fits_prowler_limit(field: str) -> None:
    text = json.loads(METADATA_FILE.read_text(encoding="utf-8"))[field]

    assert 0 < len(text) <= 400


@pytest.mark.parametrize("path", COMPLIANCE_FILES, ids=lambda path: path.name)
def test_compliance_file_loads_with_prowler_loader(path: Path) -> None:
    framework = load_compliance_framework(str(path))

    assert framework is not None
    [requirement] = framework.Requirements
    assert requirement.Checks == [CHECK_ID]
    assert framework.Provider == "AWS"


@pytest.mark.parametrize(
    "path",
    [path for path in COMPLIANCE_FILES if "_cis_" in path.name and "controls" not in path.name],
    ids=lambda path: path.name,
)
def test_cis_benchmark_file_is_level_1_automated(path: Path) -> None:
    framework = load_compliance_framework(str(path))

    assert framework is not None
    [attributes] = framework.Requirements[0].Attributes
    assert attributes.Profile.value == "Level 1"
    assert attributes.AssessmentStatus.value == "Automated"


def test_compliance_map_has_exactly_the_issue_ids() -> None:
    assert compliance_map() == ISSUE_MAPPING


def test_compliance_files_carry_the_issue_ids() -> None:
    found: dict[str, list[str]] = {}
    for path in COMPLIANCE_FILES:
        framework = load_compliance_framework(str(path))
        assert framework is not None
        key = framework.Framework + (f"-{framework.Version}" if framework.Version else "")
        found.setdefault(key, []).extend(req.Id for req in framework.Requirements)

    assert found == ISSUE_MAPPING


@pytest.mark.parametrize("field", CIS_FIELDS)
def test_control_metadata_field_is_filled(field: str) -> None:
    assert control()[field]


def test_check_id_is_not_a_prowler_builtin() -> None:
    builtin = {path.parent.name for path in prowler_files("prowler/providers/aws/services/", "")}

    assert "iam_no_root_access_key" in builtin
    assert CHECK_ID not in builtin


def test_compliance_file_names_do_not_collide_with_prowler_builtins() -> None:
    builtin = {path.name for path in prowler_files("prowler/compliance/aws/", ".json")}
    ours = {path.name for path in COMPLIANCE_FILES}

    assert "cis_5.0_aws.json" in builtin
    assert len(ours) == len(ISSUE_MAPPING)
    assert ours & builtin == set()
