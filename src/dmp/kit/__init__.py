"""Helpers with no domain knowledge: clock, identifiers, pagination."""
