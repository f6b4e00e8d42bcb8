"""``python -m pccreport``: the batch command line (same as run_all.py)."""

from .cli import main

raise SystemExit(main())
