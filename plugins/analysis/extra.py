"""Whether the ``participe[analysis]`` extra is installed.

The analysis needs scikit-learn, SciPy and the Snowball stemmer. Without them the plugin
declares no module, mounts no route and queues no job: the platform works as if it were
not there, and the start-up log says why.
"""

from __future__ import annotations

import importlib.util

#: The importable packages of the ``analysis`` extra.
PACKAGES = ("sklearn", "scipy", "snowballstemmer")


def missing() -> list[str]:
    """The packages of the extra that cannot be imported (none when it is installed)."""
    absent = []
    for name in PACKAGES:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent missing, or blocked in sys.modules
            found = False
        if not found:
            absent.append(name)
    return absent


def available() -> bool:
    return not missing()
