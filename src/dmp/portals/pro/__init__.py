"""Professional portal (``/pro``) for professionals whose software has no DMP button."""
