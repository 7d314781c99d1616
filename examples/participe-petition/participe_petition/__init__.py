"""Petitions for Participe, installed beside the platform as its own package.

On a dialogue where the ``petition`` module is on, a proposal that gathers ``threshold``
supports (counted ballots that hold it) is taken up for study: it gets the petition's
status (``accepted``, or the organisation's custom status « À l'étude » set on it), which
keeps it in the vote, so that citizens go on supporting it; its author is told as for any
review, the event ``proposal_status_changed`` follows, and the organisation's
administrators get an email.

The work is done by an event handler (``core.events``): it runs after the vote is
committed, in a transaction of its own, and again if it failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from core.events import EventHandler
from core.hookspecs import hookimpl
from core.modules import Module
from core.registries import Registry
from participe_petition.handlers import study_when_reached
from participe_petition.module import PETITION

HERE = Path(__file__).parent


@hookimpl
def register_modules(registry: Registry[Module]) -> None:
    registry.add(PETITION)


@hookimpl
def register_event_handlers(registry: Registry[EventHandler]) -> None:
    # A support counts once its ballot does: when it is cast (no minimum), or when the
    # ballot is confirmed (a minimum).
    registry.add(EventHandler("petition.vote", "ballot_changed", study_when_reached))
    registry.add(EventHandler("petition.confirmed", "ballot_confirmed", study_when_reached))


@hookimpl
def mail_template_dirs() -> Sequence[Path]:
    # petition_reached.{fr,en}.{txt,html}, composed by the core's mailer in its layout.
    return [HERE / "mail"]
