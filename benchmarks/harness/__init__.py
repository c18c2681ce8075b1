"""The benchmark harness of issue 10, run by ``python -m benchmarks`` (docs/benchmarks.md)."""
