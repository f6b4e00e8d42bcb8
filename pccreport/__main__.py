"""``python -m pccreport``: the ``pccreport`` command (build, check, ingest, sample, render, new-plan)."""

from .batch.commands import main

main()
