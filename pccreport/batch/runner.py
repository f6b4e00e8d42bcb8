"""Hand force-quarter tasks to a local pool of worker processes or to an existing Dask cluster; yield results."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed

from .worker import run_task


def split_jobs(jobs: int, n_tasks: int) -> tuple[int, int]:
    """(force-quarters at once, notebooks at once within each): whole reports in parallel first, as that keeps
    every core busy through the single-threaded HTML/PDF step too; spare cores go to notebooks within a report."""
    outer = max(1, min(jobs, n_tasks))
    return outer, max(1, jobs // outer)


def run_local(tasks: list[dict], workers: int) -> Iterator[dict]:
    """Run tasks in ``workers`` child processes at a time; yield each result as it finishes."""
    pool = ThreadPoolExecutor(max_workers=max(1, workers))
    futures = {pool.submit(run_task, t): t for t in tasks}
    try:
        for fut in as_completed(futures):
            yield _result(fut, futures[fut])
    finally:
        for f in futures:
            f.cancel()
        pool.shutdown(wait=True)  # running children were told to stop by run_task; wait until they have cleaned up


def run_dask(tasks: list[dict], scheduler: str, run_id: str, client_factory: Callable | None = None) -> Iterator[dict]:
    """Submit each task to the Dask scheduler at ``scheduler`` (e.g. tcp://host:8786); yield results as they finish.

    Each Dask task runs ``run_task``, i.e. the same isolated child process, lock and atomic swap as a local run, so
    the guarantees hold on any worker that sees the same project root (a shared filesystem). Dask does the queueing,
    placement and retry of lost workers; a task is submitted with ``retries=0`` so a failing build is reported, not
    repeated.
    """
    from distributed import Client
    from distributed import as_completed as dask_completed

    client = client_factory() if client_factory else Client(scheduler, timeout="30s")
    try:
        futures = client.map(run_task, tasks, pure=False, retries=0,
                             key=[f"pccreport-{t['force']}-{t['quarter']}-{run_id}" for t in tasks])
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in dask_completed(futures):
            yield _result(fut, by_key[fut.key])
    finally:
        client.close()


def _result(fut, task: dict) -> dict:
    try:
        return fut.result()
    except Exception as exc:  # the task itself could not run (e.g. Dask worker lost): that force-quarter failed
        return {"force": task["force"], "quarter": task["quarter"], "ok": False, "status": "failed",
                "error": f"{type(exc).__name__}: {exc}".splitlines()[0], "notebook": "", "cell": "", "reason": "",
                "seconds": 0.0, "log": ""}
