"""Ingest: read any export, map it onto the canonical tables, validate, commit."""
