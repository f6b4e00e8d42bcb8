"""One warm Jupyter kernel reused for several notebooks of a build, each executed by papermill from a clean namespace.

A fresh kernel per notebook pays the kernel start, the imports (pandas, matplotlib, pccreport) and matplotlib's font
cache every time. Here papermill still loads, parameterises, executes and writes each notebook and raises its usual
errors; only the kernel comes from ``WarmKernel`` (a papermill engine registered under ``ENGINE``). Before every
notebook but the first, a silent request (no cell, no execution count) resets the kernel to what a fresh one looks
like to a notebook: user namespace emptied, execution count back to 1, pyplot figures closed, matplotlib's settings,
warning filters, sys.path and the working folder as they were after start-up (and after the ``preload`` imports, if
any: a build loads pccreport's report modules there, so every notebook finds them imported). The kernel is started
before the first notebook's clock starts (bounded by its own start timeout, as papermill bounds a kernel start), so
each notebook's --timeout covers its own cells in every lane alike.

A kernel and its client are bound to the event loop of the thread that made them: use one ``WarmKernel`` from one
thread only.
"""

from __future__ import annotations

from pathlib import Path

ENGINE = "pccreport-warm-kernel"

# Run silently once after start-up: take the state that every notebook must start from.
_SNAPSHOT = """
def _pccreport_snapshot():
    import os, sys, warnings
    import matplotlib  # its settings as loaded; the inline backend changes none of them (its rc is empty)
    ip = get_ipython()
    ip._pccreport_fresh = (dict(matplotlib.rcParams), list(warnings.filters), os.getcwd(), list(sys.path))
_pccreport_snapshot()
del _pccreport_snapshot
"""

# Run silently after start-up, before the snapshot, when the kernel is given modules to load: the imports every
# notebook of a build makes (pandas, matplotlib, pccreport) are then paid while the build computes its context,
# not in the first notebook. No name is left in the user namespace; a module that fails to import is left for the
# notebook's own import to report, with its cell.
_PRELOAD = """
def _pccreport_preload(names):
    import importlib
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:
            pass
_pccreport_preload({names!r})
del _pccreport_preload
"""

# Run silently before each later notebook: back to the snapshot.
_RESET = """
def _pccreport_reset():
    import os, sys, warnings
    import matplotlib
    ip = get_ipython()
    rc, filters, cwd, path = ip._pccreport_fresh
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    ip.reset(new_session=True)  # user namespace, Out/_ history; execution count back to 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        matplotlib.rcParams.update(rc)
    warnings.filters[:] = filters
    warnings._filters_mutated()
    for mod in list(sys.modules.values()):  # "shown once" warnings are shown again, as in a fresh kernel
        reg = getattr(mod, "__warningregistry__", None)
        if isinstance(reg, dict):
            reg.clear()
    os.chdir(cwd)
    sys.path[:] = path
_pccreport_reset()  # the reset has removed this function too
"""


class KernelStateError(RuntimeError):
    """The warm kernel could not be set up or reset between notebooks."""


def register_engine() -> None:
    """Register the warm-kernel engine with papermill (idempotent)."""
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmKernelEngine(NBClientEngine):
        """papermill's nbclient engine with a kernel manager and client supplied by the caller, left running."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None, km=None,
                                     kc=None, **kwargs):
            from papermill.clientwrap import PapermillNotebookClient
            from papermill.engines import logger

            client = PapermillNotebookClient(nb_man, km=km, timeout=execution_timeout, startup_timeout=start_timeout,
                                             kernel_name=kernel_name, log=logger, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = kc
            return client.execute(cleanup_kc=False)

    if ENGINE not in papermill_engines._engines:
        papermill_engines.register(ENGINE, WarmKernelEngine)


class WarmKernel:
    """A kernel started once in ``cwd`` and reused by ``execute`` for one notebook after another."""

    def __init__(self, cwd: Path, kernel_name: str = "python3", start_timeout: float = 60,
                 preload: tuple[str, ...] = ()):
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        register_engine()
        self.cwd, self.kernel_name, self.start_timeout = Path(cwd), kernel_name, start_timeout
        self._run_sync = run_sync
        self.km = AsyncKernelManager(kernel_name=kernel_name)
        run_sync(self.km.start_kernel)(cwd=str(self.cwd))
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            run_sync(self.kc.wait_for_ready)(timeout=start_timeout)
            if preload:
                self._silent(_PRELOAD.format(names=tuple(preload)), "set up")
            self._silent(_SNAPSHOT, "set up")
        except BaseException:
            self.close()
            raise
        self.used = False

    def _silent(self, code: str, what: str) -> None:
        """Run ``code`` without a cell or an execution count; raise KernelStateError if it fails or the kernel died."""
        if not self._run_sync(self.km.is_alive)():
            raise KernelStateError(f"the kernel died before it could be {what}")
        reply = self._run_sync(self.kc.execute_interactive)(code, silent=True, store_history=False,
                                                            timeout=self.start_timeout, output_hook=lambda msg: None)
        content = reply.get("content", {})
        if content.get("status") != "ok":
            raise KernelStateError(f"the kernel could not be {what}: {content.get('ename')}: {content.get('evalue')}")

    def execute(self, src: Path, out: Path, parameters: dict, timeout: float) -> None:
        """Execute notebook ``src`` with ``parameters`` as papermill does, writing it to ``out``; errors as papermill's."""
        import papermill as pm

        if self.used:
            self._silent(_RESET, "reset between notebooks")
        self.used = True
        pm.execute_notebook(str(src), str(out), parameters=parameters, engine_name=ENGINE,
                            kernel_name=self.kernel_name, cwd=str(self.cwd), progress_bar=False,
                            execution_timeout=timeout, start_timeout=self.start_timeout, log_output=False,
                            km=self.km, kc=self.kc)

    def close(self) -> None:
        """Stop the client's channels and the kernel (at once: nothing of it is needed any more)."""
        try:
            self.kc.stop_channels()
        finally:
            self._run_sync(self.km.shutdown_kernel)(now=True)
