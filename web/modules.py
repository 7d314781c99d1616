"""What a plugin's routes call so that they exist only where their module is on
(:mod:`core.modules`): elsewhere they answer 404, as for a path that does not exist."""

from __future__ import annotations

from core.errors import NotFound
from core.models import Dialogue, Organisation
from core.modules import Module


def require_module(module: Module, organisation: Organisation, dialogue: Dialogue) -> None:
    """404 ``not_found`` unless ``organisation`` may use ``module`` and it is on for
    ``dialogue``."""
    if not (module.granted_to(organisation) and module.enabled_on(dialogue)):
        raise NotFound("Cette page n'existe pas pour cette démarche.")
