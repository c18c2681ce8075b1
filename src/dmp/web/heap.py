"""The cyclic garbage collector of a server process, set for a long-lived service.

With CPython's defaults, a worker under load made a full collection every few seconds.
Each walked every object start-up made (the FHIR models, SQLAlchemy's and FastAPI's
machinery: about 175,000 objects) and stopped every request in flight for 40 to 105 ms,
which set the p99 of searches and retrievals. ``settle_heap`` runs once, when a server
process has built its application:

- one full collection, then ``gc.freeze()``: what start-up made is left out of every
  later collection (it lives as long as the process anyway);
- the youngest generation collected every 20,000 allocations rather than 700, its
  elders every 20 and 10 of the next younger one's collections: fewer, larger
  collections of young objects, which cost less in all.

Nothing else changes: reference counting frees almost everything as before, and a cycle
made while serving is still collected, a little later. Measured in decision 0008.
"""

from __future__ import annotations

import gc

YOUNGEST_THRESHOLD = 20_000
MIDDLE_THRESHOLD = 20
OLDEST_THRESHOLD = 10


def settle_heap() -> None:
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNGEST_THRESHOLD, MIDDLE_THRESHOLD, OLDEST_THRESHOLD)
