"""``participe recount DIALOGUE [--org SLUG]``: the tally rebuilt from the vote log alone,
printed beside the tally of the ballots, and the check of the log's hash chain (its number
of entries and its head, or its first broken entry); exits with 1 when the tallies differ
or the chain is broken."""

from __future__ import annotations

import argparse
import json
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.plugin_manager import Plugins
from core.services import dialogues, organisations
from core.services.recount import RecountReport, recount
from web.commands._runtime import load_settings, run_with_session


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "recount", help="recount a dialogue from its vote log and compare with its ballots"
    )
    parser.add_argument("dialogue", metavar="DIALOGUE", help="the dialogue's slug")
    parser.add_argument("--org", help="organisation slug (default: the default organisation)")
    parser.set_defaults(func=run_recount)


def _cell(tally: dict[str, Any] | None) -> str:
    return "-" if tally is None else json.dumps(tally, ensure_ascii=False, sort_keys=True)


def print_report(slug: str, report: RecountReport) -> None:
    ballots, log = report.from_ballots, report.from_log
    print(f"dialogue {slug} ({ballots.vote_type})")
    print(
        f"ballots counted: {ballots.ballots_counted} from ballots, {log.ballots_counted} from log"
    )
    rows = [("PROPOSAL", "FROM BALLOTS", "FROM LOG")]
    rows += [
        (
            str(proposal_id),
            _cell(ballots.proposals.get(proposal_id)),
            _cell(log.proposals.get(proposal_id)),
        )
        for proposal_id in sorted(set(ballots.proposals) | set(log.proposals))
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    for row in rows:
        print(f"{row[0].ljust(widths[0])}  {row[1].ljust(widths[1])}  {row[2]}")
    print(report.chain)
    if report.ok:
        print("OK: the recount from the vote log equals the tally of the ballots")
    else:
        print(f"DIFFERENCES ({len(report.differences)}):")
        for difference in report.differences:
            print(f"  {difference}")


def run_recount(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> RecountReport:
        if session.get_bind().dialect.name == "postgresql":
            # One snapshot for the tally, the replay and the chain, while votes arrive.
            await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        organisation = await organisations.named_or_default(session, args.org)
        dialogue = await dialogues.get_dialogue(session, organisation, args.dialogue)
        return await recount(session, plugins, dialogue)

    report = run_with_session(load_settings(), work)
    print_report(args.dialogue, report)
    return 0 if report.ok else 1
