"""Domain objects → FHIR resources (and back), one module per resource type."""
