"""Loaders that validate publisher files and write tidy Parquet to data/processed/."""
