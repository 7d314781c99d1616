"""The citizen web front: its pages, its API additions and its static assets, mounted by
``create_app`` in one place."""

from __future__ import annotations

from typing import Any

from web.api.comments import CommentController
from web.api.verification import MyVerificationController
from web.pages import (
    assets,
    bot_check,
    browse,
    dialogue,
    embed,
    organisation_texts,
    proposal,
    submission,
    verification,
    votes,
)


def front_route_handlers() -> list[Any]:
    """Route handlers of the citizen front (pages and their API), for ``create_app``."""
    return [
        CommentController,
        dialogue.dialogue_home,
        dialogue.dialogue_agenda,
        browse.browse_proposals,
        proposal.show_proposal,
        proposal.post_comment_form,
        proposal.report_comment_form,
        submission.new_proposal,
        submission.submit_proposal,
        submission.edit_proposal,
        submission.save_proposal,
        submission.publish_proposal_form,
        votes.vote_form,
        votes.review_page,
        votes.confirm_form,
        votes.ballot_box_page,
        verification.verification_page,
        verification.verify_form,
        verification.verify_postal_code_form,
        verification.send_sms_code_form,
        verification.verify_sms_code_form,
        verification.verify_letter_code_form,
        verification.declare_birth_date_form,
        MyVerificationController,
        embed.embedded_dialogue,
        organisation_texts.legal_notice,
        organisation_texts.privacy_policy,
        organisation_texts.accessibility_statement,
        assets.theme_stylesheet,
        assets.favicon_file,
        assets.touch_icon_file,
        assets.media_file,
        assets.switch_language,
        bot_check.fresh_challenge,
        *assets.vendor_static_routers(),
    ]
