"""The measurement service: measurement plan, bulk ingestion from trust systems, series."""
