"""A server process settles its heap once its application is built (``web.heap``)."""

from __future__ import annotations

import base64
import os
import subprocess
import sys

from dmp.web.heap import OLDEST_THRESHOLD, YOUNGEST_THRESHOLD

_PROBE = """
import gc
assert gc.get_freeze_count() == 0
from dmp.app import app_from_environment
app = app_from_environment()
print(gc.get_freeze_count(), *gc.get_threshold())
"""


def test_the_server_factory_freezes_start_up_objects_and_raises_the_thresholds(tmp_path):
    # In a process of its own: freezing the test process would keep its garbage.
    env = os.environ | {
        "DMP_VAR_DIR": str(tmp_path),
        "DMP_MASTER_KEY": base64.b64encode(os.urandom(32)).decode(),
    }
    answer = subprocess.run(
        [sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert answer.returncode == 0, answer.stderr
    frozen, youngest, _middle, oldest = map(int, answer.stdout.split())
    assert frozen > 50_000  # the application's modules and objects
    assert (youngest, oldest) == (YOUNGEST_THRESHOLD, OLDEST_THRESHOLD)
