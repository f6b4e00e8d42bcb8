"""``python -m pccreport``: the batch command line (same as run_all.py)."""

from .batch.cli import main

raise SystemExit(main())
