"""Database plumbing: engine and session factory, unit of work, portable column types."""
