"""Meaning checks on data.police.uk street rows, as polars expressions: crime types from the published list, and
Crime IDs not repeated beyond what the publisher itself repeats.

data.police.uk does repeat some Crime IDs within a month (a crime with more than one location or outcome record):
in the 40 real street files under ../shared/data (Wiltshire, City of London), up to 3.3% of rows with a Crime ID
repeat an earlier one. A file where more than ``MAX_REPEATED_ID_SHARE`` of them do is a file delivered twice or
concatenated, and would double counts.
"""

from __future__ import annotations

# polars is imported by the functions below, which only the ingest's reads call (see police_uk.py).

# The 14 categories data.police.uk publishes (https://data.police.uk/docs/method/crime-categories/), exactly as
# they appear in street CSVs since May 2013.
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
    "Vehicle crime", "Violence and sexual offences",
)
CRIME_TYPE_MESSAGE = ("is not one of the 14 data.police.uk crime types (spelling, spaces and letters must match "
                      "exactly, e.g. 'Vehicle crime')")
MAX_REPEATED_ID_SHARE = 0.10
DUPLICATE_MESSAGE = (f"this Crime ID is already on an earlier row, and more than {MAX_REPEATED_ID_SHARE:.0%} of the "
                     "file's Crime IDs repeat (rows delivered twice would be counted twice)")


def unknown_type(col: str = "Crime type") -> pl.Expr:
    """True for a crime type given but not one of the 14 (a missing type is excluded with a reason instead)."""
    import polars as pl

    return pl.col(col).is_not_null() & ~pl.col(col).is_in(CRIME_TYPES)


def too_many_repeats(with_id: int, distinct: int) -> bool:
    """True if more than ``MAX_REPEATED_ID_SHARE`` of a file's ``with_id`` Crime IDs repeat an earlier one."""
    return with_id - distinct > MAX_REPEATED_ID_SHARE * with_id


def row_checks(rows: pl.DataFrame) -> list[tuple[str, pl.Expr, str]]:
    """(column, expression true for a bad row of ``rows``, message) for each street-row meaning check, as
    ``police_uk._row_problems`` runs them on one file's rows (in file order)."""
    import polars as pl

    ids = rows.get_column("Crime ID")
    with_id = len(ids) - ids.null_count()
    repeated = too_many_repeats(with_id, ids.drop_nulls().n_unique())
    duplicate = (pl.col("Crime ID").is_not_null() & ~pl.col("Crime ID").is_first_distinct()) if repeated \
        else pl.lit(False)
    return [("Crime type", unknown_type(), CRIME_TYPE_MESSAGE), ("Crime ID", duplicate, DUPLICATE_MESSAGE)]


def id_counts() -> list[pl.Expr]:
    """Aggregations of one file's rows: Crime IDs given (``with_id``) and distinct (``distinct``, at most the true
    number), for ``too_many_repeats``.

    IDs are compared by their 64-bit hash, which is cheaper than the 64-character strings; a collision can only make
    a file look more repeated than it is, and a file flagged is read again alone, where the IDs themselves decide.
    """
    import polars as pl

    cid = pl.col("Crime ID")
    return [cid.count().alias("with_id"), cid.drop_nulls().hash().n_unique().alias("distinct")]
