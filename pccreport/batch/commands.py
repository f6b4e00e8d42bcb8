"""The ``pccreport`` command (click): build, check, ingest, sample, render, new-plan; run_all.py is ``build``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import click

from .. import __version__

EXIT_CODES = """\b
Exit codes:
  0    everything asked for was built, skipped as unchanged, or checked clean
  1    a report failed, was locked by another run, or inputs have problems
  2    bad parameters (unknown force, malformed quarter, unreachable scheduler)
  128+N  stopped by signal N (130 Ctrl-C, 143 SIGTERM); previous reports left in place

\b
Environment:
  PCCREPORT_ROOT  project root holding data/, params/ and reports/ (same as --root)

\b
Shell completion (bash; zsh and fish likewise):
  eval "$(_PCCREPORT_COMPLETE=bash_source pccreport)"
"""
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def root_option(f):
    """--root on every command: a subcommand's own --root wins over the group's, then $PCCREPORT_ROOT."""
    # No envvar= here: Paths.discover reads $PCCREPORT_ROOT last, so an explicit --root anywhere beats it.
    return click.option("--root", type=click.Path(file_okay=False, path_type=str),
                        help="project root holding data/, params/ and reports/ (default: $PCCREPORT_ROOT, else the "
                             "project this package was installed from)")(f)


def _root(ctx: click.Context, root: str | None) -> str | None:
    chosen = root or (ctx.obj or {}).get("root")
    if chosen and not Path(chosen).is_dir():
        # A mistyped --root would otherwise be created by the first write, as an empty project.
        raise click.UsageError(f"--root {chosen}: no such folder; make it with data/raw/ inside "
                               "(docs/real-data.md) or leave --root out")
    return chosen


def force_option(required: bool = True, multiple: bool = True, helptext: str = ""):
    """The --force option, named and described the same in every command."""
    return click.option("--force", "forces", multiple=multiple, required=required, metavar="SLUG",
                        help=helptext or "force slug, e.g. wiltshire (repeatable); 'all' = every force in "
                                         "params/forces.yaml (those without data are listed as no data)")


def quarter_option(required: bool = True):
    """The --quarter option, named and described the same in every command."""
    return click.option("--quarter", "quarters", multiple=True, required=required, metavar="QUARTER",
                        help="quarter YYYY-Qn (repeatable), a range 2022-Q1..2023-Q4, or 'latest' (last quarter the "
                             "force's data.police.uk files fully cover)")


@click.group(context_settings=CONTEXT, epilog=EXIT_CODES)
@click.version_option(__version__, "-V", "--version", prog_name="pccreport")
@root_option
@click.pass_context
def cli(ctx: click.Context, root: str | None) -> None:
    """Quarterly Police and Crime Plan performance reports: build, check inputs, ingest, sample data, render."""
    ctx.ensure_object(dict)["root"] = root


@cli.command(context_settings=CONTEXT, epilog=EXIT_CODES)
@force_option()
@quarter_option()
@click.option("--jobs", type=click.IntRange(min=1), default=os.cpu_count() or 1, show_default="cores",
              help="processes at once: force-quarters in parallel, spare ones run notebooks")
@click.option("--timeout", type=click.IntRange(min=1), default=600, show_default=True,
              help="seconds a notebook (and any one cell) may run")
@click.option("--force-rebuild", is_flag=True, help="build even when the inputs are unchanged")
@click.option("--dry-run", is_flag=True, help="list what would be built and why; build nothing")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address (tcp://host:8786): run the builds on that cluster; its workers must see "
                   "the same --root (shared filesystem); needs the 'dask' extra")
@click.option("--log-dir", type=click.Path(path_type=str),
              help="where the run's log file goes (default: reports/.logs)")
@click.option("--check", is_flag=True, help="validate every input for the force-quarters; build nothing")
@click.option("--allow-empty", is_flag=True,
              help="publish a report even when none of its measures has data (status 'built empty'); without it such "
                   "a build is 'no-data', exits 1 and keeps the previous report")
@click.option("--json", "as_json", is_flag=True,
              help="print the run as JSON (every force-quarter's status, time, warnings, failure) instead of the "
                   "summary table; the same record is always written beside the run log as reports/.logs/<run>.json; "
                   "with --dry-run or --check, what would be built or the check's findings, in the same shape")
@root_option
@click.pass_context
def build(ctx: click.Context, forces, quarters, jobs, timeout, force_rebuild, dry_run, scheduler, log_dir, check,
          allow_empty, as_json, root) -> int:
    """Build the reports for force-quarters whose inputs changed, in parallel, and print a summary."""
    from .cli import run_build

    args = argparse.Namespace(force=list(forces), quarter=list(quarters), jobs=jobs, timeout=timeout,
                              force_rebuild=force_rebuild, dry_run=dry_run, scheduler=scheduler, log_dir=log_dir,
                              check=check, allow_empty=allow_empty, json=as_json, root=_root(ctx, root))
    return run_build(args)


@cli.command(context_settings=CONTEXT, epilog=EXIT_CODES)
@force_option()
@quarter_option()
@click.option("--json", "as_json", is_flag=True,
              help="print the findings as JSON (every force-quarter's status, problems, warnings, measures not "
                   "supplied) in the shape of the build's run record")
@root_option
@click.pass_context
def check(ctx: click.Context, forces, quarters, as_json, root) -> int:
    """Validate every input of the force-quarters (plan, narrative, data files, KPIs); write nothing."""
    from .cli import run_build

    args = argparse.Namespace(force=list(forces), quarter=list(quarters), jobs=1, timeout=1, force_rebuild=False,
                              dry_run=False, scheduler=None, log_dir=None, check=True, json=as_json,
                              root=_root(ctx, root))
    return run_build(args)


@cli.command(context_settings=CONTEXT, epilog=EXIT_CODES)
@force_option(required=False, helptext="force slug (repeatable); default: every force with a plan file")
@click.option("--national/--no-national", default=True, show_default=True,
              help="also ingest the national tables (ONS population, geography, recorded crime; Home Office)")
@root_option
@click.pass_context
def ingest(ctx: click.Context, forces, national, root) -> int:
    """Validate raw inputs and write them to data/processed/ (incremental; nothing written on bad input)."""
    from ..config import Paths
    from ..errors import PccReportError
    from ..ingest.pipeline import ingest_force, ingest_national
    from .selection import select_forces

    paths = Paths.discover(_root(ctx, root))
    try:
        chosen, _ = select_forces(list(forces) or ["all"], paths)
        if national:
            ingest_national(paths)
            click.echo("national tables: ingested")
        from ..registry import load_registry

        registry = load_registry(paths)
        for slug in chosen:
            res = ingest_force(paths, registry[slug])
            st = res.street
            click.echo(f"{slug}: {len(st.read)} street file(s) read, {len(st.unchanged)} unchanged, {st.rows:,} rows "
                       f"kept; {len(res.kpi_files)} KPI file(s)")
    except PccReportError as exc:
        click.echo(f"error: {exc}", err=True)
        return 1 if not isinstance(exc, _parameter_error()) else 2
    return 0


def _parameter_error() -> type:
    from ..errors import ParameterError

    return ParameterError


@cli.command(context_settings=CONTEXT, epilog=EXIT_CODES)
@force_option(required=False, helptext="force slug (repeatable); default: wiltshire")
@click.option("--start", default="2020-01", show_default=True, help="first month of sample data, YYYY-MM")
@click.option("--end", default="2023-12", show_default=True, help="last month of sample data, YYYY-MM")
@click.option("--seed", type=int, default=None, help="random seed (default: the project's fixed seed)")
@root_option
@click.pass_context
def sample(ctx: click.Context, forces, start, end, seed, root) -> int:
    """Write seeded sample inputs (data.police.uk CSVs, KPIs, ONS tables) for trying the pipeline out."""
    from ..inputs import sample as mod

    argv = [*(a for f in forces for a in ("--force", f)), "--start", start, "--end", end]
    argv += ["--seed", str(seed)] if seed is not None else []
    r = _root(ctx, root)
    return mod.main(argv + (["--root", r] if r else []))


@cli.command(context_settings=CONTEXT, epilog=EXIT_CODES)
@click.argument("notebooks", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@force_option(required=False, multiple=False, helptext="execute a section first: force slug (with --quarter and "
                                                       "--priority or --section)")
@click.option("--quarter", help="quarter such as 2023-Q1")
@click.option("--priority", type=int, help="priority id from the plan")
@click.option("--section", type=click.Choice(["front", "governance", "back"]), help="a non-priority section")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="output folder")
@click.option("--no-pdf", is_flag=True, help="write the HTML only")
@root_option
@click.pass_context
def render(ctx: click.Context, notebooks, forces, quarter, priority, section, out, no_pdf, root) -> int:
    """Export one report section (an executed notebook, or one executed now) as HTML and A4 PDF."""
    from ..report import render as mod

    argv = [str(n) for n in notebooks] + ["--out", str(out)]
    for flag, val in (("--force", forces), ("--quarter", quarter), ("--priority", priority), ("--section", section),
                      ("--project-root", _root(ctx, root))):
        if val is not None:
            argv += [flag, str(val)]
    return mod.main(argv + (["--no-pdf"] if no_pdf else []))


@cli.command("new-plan", context_settings=CONTEXT, epilog=EXIT_CODES)
@force_option(multiple=False, helptext="force slug from params/forces.yaml, e.g. dorset")
@click.option("--overwrite", is_flag=True, help="replace an existing params/<force>/plan.yaml")
@root_option
@click.pass_context
def new_plan(ctx: click.Context, forces, overwrite, root) -> int:
    """Write a starter params/<force>/plan.yaml: the public-data default plan plus commented force-KPI examples."""
    from ..config import Paths
    from ..errors import PccReportError
    from ..inputs.starter_plan import write_starter

    paths = Paths.discover(_root(ctx, root))
    try:
        path = write_starter(paths, forces, overwrite=overwrite)
    except PccReportError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    click.echo(f"wrote {path}: edit its priorities and metrics, then run `pccreport check --force {forces} "
               "--quarter <quarter>`")
    return 0


def invoke(argv: list[str], prog_name: str = "pccreport") -> int:
    """Run the command line on ``argv`` and return its exit code instead of exiting (for run_all.py and tests)."""
    if prog_name != "pccreport" and argv[:1] == ["build"]:
        cmd, argv = build, argv[1:]
    else:
        cmd = cli
    try:
        rv = cmd.main(args=argv, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except FileNotFoundError as exc:  # e.g. --root names a folder with no params/forces.yaml
        click.echo(f"error: {exc.filename or exc} does not exist: check that --root (or $PCCREPORT_ROOT) names a "
                   "project holding data/ and params/", err=True)
        return 2
    except click.exceptions.Abort:
        click.echo("stopped", err=True)
        return 130
    return rv if isinstance(rv, int) else 0


def run_all(argv: list[str] | None = None) -> int:
    """run_all.py: ``pccreport build`` under its old name; returns the exit status."""
    import sys

    return invoke(["build", *(sys.argv[1:] if argv is None else argv)], prog_name="run_all.py")


def main() -> None:
    """Console-script entry point: ``pccreport ...``; the subcommand's return value is the exit status."""
    raise SystemExit(invoke(list(__import__("sys").argv[1:])))
