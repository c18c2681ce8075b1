"""Load generators and workloads, run by hand (never by the test suite)."""
