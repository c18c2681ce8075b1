"""Patient, professional and counter portals: server-rendered pages, French first."""
