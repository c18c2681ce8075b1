"""OpenDMP: the French shared medical record (Dossier Médical Partagé)."""

__version__ = "0.1.0"
