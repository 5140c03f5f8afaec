"""Run a command in this process with every thread profiled on its own CPU clock.

``cProfile`` on the command line sees only the main thread; ``rootkeys scan`` does its work
in a pool of threads. This wrapper gives each thread its own profiler, timed by
``time.thread_time`` (so a thread waiting on a socket costs nothing), and merges them.

    python -m bench.threadprofile OUT.prof module rootkeys.cli scan ...
    python -m bench.threadprofile OUT.prof script /path/to/prowler aws -c ...
"""

from __future__ import annotations

import cProfile
import pstats
import runpy
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

PROFILES: list[cProfile.Profile] = []
LOCK = threading.Lock()


def _profiled(run: Callable[[threading.Thread], None]) -> Callable[[threading.Thread], None]:
    def profiled_run(thread: threading.Thread) -> None:
        profile = cProfile.Profile(time.thread_time)
        with LOCK:
            PROFILES.append(profile)
        profile.runcall(run, thread)

    return profiled_run


def _target(kind: str, name: str) -> Callable[[], Any]:
    if kind == "module":
        return lambda: runpy.run_module(name, run_name="__main__", alter_sys=True)
    if kind == "script":
        return lambda: runpy.run_path(name, run_name="__main__")
    raise SystemExit(f"threadprofile: {kind!r} is neither 'module' nor 'script'")


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        raise SystemExit(__doc__)
    out, kind, name, *args = argv
    target = _target(kind, name)
    threading.Thread.run = _profiled(threading.Thread.run)  # type: ignore[method-assign,assignment]
    sys.argv = [name, *args]
    profile = cProfile.Profile(time.thread_time)
    PROFILES.append(profile)
    code = 0
    try:
        profile.runcall(target)
    except SystemExit as exit_:
        code = _exit_code(exit_.code)
    finally:
        _dump(out)
    return code


def _exit_code(code: object) -> int:
    """What the interpreter would exit with for ``sys.exit(code)``."""
    if code is None:
        return 0
    return code if isinstance(code, int) else 1


def _dump(out: str) -> None:
    with LOCK:
        profiles = [profile for profile in PROFILES if profile.getstats()]
    stats = pstats.Stats(profiles[0])
    for profile in profiles[1:]:
        stats.add(profile)
    stats.dump_stats(out)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
