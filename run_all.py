#!/usr/bin/env python3
"""``pccreport build`` under its old name: ``python run_all.py --force wiltshire --quarter 2023-Q1``."""

from pccreport.batch.commands import run_all

if __name__ == "__main__":
    raise SystemExit(run_all())
