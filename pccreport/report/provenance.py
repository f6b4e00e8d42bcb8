"""Provenance stamp: every source with its period and hash, the package version, parameters and run time."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from dataclasses import dataclass, field

from .. import __version__
from ..config import DEFAULT_ROOT, Paths
from ..hashing import sha256_file


@dataclass
class Provenance:
    """What a report was built from and when."""

    force: str
    quarter: str
    built_at: str
    version: str
    commit: str
    sources: list[dict] = field(default_factory=list)
    sample: bool = False

    def as_dict(self) -> dict:
        return {"force": self.force, "quarter": self.quarter, "built_at": self.built_at, "version": self.version,
                "commit": self.commit, "sample": self.sample, "sources": self.sources}


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(DEFAULT_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, timeout=5)
        return out.stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def summarise_sources(data_sources: list[dict]) -> list[dict]:
    """Group per-file manifest entries into one line per publisher source: files, period, rows, combined hash."""
    import hashlib

    groups: dict[str, list[dict]] = {}
    for s in data_sources:
        kind = s.get("kind") or "kpi"
        groups.setdefault(kind, []).append(s)
    labels = {"street": "data.police.uk street-level crime", "outcomes": "data.police.uk outcomes", "kpi": "Force KPIs (CSV)"}
    out = []
    for kind, rows in groups.items():
        rows = sorted(rows, key=lambda r: r["file"])
        months = sorted(r["month"] for r in rows if r.get("month"))
        combined = hashlib.sha256("".join(r["sha256"] for r in rows).encode()).hexdigest()
        out.append({"source": labels.get(kind, kind), "files": len(rows),
                    "period": f"{months[0]} to {months[-1]}" if months else "",
                    "rows": sum(int(r.get("rows", 0)) for r in rows) or None,
                    "sha256": combined[:16], "file_hashes": {r["file"]: r["sha256"] for r in rows}})
    return out


def collect(paths: Paths, force: str, quarter: str, data_sources: list[dict], built_at: str | None = None) -> Provenance:
    """Build the provenance record for one force-quarter from the processed-data manifests and the params files."""
    sources = summarise_sources(data_sources)
    own_plan = (paths.params / force / "plan.yaml").exists()
    # Named in words in the report (public text shows no file paths); provenance.json keeps each file's name.
    inputs = {f"{force}/plan.yaml": "Police and Crime Plan: priorities, measures and targets",
              f"{force}/{quarter}.yaml": f"Analyst's narrative for {quarter}",
              "forces.yaml": "Register of forces and peer groups", "glossary.yaml": "Glossary",
              "default_plan.yaml": "Default plan from public data"}
    for name in (f"{force}/plan.yaml", f"{force}/{quarter}.yaml", "forces.yaml", "glossary.yaml",
                 *(() if own_plan else ("default_plan.yaml",))):
        p = paths.params / name if "/" in name else paths.param_file(name)
        if p.exists():
            sources.append({"source": inputs[name], "files": 1, "period": "", "rows": None,
                            "sha256": sha256_file(p)[:16], "file_hashes": {name: sha256_file(p)}})
    sample_manifest = paths.raw / "SAMPLE.json"
    sample_hashes = set(json.loads(sample_manifest.read_text()).values()) if sample_manifest.exists() else set()
    sample = any(s["sha256"] in sample_hashes for s in data_sources)
    when = built_at or dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()
    return Provenance(force, quarter, when, __version__, _commit(), sources, sample)
