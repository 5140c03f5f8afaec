"""The plugin check run by the real prowler command against moto (entry-point path)."""

from __future__ import annotations

from pathlib import Path

from tests.support.moto_root import RootModel
from tests.support.prowler_run import run_prowler
from tests.support.server import ACCOUNT, MotoServer


def test_active_root_key_fails_in_every_format(
    moto: MotoServer, root: RootModel, home: Path, tmp_path: Path
) -> None:
    root.add_key(ACCOUNT, 1, active=True)

    run = run_prowler(moto.env(home), tmp_path / "out", ("json-ocsf", "csv", "json-asff", "html"))

    assert run.returncode == 3, run.stderr
    [finding] = run.ocsf()
    assert finding["status_code"] == "FAIL"
    assert finding["message"] == (
        "The root user has 1 access key: key 1 is active, last rotated 2024-01-02, "
        "no recorded use."
    )
    assert finding["resources"][0]["uid"] == f"arn:aws:iam::{ACCOUNT}:root"
    assert finding["unmapped"]["compliance"]["CIS-5.0"] == ["1.3"]
    [row] = run.csv_rows()
    assert row["STATUS"] == "FAIL"
    [asff] = run.asff()
    assert asff["Compliance"]["Status"] == "FAILED"
    assert "iam_root_access_key_absent" in run.html()
