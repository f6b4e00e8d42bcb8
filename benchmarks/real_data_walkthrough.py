"""Follow docs/real-data.md word for word, from an empty root to a built report, with the real files in ../shared/data.

Every ```bash block of the guide is run as written, in order, from this checkout; only the two folders the reader
chooses are set here: ``ROOT`` (a new empty folder) and ``DL`` (a "downloads" folder holding copies of the real
public files, as a browser would save them). The build command is timed with the peak memory of its whole process
tree; ``--runs N`` repeats it with ``--force-rebuild`` to give a median. Writes benchmarks/results/real_data_walkthrough.json.

    .venv/bin/python benchmarks/real_data_walkthrough.py [--runs 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import conditions, median, save, timed  # noqa: E402

from pccreport.config import DEFAULT_ROOT  # noqa: E402

GUIDE = DEFAULT_ROOT / "docs" / "real-data.md"
SHARED = (DEFAULT_ROOT.parent / "shared" / "data").resolve()


def bash_blocks(text: str) -> list[list[str]]:
    """The guide's ```bash blocks, each as its command lines."""
    return [[ln for ln in b.strip().splitlines() if ln.strip()] for b in re.findall(r"```bash\n(.*?)```", text, re.S)]


def downloads(folder: Path) -> None:
    """The real public files, flat, as a browser saves them."""
    folder.mkdir(parents=True)
    for p in sorted((SHARED / "police_uk_street" / "wiltshire").glob("*.csv")):
        shutil.copy(p, folder / p.name)
    for sub, pattern in (("ons_geography", "*.csv"), ("ons_population", "*.xlsx"), ("police_recorded_crime", "*.csv")):
        for p in (SHARED / sub).glob(pattern):
            shutil.copy(p, folder / p.name)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--keep", help="use this (new) folder for ROOT and DL and leave it afterwards")
    args = ap.parse_args()
    if not SHARED.exists():
        print(f"skipped: the real public data is not at {SHARED}")
        return 0
    os.chdir(DEFAULT_ROOT)  # the guide's commands are run from this checkout
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pcc-real-"))
    root, dl = base / "root", base / "downloads"
    downloads(dl)
    root.mkdir(parents=True)
    blocks = bash_blocks(GUIDE.read_text(encoding="utf-8"))
    setup, run = blocks[0], blocks[1]
    # The reader's two choices, replaced; every other line is the guide's own.
    setup = [f"ROOT={root}" if ln.startswith("ROOT=") else f"DL={dl}" if ln.startswith("DL=") else ln for ln in setup]
    env = {**os.environ, "ROOT": str(root)}
    subprocess.run(["bash", "-euc", "\n".join(setup)], check=True, cwd=DEFAULT_ROOT)
    check, build = run
    out = subprocess.run(["bash", "-euc", check], cwd=DEFAULT_ROOT, env=env, capture_output=True, text=True)
    print(out.stdout)
    walls, peaks = [], []
    for i in range(args.runs):
        w, p = timed(["bash", "-euc", build + (" --force-rebuild" if i else "")], env=env)
        walls.append(w)
        peaks.append(p)
    report = root / "reports" / "wiltshire" / "2025-Q4"
    with open(report / "scorecard.csv", encoding="utf-8", newline="") as fh:
        card = {r["metric_id"]: r for r in csv.DictReader(fh)}
    result = {"guide": str(GUIDE.relative_to(DEFAULT_ROOT)), "check_exit": out.returncode,
              "report": sorted(p.name for p in report.iterdir()), "runs": args.runs,
              "build_wall_s": [round(w, 1) for w in walls], "build_median_s": median(walls),
              "peak_rss_mb_tree": round(max(peaks)), "crime_rate": card["crime_rate"]["statement"],
              "conditions": conditions()}
    save("real_data_walkthrough", result)
    if not args.keep:
        shutil.rmtree(base)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
