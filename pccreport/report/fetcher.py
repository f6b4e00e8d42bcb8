"""The PDF renderer's URL fetcher: the report's own resources only, never the network or the rest of the disk."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher


class ReportOnlyFetcher(URLFetcher):
    """Fetch ``data:`` URLs and files inside ``allowed`` folders; refuse every other URL (http, ftp, other files)."""

    def __init__(self, allowed: list[Path] | None = None, **kwargs) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, **kwargs)
        self._allowed = [Path(os.path.realpath(p)) for p in (allowed or [])]
        self.refused: list[str] = []

    def fetch(self, url: str, headers=None):
        """Fetch ``url`` if it is the report's own resource; raise ValueError (WeasyPrint skips it) otherwise."""
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file" and self._inside(url):
            return super().fetch(url, headers)
        self.refused.append(url[:200])
        raise ValueError(f"the report may not load {url[:80]!r}: only its own embedded resources are used")

    def _inside(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return False
        real = Path(os.path.realpath(unquote(parts.path)))  # resolves symlinks and .. before the check
        return any(real == root or root in real.parents for root in self._allowed) and real.is_file()
