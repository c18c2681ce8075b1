"""Scheduled and deferred work: first feeds, expiries, majority, retention, purges,
housekeeping and outbox delivery, run by `dmp worker`."""
