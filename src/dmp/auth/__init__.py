"""Authentication: CPS-signed assertions (x5c chain to IGC-Santé) verified into an Actor."""
