"""Computations behind every scorecard statement, each to a named published method (XmR charts in ``spc.py``)."""
