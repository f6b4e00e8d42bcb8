"""Meaning checks on data.police.uk street rows, as SQL over the DuckDB table the reader loaded: crime types from
the published list, and Crime IDs not repeated beyond what the publisher itself repeats.

data.police.uk does repeat some Crime IDs within a month (a crime with more than one location or outcome record):
in the 40 real street files under ../shared/data (Wiltshire, City of London), up to 3.3% of rows with a Crime ID
repeat an earlier one. A file where more than ``MAX_REPEATED_ID_SHARE`` of them do is a file delivered twice or
concatenated, and would double counts.
"""

from __future__ import annotations

# The 14 categories data.police.uk publishes (https://data.police.uk/docs/method/crime-categories/), exactly as
# they appear in street CSVs since May 2013.
CRIME_TYPES = (
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson", "Drugs", "Other crime",
    "Other theft", "Possession of weapons", "Public order", "Robbery", "Shoplifting", "Theft from the person",
    "Vehicle crime", "Violence and sexual offences",
)
_TYPES_SQL = "(" + ", ".join("'" + t.replace("'", "''") + "'" for t in CRIME_TYPES) + ")"
CRIME_TYPE_MESSAGE = ("is not one of the 14 data.police.uk crime types (spelling, spaces and letters must match "
                      "exactly, e.g. 'Vehicle crime')")
MAX_REPEATED_ID_SHARE = 0.10
DUPLICATE_MESSAGE = (f"this Crime ID is already on an earlier row, and more than {MAX_REPEATED_ID_SHARE:.0%} of the "
                     "file's Crime IDs repeat (rows delivered twice would be counted twice)")


def row_checks(table: str) -> list[tuple[str, str, str]]:
    """(column, SQL condition on a row of ``table``, message) for each street-row meaning check, as ``_row_problems``
    runs them: the condition is true for a bad row."""
    share = (f'(select (count("Crime ID") - count(distinct "Crime ID")) / greatest(count("Crime ID"), 1) '
             f'from {table})')
    duplicate = (f'"Crime ID" is not null and {share} > {MAX_REPEATED_ID_SHARE} and rownum in (select rownum from '
                 f'(select rownum, row_number() over (partition by "Crime ID" order by rownum) as k from {table} '
                 f'where "Crime ID" is not null) where k > 1)')
    return [("Crime type", f'"Crime type" is not null and "Crime type" not in {_TYPES_SQL}', CRIME_TYPE_MESSAGE),
            ("Crime ID", duplicate, DUPLICATE_MESSAGE)]


def bad_files_sql(source_sql: str) -> str:
    """SQL listing the files of a many-file street read that fail a meaning check (each is then re-read alone)."""
    return f"""select distinct filename from (
                 select filename from {source_sql} where "Crime type" is not null and "Crime type" not in {_TYPES_SQL}
                 union all
                 select filename from {source_sql} group by filename
                 having count("Crime ID") - count(distinct "Crime ID") > {MAX_REPEATED_ID_SHARE} * count("Crime ID"))"""
