"""Publisher files to data/processed/: loaders that validate each format and write tidy Parquet, the per-force and
national ingest pipeline, and reading the processed data back for a report (``processed.py``)."""
