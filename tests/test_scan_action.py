"""The GitHub Action: its scan step's script, run by bash as the runner runs it, against moto.

GitHub itself is not involved: the step's ``${{ inputs.* }}`` expressions are replaced
by the inputs (or their defaults) and the script runs with ``bash -eo pipefail``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.support.moto_root import RootModel
from tests.support.scan_run import make_organization
from tests.support.server import ACCOUNT, MotoServer

ACTION = Path(__file__).resolve().parent.parent / "action.yml"
EXPRESSION = re.compile(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}")
OTHER = "210987654321"


def _action() -> dict[str, Any]:
    return dict(yaml.safe_load(ACTION.read_text()))


def _run_step(
    moto: MotoServer, home: Path, workspace: Path, inputs: dict[str, str]
) -> tuple[subprocess.CompletedProcess[str], str]:
    action = _action()
    values = {name: spec.get("default", "") for name, spec in action["inputs"].items()}
    values.update(inputs)
    [step] = [s for s in action["runs"]["steps"] if s.get("id") == "scan"]
    env = moto.env(home)
    env.update({k: EXPRESSION.sub(lambda m: values[m.group(1)], v) for k, v in step["env"].items()})
    rootkeys = shutil.which("rootkeys")
    assert rootkeys
    env["PATH"] = f"{Path(rootkeys).parent}:{env['PATH']}"
    output = workspace / "github-output"
    output.touch()
    env["GITHUB_OUTPUT"] = str(output)

    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        env=env, cwd=workspace, capture_output=True, text=True, timeout=120,
    )
    return done, output.read_text()


def test_action_declares_the_inputs_the_issue_names() -> None:
    action = _action()

    assert sorted(action["inputs"]) == [
        "fail-on", "formats", "org-role", "organization", "output-dir", "role-arn"
    ]
    assert action["runs"]["using"] == "composite"
    install, scan = action["runs"]["steps"]
    assert install["run"] == 'python3 -m pip install --quiet "$GITHUB_ACTION_PATH"'
    assert "rootkeys \"${args[@]}\"" in scan["run"]


@pytest.mark.parametrize(
    ("situation", "fail_on", "code", "written"),
    [
        ("root-key", "FAIL", 3, "3"),
        ("role-refused", "FAIL", 0, "1"),
        ("role-refused", "MANUAL", 1, "1"),
        ("clean", "MANUAL", 0, "0"),
    ],
    ids=["key-fails", "manual-allowed", "manual-fails-when-asked", "clean-passes"],
)
def test_action_step_fails_as_fail_on_says(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path,
    situation: str, fail_on: str, code: int, written: str,
) -> None:
    inputs = {"fail-on": fail_on}
    if situation == "root-key":
        root.add_key(ACCOUNT, 1, active=True)
    if situation == "role-refused":
        root.roles_missing.add(OTHER)
        inputs["role-arn"] = f"arn:aws:iam::{OTHER}:role/Auditor"

    done, output = _run_step(moto, home, tmp_path, inputs)

    assert done.returncode == code, done.stderr
    assert output == f"exit-code={written}\n"


def test_action_scans_organization_into_output_dir(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    members = make_organization(moto, 3)
    root.add_key(members[0], 1, active=False)

    done, output = _run_step(
        moto, home, tmp_path, {"organization": "true", "output-dir": "reports"}
    )

    assert done.returncode == 3, done.stderr
    assert "Total: 4 accounts: 3 PASS, 1 FAIL, 0 MANUAL, 0 MUTED" in done.stdout.splitlines()
    suffixes = sorted(p.name.split(".", 1)[1] for p in (tmp_path / "reports").iterdir())
    assert suffixes == ["csv", "junit.xml", "ocsf.json", "sarif"]


def test_action_rejects_unknown_fail_on(moto: MotoServer, home: Path, tmp_path: Path) -> None:
    done, output = _run_step(moto, home, tmp_path, {"fail-on": "WARN"})

    assert done.returncode == 2
    assert done.stdout == "::error::fail-on must be FAIL or MANUAL, not 'WARN'\n"
    assert output == ""
