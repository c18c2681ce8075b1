"""Dossiers: creation with consent, creation codes, closure, reactivation, purge, minors."""
