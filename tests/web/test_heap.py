"""A server process is made ready before its first request (``app.serving_app``): the
FHIR models a deposit needs are built, and its heap is settled (``web.heap``)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from dmp.web.heap import OLDEST_THRESHOLD, YOUNGEST_THRESHOLD

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import gc, json, sys
assert gc.get_freeze_count() == 0
from dmp.app import app_from_environment
app = app_from_environment()
frozen, thresholds = gc.get_freeze_count(), gc.get_threshold()
from dmp.fhir.http import validate_with_models
from tests.fhir.builders import provide_bundle
bundle = provide_bundle("x", [{"period": ("2026-01-01", "2026-01-02"), "setting": "x"}])
known = set(sys.modules)
validate_with_models(bundle)
print(json.dumps({
    "frozen": frozen,
    "thresholds": thresholds,
    "built_by_the_deposit": sorted(m for m in set(sys.modules) - known if "fhir" in m),
}))
"""


def test_the_server_factory_builds_the_models_and_settles_the_heap(tmp_path):
    # In a process of its own: freezing the test process would keep its garbage.
    env = os.environ | {
        "DMP_VAR_DIR": str(tmp_path),
        "DMP_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    answer = subprocess.run(
        [sys.executable, "-c", _PROBE],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert answer.returncode == 0, answer.stderr
    found = json.loads(answer.stdout)
    assert found["frozen"] > 50_000  # the application's modules and objects
    youngest, _middle, oldest = found["thresholds"]
    assert (youngest, oldest) == (YOUNGEST_THRESHOLD, OLDEST_THRESHOLD)
    # A real deposit bundle finds every model it needs already built (and frozen).
    assert found["built_by_the_deposit"] == []
