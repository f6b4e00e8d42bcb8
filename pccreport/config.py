"""Where everything lives: one Paths object, passed explicitly, so nothing depends on the working directory."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent
DEFAULT_ROOT = PACKAGE_ROOT.parent


@dataclass(frozen=True)
class Paths:
    """Project directories. ``root`` holds data/, params/, reports/; notebooks always come from the installed project."""

    root: Path

    @classmethod
    def discover(cls, root: str | os.PathLike | None = None) -> "Paths":
        """Paths for ``root``, else $PCCREPORT_ROOT, else the project this package was loaded from."""
        chosen = root or os.environ.get("PCCREPORT_ROOT") or DEFAULT_ROOT
        return cls(Path(chosen).resolve())

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def raw(self) -> Path:
        return self.data / "raw"

    @property
    def processed(self) -> Path:
        return self.data / "processed"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def params(self) -> Path:
        return self.root / "params"

    def param_file(self, name: str) -> Path:
        """params/<name> under the root if the root has it, else the project's own (the defaults: registry, catalogue)."""
        own = self.params / name
        return own if own.exists() else DEFAULT_ROOT / "params" / name

    @property
    def notebooks(self) -> Path:
        # Notebooks are code: only the project's own are ever executed, never ones found under a data root.
        # A source checkout has notebooks/ beside the package; a wheel (`pip install .`) carries them inside it.
        checkout = DEFAULT_ROOT / "notebooks"
        return checkout if checkout.is_dir() else PACKAGE_ROOT / "_notebooks"

    @property
    def methods(self) -> Path:
        """docs/methods.md, the one statement of the methods, printed in every report's notes."""
        # Like the notebooks, part of the project, never taken from a data root; a wheel carries it in _docs.
        checkout = DEFAULT_ROOT / "docs" / "methods.md"
        return checkout if checkout.is_file() else PACKAGE_ROOT / "_docs" / "methods.md"

    def police_uk_raw(self, force: str) -> Path:
        return self.raw / "police_uk" / force

    def kpi_raw(self, force: str) -> Path:
        return self.raw / "kpis" / force

    def processed_force(self, force: str) -> Path:
        return self.processed / force

    def report_dir(self, force: str, quarter: str) -> Path:
        return self.reports / force / quarter
