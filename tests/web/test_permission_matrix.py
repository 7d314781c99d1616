"""Who may change what: every state-changing route of the app (API, pages, back office)
has its rule declared here, and is called as every kind of person: an anonymous visitor,
a citizen, the author of the object, a moderator, a reviewer, an administrator, and the
administrator of another organisation (on their own host, with this organisation's ids).
Those the rule leaves out are refused (401, 403, 404, or a page's redirection to the
sign-in form); those it lets in are not (a 400/409/422 is fine: the permission passed and
the body or the state was judged). A route of the platform that the table does not know
fails the test.

The routes of installed third-party plugins (``PARTICIPE_TEST_ENTRY_POINTS=on``) are not
in the table, which knows no plugin: they follow rules that hold whatever the plugin, the
platform's walls. A back-office route is refused to anyone outside the staff; a route
that names objects in its path is refused to the administrator of another organisation;
no caller gets a 5xx. Which staff, or which citizens, a plugin's route lets in is the
plugin's rule, checked by its own tests.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar, post
from litestar.params import FromPath
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from core import unsubscribe_links
from core.db import Database, utcnow
from core.hookspecs import hookimpl
from core.models import AgendaEvent, ApiToken, Ballot, Dialogue, Group, LetterCode, Organisation
from core.models.users import Role
from core.services import organisations, page_blocks, users
from core.settings import Settings
from participe.testing import build_test_plugins, http_client, make_app
from plugins.analysis.extra import available as analysis_available
from tests.conftest import Person, World
from tests.crawl_helpers import PARAMETER
from tests.helpers import ADMIN_DIALOGUES, phases_now
from web.csrf import csrf_cookie_name, make_token

Client = AsyncTestClient[Litestar]
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
STRANGER_HOST = "participer.voisine.example"

#: Who calls, refused ones first so that what the allowed ones do cannot hide a refusal.
CALLERS = ("anonymous", "stranger", "citizen", "moderator", "reviewer", "admin", "author")
ANYONE = frozenset(CALLERS)
SIGNED_IN = ANYONE - {"anonymous"}
#: Only the person the object belongs to (the author of a proposal, the owner of a token).
OWNER = frozenset({"author"})
MODERATORS = frozenset({"moderator", "admin"})
REVIEWERS = frozenset({"reviewer", "admin"})
ADMINS = frozenset({"admin"})
#: None of the callers: platform operators only (``User.is_operator``), not any role.
OPERATORS = frozenset[str]()

Ids = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    """Who may call a route, and what to send: ``json`` or ``data`` (built from the ids
    of the world), and which id fills each path parameter (``ids``, parameter → key)."""

    allowed: frozenset[str]
    json: Callable[[Ids], Any] | None = None
    data: Callable[[Ids], dict[str, Any]] | None = None
    ids: dict[str, str] = field(default_factory=dict)
    #: The form is ``multipart/form-data`` (it takes files).
    multipart: bool = False
    #: A body that would succeed, sent by the other organisation's administrator in
    #: place of one that fails validation before the route looks the objects up.
    stranger: Callable[[Ids], Any] | None = None
    #: Callers whose answer is not judged (a plugin's rule that the platform cannot know),
    #: beyond getting no 5xx.
    unjudged: frozenset[str] = frozenset()
    #: What the route expects is unknown (a plugin's): any 4xx refuses, the refusal of a
    #: body that the route judged before looking its objects up.
    body_unknown: bool = False


def body(value: Any) -> Callable[[Ids], Any]:
    return lambda _: value


#: A body that fails validation once the permission has passed: nothing is changed.
INVALID = body({"not_a_field": 1})
EMPTY_FORM = body({})

#: The analysis's routes, where its extra is installed (on the dialogue ``vote``).
ANALYSIS_RULES: dict[tuple[str, str], Rule] = {
    ("POST", "/api/v1/dialogues/{slug:str}/analysis/similar"): Rule(
        ANYONE, json=body({"title": "Des arbres"}), ids={"slug": "vote_slug"}
    ),
    ("POST", "/api/v1/admin/dialogues/{slug:str}/analysis/distinct"): Rule(
        REVIEWERS,
        json=INVALID,
        ids={"slug": "vote_slug"},
        stranger=lambda ids: {"proposal_ids": [ids["vote_proposal"], ids["proposal_id"]]},
    ),
    ("POST", "/api/v1/admin/dialogues/{slug:str}/analysis/merge"): Rule(
        REVIEWERS,
        json=INVALID,
        ids={"slug": "vote_slug"},
        stranger=lambda ids: {"kept": ids["vote_proposal"], "merged": [ids["proposal_id"]]},
    ),
    ("POST", "/admin/dialogues/{slug:str}/analysis/distinct"): Rule(
        REVIEWERS, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/analysis/merge"): Rule(
        REVIEWERS, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/analysis/themes"): Rule(
        REVIEWERS, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
}


#: Every state-changing route and its rule, in the order they are called (an action
#: comes before what undoes it; what deletes comes last).
RULES: dict[tuple[str, str], Rule] = {
    # Sign-in: open to all (a sign-in link answers the same whoever asks).
    ("POST", "/api/v1/auth/email"): Rule(ANYONE, json=body({"email": "x@example.org"})),
    ("POST", "/api/v1/auth/verify"): Rule(ANYONE, json=body({"token": "x"})),
    ("POST", "/signin"): Rule(ANYONE, data=body({"email": "x@example.org"})),
    ("POST", "/signin/{token:str}"): Rule(ANYONE, data=EMPTY_FORM),
    ("POST", "/signin/confirm"): Rule(ANYONE, data=body({"token": "x"})),
    # One's own account.
    ("PATCH", "/api/v1/me"): Rule(SIGNED_IN, json=body({})),
    ("POST", "/me"): Rule(SIGNED_IN, data=body({"display_name": "Nom", "language": "fr"})),
    ("POST", "/me/tokens"): Rule(SIGNED_IN, data=body({"name": "script"})),
    ("POST", "/me/verification"): Rule(SIGNED_IN, data=EMPTY_FORM),
    # No postal code is listed: a signed-in citizen is told so (422), nothing changes.
    ("POST", "/me/verification/postal-code"): Rule(SIGNED_IN, data=body({"postal_code": "1"})),
    ("POST", "/me/verification/birth-date"): Rule(SIGNED_IN, data=body({"birth_date": "x"})),
    # Not a mobile number, not a digest: refused as bad input (422), nothing is sent.
    ("POST", "/me/verification/sms"): Rule(SIGNED_IN, data=body({"phone": "x"})),
    ("POST", "/me/verification/sms/code"): Rule(
        SIGNED_IN, data=body({"phone_digest": "x", "code": "1"})
    ),
    ("POST", "/api/v1/me/verification/sms"): Rule(SIGNED_IN, json=body({"phone": "x"})),
    ("POST", "/api/v1/me/verification/sms/code"): Rule(
        SIGNED_IN, json=body({"phone": "x", "code": "1"})
    ),
    ("PUT", "/api/v1/me/verification/birth-date"): Rule(SIGNED_IN, json=body({"birth_date": "x"})),
    ("POST", "/api/v1/me/verification/postal-code"): Rule(
        SIGNED_IN, json=body({"postal_code": "1"})
    ),
    # An unknown code: 422 for anyone signed in, nothing changes.
    ("POST", "/me/verification/letter-code"): Rule(SIGNED_IN, data=body({"code": "x"})),
    ("POST", "/api/v1/me/verification/letter-code"): Rule(SIGNED_IN, json=body({"code": "x"})),
    ("POST", "/api/v1/me/verification/census"): Rule(
        SIGNED_IN,
        json=body(
            {"last_name": "N", "first_name": "P", "birth_date": "1980-01-01", "postal_code": "1"}
        ),
    ),
    ("POST", "/me/tokens/{token_id:int}/revoke"): Rule(OWNER, data=EMPTY_FORM),
    # Proposals: any signed-in citizen proposes; only the author edits and publishes.
    ("POST", "/api/v1/dialogues/{slug:str}/proposals"): Rule(
        SIGNED_IN, json=body({"title": "Une idée", "body": "."})
    ),
    ("POST", "/dialogues/{slug:str}/proposals/new"): Rule(
        SIGNED_IN, data=body({"title": "Une idée", "body": "."}), multipart=True
    ),
    ("PATCH", "/api/v1/proposals/{proposal_id:int}"): Rule(OWNER, json=body({"body": "Mieux."})),
    ("POST", "/proposals/{proposal_id:int}/edit"): Rule(
        OWNER, data=body({"title": "Des arbres", "body": "Mieux."}), multipart=True
    ),
    ("POST", "/api/v1/proposals/{proposal_id:int}/publish"): Rule(
        OWNER, ids={"proposal_id": "draft_id"}
    ),
    ("POST", "/proposals/{proposal_id:int}/publish"): Rule(
        OWNER, data=EMPTY_FORM, ids={"proposal_id": "page_draft_id"}
    ),
    # Comments.
    ("POST", "/api/v1/proposals/{proposal_id:int}/comments"): Rule(
        SIGNED_IN, json=body({"body": "Un avis."})
    ),
    ("POST", "/proposals/{proposal_id:int}/comments"): Rule(
        SIGNED_IN, data=body({"body": "Un avis."})
    ),
    ("POST", "/api/v1/comments/{comment_id:int}/report"): Rule(SIGNED_IN, json=body({})),
    ("POST", "/comments/{comment_id:int}/report"): Rule(SIGNED_IN, data=EMPTY_FORM),
    # Ballots: one's own, in a dialogue of this organisation.
    ("PUT", "/api/v1/dialogues/{slug:str}/ballot/votes/{proposal_id:int}"): Rule(
        SIGNED_IN, json=body({}), ids={"slug": "vote_slug", "proposal_id": "vote_proposal"}
    ),
    ("DELETE", "/api/v1/dialogues/{slug:str}/ballot/votes/{proposal_id:int}"): Rule(
        SIGNED_IN, ids={"slug": "vote_slug", "proposal_id": "vote_proposal"}
    ),
    ("PUT", "/api/v1/dialogues/{slug:str}/ballot"): Rule(
        SIGNED_IN,
        json=lambda ids: {"votes": [{"proposal_id": ids["vote_proposal"]}]},
        ids={"slug": "vote_slug"},
    ),
    ("POST", "/proposals/{proposal_id:int}/vote"): Rule(
        SIGNED_IN, data=EMPTY_FORM, ids={"proposal_id": "vote_proposal"}
    ),
    ("POST", "/api/v1/dialogues/{slug:str}/ballot/confirm"): Rule(
        SIGNED_IN, ids={"slug": "vote_slug"}
    ),
    ("POST", "/dialogues/{slug:str}/ballot/confirm"): Rule(
        SIGNED_IN, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
    # Questionnaires: one's own response.
    ("POST", "/api/v1/dialogues/{slug:str}/questionnaire/responses"): Rule(
        SIGNED_IN, json=lambda ids: {"answers": {ids["question"]: 3}}, ids={"slug": "survey"}
    ),
    ("PUT", "/api/v1/dialogues/{slug:str}/questionnaire/responses/me"): Rule(
        SIGNED_IN, json=lambda ids: {"answers": {ids["question"]: 4}}, ids={"slug": "survey"}
    ),
    ("POST", "/dialogues/{slug:str}/questionnaire"): Rule(
        SIGNED_IN, data=lambda ids: {f"q{ids['question']}": "2"}, ids={"slug": "survey"}
    ),
    # Results: the organisers publish them.
    ("POST", "/dialogues/{slug:str}/results"): Rule(ADMINS, data=body({"action": "nothing"})),
    ("POST", "/api/v1/admin/dialogues/{slug:str}/results/publish"): Rule(ADMINS),
    ("POST", "/api/v1/admin/dialogues/{slug:str}/results/unpublish"): Rule(ADMINS),
    # Back office, API.
    ("POST", ADMIN_DIALOGUES): Rule(ADMINS, json=INVALID),
    ("PATCH", f"{ADMIN_DIALOGUES}/{{slug:str}}"): Rule(
        ADMINS, json=INVALID, stranger=body({"title": "Piratée"})
    ),
    ("POST", f"{ADMIN_DIALOGUES}/{{slug:str}}/phase"): Rule(
        ADMINS, json=INVALID, stranger=body({"kind": "vote"})
    ),
    # Publishing a public dialogue changes nothing; unpublishing one where citizens took
    # part is refused (409).
    ("POST", f"{ADMIN_DIALOGUES}/{{slug:str}}/publish"): Rule(ADMINS),
    ("POST", f"{ADMIN_DIALOGUES}/{{slug:str}}/unpublish"): Rule(ADMINS),
    ("PATCH", "/api/v1/admin/proposals/{proposal_id:int}"): Rule(
        REVIEWERS, json=INVALID, stranger=body({"status": "refused"})
    ),
    ("POST", "/api/v1/admin/proposals/{proposal_id:int}/correct"): Rule(
        ADMINS, json=INVALID, stranger=body({"reason": "Coquille", "title": "Piratée"})
    ),
    ("POST", "/api/v1/admin/proposals/{proposal_id:int}/withdraw"): Rule(
        ADMINS, json=INVALID, stranger=body({"reason": "Inéligible"})
    ),
    **(ANALYSIS_RULES if analysis_available() else {}),
    ("PUT", f"{ADMIN_DIALOGUES}/{{slug:str}}/modules/{{name:str}}"): Rule(
        ADMINS,
        json=INVALID,
        ids={"name": "module"},
        stranger=body({"settings": {"questions": [{"kind": "text", "text": "Piratée ?"}]}}),
    ),
    ("DELETE", f"{ADMIN_DIALOGUES}/{{slug:str}}/modules/{{name:str}}"): Rule(
        ADMINS, ids={"name": "module"}
    ),
    ("POST", "/api/v1/admin/groups"): Rule(ADMINS, json=INVALID),
    ("POST", "/api/v1/admin/verification/desk"): Rule(MODERATORS, json=INVALID),
    ("PUT", "/api/v1/admin/verification/census"): Rule(ADMINS, json=INVALID),
    ("POST", "/admin/verification/desk"): Rule(MODERATORS, data=EMPTY_FORM),
    ("POST", "/admin/verification/census"): Rule(ADMINS, data=EMPTY_FORM, multipart=True),
    ("PUT", "/api/v1/admin/verification/postal-codes"): Rule(ADMINS, json=INVALID),
    ("POST", "/api/v1/admin/verification/letter-codes"): Rule(ADMINS, json=INVALID),
    ("DELETE", "/api/v1/admin/verification/letter-codes/{batch:int}"): Rule(
        ADMINS, ids={"batch": "letter_batch"}
    ),
    ("POST", "/admin/verification/letters"): Rule(ADMINS, data=EMPTY_FORM, multipart=True),
    ("POST", "/admin/verification/letters/csv"): Rule(ADMINS, data=body({"letters": "x"})),
    ("POST", "/admin/verification/letters/{batch:int}/withdraw"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"batch": "spare_letter_batch"}
    ),
    ("POST", "/admin/verification/postal-codes"): Rule(
        ADMINS, data=body({"postal_codes": "pas un code"})
    ),
    ("PUT", "/api/v1/admin/groups/{name:str}/members/{email:str}"): Rule(ADMINS),
    ("DELETE", "/api/v1/admin/groups/{name:str}/members/{email:str}"): Rule(ADMINS),
    ("POST", "/api/v1/admin/pabulib/import"): Rule(ADMINS, json=INVALID),
    ("POST", f"{ADMIN_DIALOGUES}/{{slug:str}}/ballots/{{ballot_id:int}}/void"): Rule(
        ADMINS, json=INVALID, ids={"slug": "vote_slug"}, stranger=body({"reason": "Fraude"})
    ),
    ("POST", f"{ADMIN_DIALOGUES}/{{slug:str}}/assisted-ballots"): Rule(
        MODERATORS,
        json=INVALID,
        ids={"slug": "vote_slug"},
        stranger=body(
            {
                "last_name": "Martin",
                "first_name": "Jean",
                "birth_date": "1975-12-31",
                "postal_code": "75012",
                "votes": [],
            }
        ),
    ),
    # Back office, pages.
    ("POST", "/admin/dialogues/new"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/phases"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/phase"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/publish"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/unpublish"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/vote"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/form"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/exports"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/blocks"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/blocks/{block_id:int}"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/blocks/{block_id:int}/move"): Rule(
        ADMINS, data=body({"direction": "up"})
    ),
    ("POST", "/admin/dialogues/{slug:str}/agenda"): Rule(ADMINS, data=EMPTY_FORM),
    # The questionnaire's editor, on "sondage": without the version the form was drawn
    # from, a post is sent back (409) and changes nothing.
    **{
        ("POST", "/admin/dialogues/{slug:str}/questionnaire" + suffix): Rule(
            ADMINS, data=EMPTY_FORM, ids={"slug": "survey"}
        )
        for suffix in ("/settings", "/questions", "/questions/{number:int}")
    },
    ("POST", "/admin/dialogues/{slug:str}/questionnaire/questions/{number:int}/{action:str}"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"slug": "survey", "action": "question_action"}
    ),
    # The follow-up of projects (``plugins/projects``), on for "idees" with one project.
    ("POST", "/api/v1/admin/dialogues/{slug:str}/projects"): Rule(
        ADMINS,
        json=lambda ids: {"proposal_id": ids["proposal_id"]},  # already listed: 409
    ),
    ("PATCH", "/api/v1/admin/dialogues/{slug:str}/projects/{proposal_id:int}"): Rule(
        ADMINS, json=INVALID, stranger=body({"progress": 5})
    ),
    ("POST", "/api/v1/admin/dialogues/{slug:str}/projects/{proposal_id:int}/updates"): Rule(
        ADMINS, json=INVALID, stranger=body({"text": "Chantier"})
    ),
    (
        "POST",
        "/api/v1/admin/dialogues/{slug:str}/projects/{proposal_id:int}/updates/{update_id:int}/images",
    ): Rule(ADMINS, multipart=True, ids={"update_id": "project_update"}),  # no photo: 422
    ("POST", "/admin/dialogues/{slug:str}/projects"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/projects/{proposal_id:int}"): Rule(
        ADMINS, data=EMPTY_FORM
    ),
    ("POST", "/admin/dialogues/{slug:str}/projects/{proposal_id:int}/updates"): Rule(
        ADMINS, data=EMPTY_FORM, multipart=True
    ),
    ("POST", "/admin/dialogues/{slug:str}/agenda/{event_id:int}"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/image"): Rule(ADMINS, data=EMPTY_FORM, multipart=True),
    ("POST", "/admin/dialogues/{slug:str}/archive"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"slug": "spare_slug"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/restore"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"slug": "spare_slug"}
    ),
    ("POST", "/admin/proposals/{proposal_id:int}/review"): Rule(REVIEWERS, data=EMPTY_FORM),
    ("POST", "/admin/proposals/{proposal_id:int}/notes"): Rule(REVIEWERS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/proposals/bulk"): Rule(REVIEWERS, data=EMPTY_FORM),
    ("POST", "/admin/proposals/{proposal_id:int}/moderate"): Rule(MODERATORS, data=EMPTY_FORM),
    ("POST", "/admin/proposals/{proposal_id:int}/correct"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/proposals/{proposal_id:int}/withdraw"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/moderation/comments/{comment_id:int}"): Rule(MODERATORS, data=EMPTY_FORM),
    ("POST", "/admin/dialogues/{slug:str}/ballots/{ballot_id:int}/void"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/desk-vote"): Rule(
        MODERATORS, data=EMPTY_FORM, ids={"slug": "vote_slug"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/modules/{name:str}"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"name": "module"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/modules/{name:str}/off"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"name": "module"}
    ),
    ("POST", "/admin/organisation"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/organisation/blocks"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/organisation/blocks/{block_id:int}"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"block_id": "home_block"}
    ),
    ("POST", "/admin/organisation/blocks/{block_id:int}/move"): Rule(
        ADMINS, data=body({"direction": "up"}), ids={"block_id": "home_block"}
    ),
    ("POST", "/admin/groups"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/groups/{group_id:int}/rename"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/groups/{group_id:int}/members"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/admin/groups/{group_id:int}/import"): Rule(
        ADMINS, data=EMPTY_FORM, multipart=True, stranger=body({"lines": "x@example.org"})
    ),
    ("POST", "/admin/groups/{group_id:int}/members/{user_id:int}/remove"): Rule(
        ADMINS, data=EMPTY_FORM
    ),
    ("POST", "/admin/people/{user_id:int}/role"): Rule(
        ADMINS, data=EMPTY_FORM, stranger=body({"role": "admin"})
    ),
    # The platform operator's page: no organisation's staff, administrators included.
    ("POST", "/operator/modules/{slug:str}/{name:str}/{change:str}"): Rule(
        OPERATORS, data=EMPTY_FORM, ids={"name": "module"}
    ),
    ("PUT", "/api/v1/operator/organisations/{slug:str}/modules/{name:str}"): Rule(
        OPERATORS, ids={"name": "module"}
    ),
    ("DELETE", "/api/v1/operator/organisations/{slug:str}/modules/{name:str}"): Rule(
        OPERATORS, ids={"name": "module"}
    ),
    # What deletes, last.
    (
        "DELETE",
        "/api/v1/admin/dialogues/{slug:str}/projects/{proposal_id:int}/updates/{update_id:int}",
    ): Rule(ADMINS, ids={"update_id": "spare_project_update"}),
    (
        "POST",
        "/admin/dialogues/{slug:str}/projects/{proposal_id:int}/updates/{update_id:int}/delete",
    ): Rule(ADMINS, data=EMPTY_FORM, ids={"update_id": "other_project_update"}),
    ("POST", "/admin/dialogues/{slug:str}/projects/{proposal_id:int}/remove"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"proposal_id": "spare_project"}
    ),
    ("DELETE", "/api/v1/admin/dialogues/{slug:str}/projects/{proposal_id:int}"): Rule(ADMINS),
    ("POST", "/admin/organisation/blocks/{block_id:int}/delete"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"block_id": "spare_home_block"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/blocks/{block_id:int}/delete"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"block_id": "spare_block"}
    ),
    ("POST", "/admin/dialogues/{slug:str}/agenda/{event_id:int}/delete"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"event_id": "spare_event"}
    ),
    ("POST", "/admin/groups/{group_id:int}/delete"): Rule(
        ADMINS, data=EMPTY_FORM, ids={"group_id": "spare_group"}
    ),
    ("POST", "/admin/people/{user_id:int}/delete"): Rule(ADMINS, data=EMPTY_FORM),
    ("POST", "/me/delete"): Rule(SIGNED_IN, data=EMPTY_FORM),  # unconfirmed: nothing deleted
    ("POST", "/me/sessions/end-all"): Rule(SIGNED_IN, data=EMPTY_FORM),
    ("POST", "/signout"): Rule(ANYONE, data=EMPTY_FORM),
    ("POST", "/api/v1/auth/logout"): Rule(ANYONE),
    # following and news: one's own
    ("POST", "/api/v1/dialogues/{slug:str}/follow"): Rule(SIGNED_IN),
    ("DELETE", "/api/v1/dialogues/{slug:str}/follow"): Rule(SIGNED_IN),
    ("POST", "/api/v1/proposals/{proposal_id:int}/follow"): Rule(SIGNED_IN),
    ("DELETE", "/api/v1/proposals/{proposal_id:int}/follow"): Rule(SIGNED_IN),
    ("POST", "/dialogues/{slug:str}/follow"): Rule(SIGNED_IN, data=body({"action": "follow"})),
    ("POST", "/proposals/{proposal_id:int}/follow"): Rule(
        SIGNED_IN, data=body({"action": "unfollow"})
    ),
    ("POST", "/api/v1/me/notifications/read"): Rule(SIGNED_IN, json=body({})),
    ("POST", "/me/notifications/read"): Rule(SIGNED_IN, data=EMPTY_FORM),
    ("PUT", "/api/v1/me/notification-preferences"): Rule(
        SIGNED_IN, json=body({"phase_opened": "daily"})
    ),
    ("POST", "/me/notifications/preferences"): Rule(
        SIGNED_IN, data=body({"kind-phase_opened": "weekly"})
    ),
    # an email's one-click unsubscription: its signed link is the permission
    ("POST", "/notifications/unsubscribe/{token:str}"): Rule(
        ANYONE, data=EMPTY_FORM, ids={"token": "unsubscribe_token"}
    ),
    ("DELETE", "/api/v1/me"): Rule(SIGNED_IN),
}


#: Where the platform's own handlers are defined; a handler defined elsewhere is a
#: third-party plugin's.
PLATFORM_MODULES = ("core.", "web.", "plugins.")
BACK_OFFICE = ("/admin", "/api/v1/admin")
STAFF = frozenset({"moderator", "reviewer", "admin"})
#: A third-party plugin's back-office route: refused to everyone outside the staff.
PLUGIN_BACK_OFFICE = Rule(frozenset(), unjudged=STAFF, body_unknown=True)
#: A third-party plugin's other route: who may call it is the plugin's rule; only the
#: stranger (naming this organisation's objects) is refused.
PLUGIN_ROUTE = Rule(frozenset(), unjudged=ANYONE - {"stranger"}, body_unknown=True)


def unsafe_routes(app: Litestar, *, platform: bool) -> list[tuple[str, str]]:
    """The state-changing routes of the platform (``platform``) or of third-party
    plugins (not ``platform``), by where their handlers are defined."""
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute)
        for handler in route.route_handlers
        if handler.fn.__module__.startswith(PLATFORM_MODULES) == platform
        for method in set(handler.http_methods) & set(UNSAFE)
    )


def rules_of(app: Litestar) -> dict[tuple[str, str], Rule]:
    """The rule of every state-changing route of ``app``, in the order they are called:
    the walls every plugin's route stands behind for third-party ones, first, then the
    table's for the platform's."""
    table = {
        (method, path): PLUGIN_BACK_OFFICE if path.startswith(BACK_OFFICE) else PLUGIN_ROUTE
        for method, path in unsafe_routes(app, platform=False)
    }
    # Then the table's, in its order (what deletes comes last).
    present = set(unsafe_routes(app, platform=True))
    table.update((route, rule) for route, rule in RULES.items() if route in present)
    return table


def test_every_state_changing_route_of_the_platform_has_a_rule(app: Litestar) -> None:
    routes = set(unsafe_routes(app, platform=True))
    assert len(routes) > 60  # the walk sees the app's routes
    undeclared = sorted(routes - set(RULES))
    assert undeclared == [], "state-changing routes without a rule in RULES: " + ", ".join(
        f"{method} {path}" for method, path in undeclared
    )
    gone = sorted(set(RULES) - routes)
    assert gone == [], f"rules for routes the app no longer has: {gone}"


def refused(response: Any) -> bool:
    """401, 403, 404, or a page's redirection to the sign-in form (or, in the back
    office, to a list that says the object was not found)."""
    if response.status_code in (401, 403, 404):
        return True
    location = response.headers.get("location", "")
    return response.status_code in (302, 303) and (
        location.startswith("/signin") or location.endswith("error=not_found")
    )


async def build_world(client: Client, world: World) -> tuple[dict[str, Person], dict[str, Any]]:
    """The callers and the ids their requests name."""
    people = {
        "citizen": world.bob,
        "author": world.alice,
        "moderator": await world.person("moderation@ville.test", Role.MODERATOR),
        "reviewer": await world.person("instruction@ville.test", Role.REVIEWER),
        "admin": world.admin,
    }
    spare = await world.person("jetable@example.org")
    async with world.database.session() as session:
        await organisations.create_organisation(
            session, slug="voisine", name="Ville voisine", hosts=[STRANGER_HOST]
        )
        await session.commit()
        other = await session.scalar(select(Organisation).where(Organisation.slug == "voisine"))
    assert other is not None
    neighbour = World(other, world.admin, world.alice, world.bob, world.database)
    people["stranger"] = await neighbour.person("maire@voisine.example", Role.ADMIN)

    async def call(method: str, url: str, person: Person, **kwargs: Any) -> Any:
        response = await client.request(method, url, headers=person.headers, **kwargs)
        assert response.status_code < 400, f"{method} {url}: {response.text}"
        return response.json() if "json" in response.headers.get("content-type", "") else None

    admin = world.admin
    for slug, kind in (("idees", "proposals"), ("archivable", "proposals")):
        await call(
            "POST",
            ADMIN_DIALOGUES,
            admin,
            json={"slug": slug, "title": "Vos idées", "kind": "ideas", "phases": phases_now(kind)},
        )
    await call(
        "POST",
        ADMIN_DIALOGUES,
        admin,
        json={
            "slug": "vote",
            "title": "Le vote",
            "kind": "ideas",
            "vote": {"type": "support", "settings": {}},
            "phases": phases_now("proposals"),
            "results_visibility": "manual",
            **({"modules": {"analysis": {}}} if analysis_available() else {}),
        },
    )
    survey = await call(
        "POST",
        ADMIN_DIALOGUES,
        admin,
        json={
            "slug": "sondage",
            "title": "Votre avis",
            "kind": "questionnaire",
            "phases": phases_now("vote", ("information", "vote", "results")),
            "questionnaire": {
                "questions": [{"kind": "scale", "text": "Satisfait·e ?", "min": 1, "max": 5}]
            },
        },
    )
    assert survey is not None
    questions = await call("GET", "/api/v1/dialogues/sondage/questionnaire", admin)
    alice = world.alice

    async def propose(slug: str, **extra: Any) -> int:
        created = await call(
            "POST",
            f"/api/v1/dialogues/{slug}/proposals",
            alice,
            json={"title": "Des arbres", "body": "Rue de la gare.", **extra},
        )
        return int(created["id"])

    proposal_id = await propose("idees")
    draft_id = await propose("idees", draft=True)
    page_draft_id = await propose("idees", draft=True)
    vote_proposal = await propose("vote")
    await call("POST", f"{ADMIN_DIALOGUES}/vote/phase", admin, json={"kind": "vote"})
    await call("PUT", f"/api/v1/dialogues/vote/ballot/votes/{vote_proposal}", world.bob, json={})
    comment = await call(
        "POST", f"/api/v1/proposals/{proposal_id}/comments", alice, json={"body": "Oui."}
    )
    spare_project = await propose("idees")
    await call("PUT", f"{ADMIN_DIALOGUES}/idees/modules/projects", admin, json={"settings": {}})
    projects = f"/api/v1/admin/dialogues/idees/projects/{proposal_id}"
    for project in (proposal_id, spare_project):
        await call(
            "POST", "/api/v1/admin/dialogues/idees/projects", admin, json={"proposal_id": project}
        )
    project_updates = [
        (await call("POST", f"{projects}/updates", admin, json={"text": f"Étape {n}"}))["id"]
        for n in range(3)
    ]
    await call("POST", "/api/v1/admin/groups", admin, json={"name": "Comité"})
    await call("POST", "/api/v1/admin/groups", admin, json={"name": "Jetable"})
    await call("PUT", f"/api/v1/admin/groups/Comité/members/{spare.user.email}", admin)
    async with world.database.session() as session:
        org = await session.get(Organisation, world.org.id)
        dialogue = await session.scalar(select(Dialogue).where(Dialogue.slug == "idees"))
        assert org is not None and dialogue is not None
        plugins = client.app.state.context.plugins
        blocks = [
            await page_blocks.add_block(session, plugins, org, dialogue, "text") for _ in range(2)
        ]
        home_blocks = [
            await page_blocks.add_block(session, plugins, org, None, "text") for _ in range(2)
        ]
        events = [
            AgendaEvent(
                organisation_id=org.id,
                dialogue_id=dialogue.id,
                title=f"Réunion {n}",
                starts_at=utcnow() + timedelta(days=n + 1),
            )
            for n in range(2)
        ]
        session.add_all(events)
        # Two batches of codes to mail, one withdrawn by the API, one by the page.
        session.add_all(
            LetterCode(
                organisation_id=org.id,
                code_digest=f"{batch:064d}",
                identity_digest="0" * 64,
                batch=batch,
            )
            for batch in (1, 2)
        )
        await session.flush()
        await users.create_api_token(session, alice.user, "spare")
        token_id = await session.scalar(
            select(func.max(ApiToken.id)).where(ApiToken.user_id == alice.user.id)
        )
        groups = {
            name: await session.scalar(select(Group.id).where(Group.name == name))
            for name in ("Comité", "Jetable")
        }
        ballot_id = await session.scalar(select(Ballot.id))
        ids = {
            "slug": "idees",
            "vote_slug": "vote",
            "survey": "sondage",
            "question_action": "down",
            "spare_slug": "archivable",
            "question": str(questions["questions"][0]["id"]),
            "proposal_id": proposal_id,
            "draft_id": draft_id,
            "page_draft_id": page_draft_id,
            "vote_proposal": vote_proposal,
            "comment_id": comment["id"],
            "token_id": token_id,
            "token": "x",
            "unsubscribe_token": unsubscribe_links.sign(
                client.app.state.context.settings.secret_key, world.bob.user.id, "phase_opened"
            ),
            "block_id": blocks[0].id,
            "spare_block": blocks[1].id,
            "home_block": home_blocks[0].id,
            "spare_home_block": home_blocks[1].id,
            "event_id": events[0].id,
            "spare_event": events[1].id,
            "spare_group": groups["Jetable"],
            "ballot_id": ballot_id,
            "spare_project": spare_project,
            "project_update": project_updates[0],
            "spare_project_update": project_updates[1],
            "other_project_update": project_updates[2],
            "group_id": groups["Comité"],
            "user_id": spare.user.id,
            "name": "Comité",
            "module": "questionnaire",
            "change": "withdraw",
            "email": spare.user.email,
            "letter_batch": 1,
            "spare_letter_batch": 2,
        }
        await session.commit()
    return people, ids


def concrete(path: str, rule: Rule, ids: Ids) -> str:
    """``path`` with its parameters filled from ``ids``; a parameter that the world does
    not know (a plugin's) gets a value of its type."""

    def fill(match: re.Match[str]) -> str:
        key = rule.ids.get(match.group(1), match.group(1))
        if key in ids:
            return str(ids[key])
        return "1" if match.group(2) == "int" else "x"

    return PARAMETER.sub(fill, path)


@pytest.fixture
def anonymous_csrf(client: Client, settings: Settings) -> str:
    """The anonymous double-submit token of the client's cookie, for page forms."""
    value = "anonyme-" + "0" * 24
    client.cookies.set(csrf_cookie_name(settings), value)
    return make_token(settings.secret_key, "anonymous", value)


async def wrong_answers(
    client: Client,
    table: Mapping[tuple[str, str], Rule],
    people: Mapping[str, Person],
    ids: Ids,
    anonymous_csrf: str,
) -> tuple[list[str], int]:
    """Calls every route of ``table`` as every caller; returns the answers that break
    the routes' rules, and the number of calls."""
    wrong = []
    calls = 0
    for (method, path), rule in table.items():
        url = concrete(path, rule, ids)
        page = not path.startswith("/api/")
        for who in CALLERS:
            person = people.get(who)
            headers = {"accept": "text/html"} if page else {}
            if person is not None:
                headers.update(person.headers)
            if who == "stranger":
                if not PARAMETER.search(path) or rule.allowed == ANYONE:
                    continue  # acts in the stranger's own organisation, or open to all
                headers["host"] = STRANGER_HOST
            kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
            if rule.json is not None:
                kwargs["json"] = rule.json(ids)
            if rule.data is not None or (page and method == "POST"):
                data = rule.data(ids) if rule.data is not None else {}
                kwargs["data"] = {**data, "csrf_token": anonymous_csrf}
            if who == "stranger" and rule.stranger is not None:
                kwargs["json" if rule.json is not None else "data"] = rule.stranger(ids)
            if rule.multipart and person is not None:
                # (Not for the anonymous visitor, whose form the CSRF check reads: Litestar
                # does not close the files of a form when a later guard refuses.)
                kwargs["files"] = {"attachment": ("note.txt", b"", "text/plain")}
            response = await client.request(method, url, **kwargs)
            calls += 1
            # The stranger names objects of another organisation: never allowed.
            expected = who in rule.allowed and who != "stranger"
            judged = who not in rule.unjudged
            was_refused = refused(response) or (
                rule.body_unknown and 400 <= response.status_code < 500
            )
            if response.status_code >= 500 or (judged and was_refused == expected):
                wrong.append(
                    f"{who}: {method} {url} → {response.status_code} "
                    f"({'should pass' if expected else 'should be refused'}) "
                    f"{response.text[:120]!r}"
                )
    return wrong, calls


async def test_every_route_follows_its_rule(
    app: Litestar, client: Client, world: World, anonymous_csrf: str
) -> None:
    people, ids = await build_world(client, world)
    wrong, calls = await wrong_answers(client, rules_of(app), people, ids, anonymous_csrf)
    assert wrong == []
    assert calls > 400


class CarelessPlugin:
    """A plugin whose back-office route forgot the staff guard, and whose other route
    lets the administrator of another organisation act on this one's dialogues."""

    @staticmethod
    @post("/api/v1/admin/dialogues/{slug:str}/careless", status_code=200)
    async def unguarded(slug: FromPath[str]) -> dict[str, str]:
        return {"slug": slug}

    @staticmethod
    @post("/dialogues/{slug:str}/careless", status_code=200)
    async def any_organisation(slug: FromPath[str]) -> dict[str, str]:
        return {"slug": slug}

    @hookimpl
    def register_routes(self) -> list[Any]:
        return [self.unguarded, self.any_organisation]


async def test_a_plugin_route_outside_the_walls_is_caught(
    settings: Settings, database: Database, world: World, anonymous_csrf: str
) -> None:
    plugins = build_test_plugins([("careless", CarelessPlugin())])
    async with http_client(make_app(settings, database, plugins)) as client:
        client.cookies.set(csrf_cookie_name(settings), "anonyme-" + "0" * 24)
        people, ids = await build_world(client, world)
        table = {route: rule for route, rule in rules_of(client.app).items() if route not in RULES}
        assert set(table) == {
            ("POST", "/api/v1/admin/dialogues/{slug:str}/careless"),
            ("POST", "/dialogues/{slug:str}/careless"),
        }
        wrong, _ = await wrong_answers(client, table, people, ids, anonymous_csrf)
    assert sorted(line.split(" → ")[0] for line in wrong) == [
        "anonymous: POST /api/v1/admin/dialogues/idees/careless",
        "author: POST /api/v1/admin/dialogues/idees/careless",
        "citizen: POST /api/v1/admin/dialogues/idees/careless",
        "stranger: POST /api/v1/admin/dialogues/idees/careless",
        "stranger: POST /dialogues/idees/careless",
    ]
