"""Build one force-quarter in its own process (``python -m pccreport.batch.worker``): the isolation unit of a batch run.

A batch run starts one of these per force-quarter, locally or on a Dask worker. A crash anywhere in it (a kernel
dying, WeasyPrint running out of memory, a segfault) fails only this force-quarter. On SIGTERM/SIGINT, or when the
parent dies (Linux parent-death signal), it removes its unfinished build, kills its kernels and exits; on SIGKILL the
unfinished build is left under .builds/ and removed by the next run that takes this force-quarter's lock.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path

import psutil

PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """preexec_fn: ask Linux to send SIGTERM to this child when the process that started it dies (even by SIGKILL)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:  # not Linux: the parent's own signal handlers still stop its workers
        pass


def kill_children() -> None:
    """Kill every process this one started (Jupyter kernels), so none outlives a failed or stopped build."""
    kids = psutil.Process().children(recursive=True)
    for k in kids:
        try:
            k.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(kids, timeout=5)


def task_command(task: dict) -> list[str]:
    """The command line that builds one task (a dict of root, force, quarter, jobs, timeout, force_rebuild)."""
    cmd = [sys.executable, "-m", "pccreport.batch.worker", "--root", str(task["root"]), "--force", task["force"],
           "--quarter", task["quarter"], "--jobs", str(task["jobs"]), "--timeout", str(task["timeout"])]
    return cmd + (["--force-rebuild"] if task.get("force_rebuild") else []) + (
        ["--allow-empty"] if task.get("allow_empty") else [])


def run_task(task: dict) -> dict:
    """Run one force-quarter in a child process and return its result dict (also what a Dask task returns).

    The child's log goes back in ``result["log"]``; a child that died without a result (killed, segfault, out of
    memory) is reported as failed with its exit status.
    """
    import tempfile

    fd, result_path = tempfile.mkstemp(prefix="pccreport-result-", suffix=".json")
    os.close(fd)
    try:
        proc = subprocess.Popen(task_command(task) + ["--result", result_path], stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, preexec_fn=die_with_parent)
        try:
            out, _ = proc.communicate()
        except BaseException:  # the batch run is being stopped: stop this build too (it cleans up after itself)
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
            raise
        try:
            result = json.loads(Path(result_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            result = {"force": task["force"], "quarter": task["quarter"], "ok": False, "status": "failed",
                      "error": f"build process died with exit status {proc.returncode} before reporting a result",
                      "notebook": "", "cell": "", "reason": "", "seconds": 0.0}
        result["log"] = out
        result["host"] = os.uname().nodename
        return result
    finally:
        Path(result_path).unlink(missing_ok=True)


def _stop(signum, frame):  # noqa: ARG001 - signal handler signature
    raise SystemExit(128 + signum)


def skip_unused_imports() -> None:
    """Keep this process from loading the optional ``rfc3987_syntax`` package, which nothing in a build uses.

    jsonschema (imported by nbformat, which papermill and nbconvert use) imports it, when installed, for its "iri"
    format check, and it compiles a grammar at import: about 2 CPU-seconds of every build (4.0-4.6 s against
    1.9-2.7 s to import the renderer and papermill, measured at load 5). No format is ever checked here: nbformat,
    papermill, nbconvert and nbclient validate without a format checker. Marking the module missing makes jsonschema
    skip that one check, as it does when the package is not installed.
    """
    sys.modules.setdefault("rfc3987_syntax", None)


def main(argv: list[str] | None = None) -> int:
    """Build one force-quarter and write its result as JSON to --result."""
    skip_unused_imports()
    ap = argparse.ArgumentParser(prog="python -m pccreport.batch.worker")
    ap.add_argument("--root", required=True)
    ap.add_argument("--force", required=True)
    ap.add_argument("--quarter", required=True)
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--timeout", type=int, default=600)
    ap.add_argument("--force-rebuild", action="store_true")
    ap.add_argument("--allow-empty", action="store_true")
    ap.add_argument("--result", required=True)
    args = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    logging.basicConfig(level=logging.INFO, format=f"%(asctime)s %(levelname)s [{args.force} {args.quarter}] %(message)s")
    for noisy in ("fontTools", "weasyprint", "papermill", "traitlets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from ..config import Paths
    from ..hashing import atomic_write_json
    from .build import run_one

    code = 0
    try:
        res = run_one(Paths.discover(args.root), args.force, args.quarter, args.jobs, args.timeout, args.force_rebuild,
                      allow_empty=args.allow_empty)
        atomic_write_json(Path(args.result), res.as_dict())
    except SystemExit as exc:  # SIGTERM/SIGINT or the parent's death, after run_one discarded the unfinished build
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported here, then the same exit as every other path
        traceback.print_exc()
        code = 1
    finally:
        kill_children()
    sys.stdout.flush()
    sys.stderr.flush()
    # Every path leaves by os._exit: a normal exit joins the notebook lanes' threads, and a lane that was starting a
    # kernel or waiting on a cell when the build stopped would hold the process up to its kernel timeout.
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
