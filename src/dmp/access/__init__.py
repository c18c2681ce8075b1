"""Stored grants (authorizations, blocks, treating physicians); loads facts, asks policy."""
