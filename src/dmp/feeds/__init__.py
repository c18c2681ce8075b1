"""Feeds: the Assurance Maladie's reimbursement history, the Dossier Pharmaceutique's
dispensations, and FHIR bundles (Synthea) — parsers (pure) and ingestion."""
