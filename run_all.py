#!/usr/bin/env python3
"""Build quarterly Police and Crime Plan reports: ``python run_all.py --force wiltshire --quarter 2023-Q1``."""

from pccreport.batch.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
