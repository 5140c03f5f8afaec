"""Write the Prowler metadata and compliance files from ``metadata/``.

Run from the repository root: ``python -m rootkeys.generate``. A test regenerates the
files in memory and fails when the committed ones differ.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from rootkeys.catalog import CHECK_ID, control

CHECK_DIR = Path("checks") / CHECK_ID
COMPLIANCE_DIR = Path("rootkeys") / "compliance"


def prowler_metadata() -> dict[str, Any]:
    """The check's ``.metadata.json``, valid under Prowler's CheckMetadata model."""
    meta = control()
    return {
        "Provider": "aws",
        "CheckID": CHECK_ID,
        "CheckTitle": meta["title"],
        "CheckType": meta["check_types"],
        "ServiceName": "iam",
        "SubServiceName": "",
        "ResourceIdTemplate": "arn:partition:iam::account-id:root",
        "Severity": meta["severity"],
        "ResourceType": meta["resource_type"],
        "ResourceGroup": "IAM",
        "Description": meta["description"],
        "Risk": meta["risk"],
        "RelatedUrl": "",
        "AdditionalURLs": meta["references"],
        "Remediation": {
            "Code": {
                "CLI": meta["cli_command"],
                "NativeIaC": "",
                "Other": meta["remediation_console"],
                "Terraform": "",
            },
            "Recommendation": {"Text": meta["recommendation"], "Url": ""},
        },
        "Categories": ["identity-access"],
        "DependsOn": [],
        "RelatedTo": ["iam_no_root_access_key"],
        "Notes": meta["notes"],
    }


def compliance_files() -> dict[str, dict[str, Any]]:
    """One compliance framework file per mapping, keyed by file name (no extension)."""
    return {entry["file"]: _framework(entry) for entry in control()["mappings"]}


def _framework(entry: dict[str, Any]) -> dict[str, Any]:
    meta = control()
    attributes = _cis_attributes() if entry["kind"] == "cis" else _generic_attributes(entry)
    return {
        "Framework": entry["framework"],
        "Name": entry["name"],
        "Version": entry["version"],
        "Provider": "AWS",
        "Description": f"{entry['name']}: the requirement rootkeys checks ({CHECK_ID}).",
        "Requirements": [
            {
                "Id": entry["id"],
                "Description": entry.get("requirement", meta["requirement"]),
                "Checks": [CHECK_ID],
                "Attributes": [attributes],
            }
        ],
    }


def _cis_attributes() -> dict[str, Any]:
    meta = control()
    return {
        "Section": meta["section"],
        "Profile": meta["profile"],
        "AssessmentStatus": meta["assessment"],
        "Description": meta["description"],
        "RationaleStatement": meta["rationale"],
        "ImpactStatement": meta["impact"],
        "RemediationProcedure": _two("From the console", meta["remediation_console"],
                                     "From the command line", meta["remediation_cli"]),
        "AuditProcedure": _two("From the console", meta["audit_console"],
                               "From the command line", meta["audit_cli"]),
        "AdditionalInformation": _two("Backout plan", meta["backout"],
                                      "Prerequisites", meta["prerequisites"]),
        "DefaultValue": meta["default_value"],
        "References": ":".join(meta["references"]),
    }


def _generic_attributes(entry: dict[str, Any]) -> dict[str, Any]:
    return {"ItemId": entry["id"], "Section": control()["section"], "Service": "IAM"}


def _two(first_title: str, first: str, second_title: str, second: str) -> str:
    return f"**{first_title}:**\n{first}\n\n**{second_title}:**\n{second}"


def rendered() -> dict[Path, str]:
    """Every generated file and its exact text."""
    files = {CHECK_DIR / f"{CHECK_ID}.metadata.json": _dump(prowler_metadata())}
    for name, framework in compliance_files().items():
        files[COMPLIANCE_DIR / f"{name}.json"] = _dump(framework)
    return files


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for path, text in rendered().items():
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
