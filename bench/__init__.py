"""Benchmarks of rootkeys side by side with Prowler's own check (issue 5).

Run them from the repository root, e.g. ``python -m bench.prowler_check``. Each script
starts its own moto server on 127.0.0.1 (the one the tests use, which models the root
user), seeds it, and prints Markdown tables. Nothing here is collected by pytest.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The moto server lives in tests/support, which an editable install does not put on the path.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
