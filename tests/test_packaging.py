"""What ``pip install .`` installs carries the check, its metadata and the mappings.

CI installs the project in editable mode (so the tests and the prowler command see one
package); this test runs setuptools' own build steps on setup.cfg, into a temporary
folder and with no network, to prove that a plain install ships the same files.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHECK_DIR = "rootkeys/plugin/services/iam/iam_root_access_key_absent"
CHECK_MODULE = "rootkeys.plugin.services.iam.iam_root_access_key_absent.iam_root_access_key_absent"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build")
    subprocess.run(
        [sys.executable, "-c", "import setuptools; setuptools.setup()", "-q",
         "build_py", "-d", str(out / "lib"), "egg_info", "-e", str(out)],
        cwd=REPO, check=True, capture_output=True, timeout=300,
    )
    return out


def test_install_has_check_module_and_its_metadata(built: Path) -> None:
    lib = built / "lib"

    assert (lib / CHECK_DIR / "iam_root_access_key_absent.py").is_file()
    assert (lib / CHECK_DIR / "iam_root_access_key_absent.metadata.json").is_file()
    assert (lib / "rootkeys/control/iam_root_access_key_absent.toml").is_file()


def test_install_has_every_compliance_file(built: Path) -> None:
    shipped = {path.name for path in (built / "lib/rootkeys/compliance").glob("*.json")}

    committed = {path.name for path in (REPO / "rootkeys" / "compliance").glob("*.json")}
    assert len(committed) == 12
    assert shipped == committed


def test_install_registers_check_and_compliance_entry_points(built: Path) -> None:
    [entry_points] = built.glob("*.egg-info/entry_points.txt")
    text = entry_points.read_text()

    assert f"iam_root_access_key_absent = {CHECK_MODULE}" in text
    assert "aws = rootkeys.compliance" in text
    assert "rootkeys = rootkeys.cli:main" in text
