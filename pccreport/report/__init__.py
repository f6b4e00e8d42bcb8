"""One report: the context the notebooks load, its scorecard, statements, charts, HTML sections and the PDF.

``from pccreport import report`` is the notebooks' façade: ``report.context(...)`` then ``report.cover(ctx)`` and the
other section functions, all defined in ``notebook.py``.
"""

from .explore import ContextWarning
from .notebook import (
    ReportContext,
    back_matter,
    context,
    cover,
    crime_comparison,
    governance,
    priority_narrative,
    scorecards,
)

__all__ = ["ContextWarning", "ReportContext", "back_matter", "context", "cover", "crime_comparison", "governance",
           "priority_narrative", "scorecards"]
