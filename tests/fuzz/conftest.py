"""The fuzzing of the API runs in its own tox environment (``tox -e fuzz``), which sets
``PARTICIPE_FUZZ=on``: it takes minutes, and ``py``, ``pg`` and ``plugins`` leave it out."""

from __future__ import annotations

import os

FUZZ_VARIABLE = "PARTICIPE_FUZZ"

collect_ignore_glob = (
    [] if os.environ.get(FUZZ_VARIABLE, "off").lower() in ("1", "on", "true", "yes") else ["*.py"]
)
