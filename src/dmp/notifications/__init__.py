"""Notifications: transactional outbox, email (SMTP) and SMS channels, templates."""
