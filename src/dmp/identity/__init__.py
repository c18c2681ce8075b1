"""Identity value objects (NIR/INS, national professional ids) and their validation."""
