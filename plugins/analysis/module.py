"""The ``analysis`` module: semantic analysis of a dialogue's proposals.

Every organisation may use it (when the extra is installed); an administrator turns it
on per dialogue.
"""

from __future__ import annotations

from core.models import Dialogue
from core.modules import Module
from plugins.analysis.settings import AnalysisSettings

ANALYSIS = Module(
    name="analysis",
    title="Analyse sémantique",
    description="Les propositions semblables pendant l'écriture, les doublons à fusionner, "
    "les sujets et les thèmes suggérés à l'équipe.",
    settings_type=AnalysisSettings,
    granted_by_default=True,
)


def settings_of(dialogue: Dialogue) -> AnalysisSettings:
    """The module's settings on ``dialogue`` (the defaults where it stored none)."""
    decoded = ANALYSIS.decode_settings(ANALYSIS.settings_on(dialogue))
    return decoded if isinstance(decoded, AnalysisSettings) else AnalysisSettings()
