"""Run one command and write its wall time, exit code, peak RSS and CPU time as JSON.

    python bench/launch.py RESULT.json TIMEOUT COMMAND...

Why a separate, small process: on Linux a child started with vfork or fork and then exec
keeps its parent's high-water RSS in ``ru_maxrss``. Started straight from the benchmark,
whose moto server holds whole organizations, every child would seem at least as big as
the server. Started from this launcher (about 10 MB), the figure is the command's own.
Standard library only, so the launcher itself stays small and starts fast.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time


def main(argv: list[str]) -> int:
    result, timeout, *command = argv
    start = time.perf_counter()
    child = subprocess.Popen(command)
    timer = threading.Timer(float(timeout), child.kill)
    timer.start()
    try:
        _, status, usage = os.wait4(child.pid, 0)
    finally:
        timer.cancel()
    seconds = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)

    figures = {
        "seconds": seconds,
        "returncode": child.returncode,
        "rss_mb": usage.ru_maxrss / 1024,  # Linux reports KiB
        "cpu": usage.ru_utime + usage.ru_stime,
    }
    with open(result, "w", encoding="utf-8") as handle:
        json.dump(figures, handle)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
