"""The wheel that ``pip install .`` builds carries the check, its metadata and the mappings.

CI installs the project in editable mode (so the tests and the prowler command see one
package); this test proves the plain install a user makes ships the same files.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK_DIR = "rootkeys/plugin/services/iam/iam_root_access_key_absent"
CHECK_MODULE = "rootkeys.plugin.services.iam.iam_root_access_key_absent.iam_root_access_key_absent"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "-w", str(out), str(REPO)],
        check=True, capture_output=True, timeout=300,
    )
    [built] = out.glob("rootkeys-*.whl")
    return zipfile.ZipFile(built)


def test_wheel_has_check_module_and_its_metadata(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())

    assert f"{CHECK_DIR}/iam_root_access_key_absent.py" in names
    assert f"{CHECK_DIR}/iam_root_access_key_absent.metadata.json" in names
    assert "rootkeys/control/iam_root_access_key_absent.toml" in names


def test_wheel_has_every_compliance_file(wheel: zipfile.ZipFile) -> None:
    shipped = {
        Path(name).name for name in wheel.namelist() if name.startswith("rootkeys/compliance/")
    }

    committed = {path.name for path in (REPO / "rootkeys" / "compliance").glob("*.json")}
    assert committed and committed <= shipped


def test_wheel_registers_check_and_compliance_entry_points(wheel: zipfile.ZipFile) -> None:
    [entry_points] = [name for name in wheel.namelist() if name.endswith("entry_points.txt")]
    text = wheel.read(entry_points).decode()

    assert f"iam_root_access_key_absent = {CHECK_MODULE}" in text
    assert "aws = rootkeys.compliance" in text
    assert "rootkeys = rootkeys.cli:main" in text
