"""HTTP plumbing shared by the JSON API, the FHIR API and the portals."""
