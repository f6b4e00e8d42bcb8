"""Figure text wrapped at the same words as matplotlib's ``wrap=True``, with a fraction of its text measurements.

matplotlib 3.11 measures every prefix of a line (two words, three words, ...) until one is too wide, and each
measurement shapes the whole prefix with libraqm: a chart's two-line source note cost about 120 measurements, a
quarter of the chart's drawing time. Widths grow with every word added, so a binary search over the same prefixes
finds the same break with about log2(words) measurements per line.
"""

from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text


class BisectWrapText(Text):
    """A Text whose ``wrap=True`` breaks lines where matplotlib would, found by bisection."""

    def _get_wrapped_text(self) -> str:
        if not self.get_wrap() or self.get_usetex():
            return self.get_text()
        width = self._get_wrap_line_width()
        out = []
        for line in self.get_text().split("\n"):
            words = line.split(" ")
            while words:
                if len(words) == 1:
                    out.append(words.pop(0))
                    continue
                # The most words (at least one) whose joined width fits; matplotlib keeps one word even if too wide.
                lo, hi = 1, len(words)
                while lo < hi:
                    mid = (lo + hi + 1) // 2
                    if self._get_rendered_text_width(" ".join(words[:mid])) > width:
                        hi = mid - 1
                    else:
                        lo = mid
                out.append(" ".join(words[:lo]))
                words = words[lo:]
        return "\n".join(out)


def figure_text(fig: Figure, x: float, y: float, s: str, **kwargs) -> Text:
    """``fig.text(x, y, s, **kwargs)`` with the wrapping above."""
    # Registered as Figure.text registers its Text (in fig.texts, drawn and removed the same way), not as a bare artist.
    text = BisectWrapText(x=x, y=y, text=s, **{"transform": fig.transSubfigure, **kwargs})
    text.set_figure(fig)
    fig.texts.append(text)
    text._remove_method = fig.texts.remove
    fig.stale = True
    return text
