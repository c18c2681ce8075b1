"""Counter portal (``/guichet``) for insurance-office and pharmacy agents, and support."""
