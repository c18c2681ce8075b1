"""Documents: metadata, versions, statuses, visibility, selections and content checks."""
