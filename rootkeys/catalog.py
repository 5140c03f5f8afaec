"""The control's metadata, read from the one TOML file in ``metadata/``."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import tomllib

CHECK_ID = "iam_root_access_key_absent"


@lru_cache(maxsize=1)
def control() -> dict[str, Any]:
    """The parsed metadata file; long texts have their leading newline removed."""
    data = tomllib.loads(_source_text())
    return {key: _tidy(value) for key, value in data.items()}


def compliance_map() -> dict[str, list[str]]:
    """The finding's compliance field, as Prowler writes it: ``{"CIS-5.0": ["1.3"], ...}``."""
    mapping: dict[str, list[str]] = {}
    for entry in control()["mappings"]:
        key = entry["framework"] + (f"-{entry['version']}" if entry["version"] else "")
        mapping.setdefault(key, []).append(entry["id"])
    return mapping


def _tidy(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _source_text() -> str:
    try:
        source = resources.files("rootkeys.control").joinpath(f"{CHECK_ID}.toml")
    except ModuleNotFoundError:
        # Run from a source checkout that is not installed (``python -m rootkeys.generate``).
        return (Path(__file__).parents[1] / "metadata" / f"{CHECK_ID}.toml").read_text("utf-8")
    return source.read_text(encoding="utf-8")
