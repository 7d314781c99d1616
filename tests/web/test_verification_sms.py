"""Verification by a code sent by SMS (the ``sms_code`` method): a citizen gives a mobile
number, receives a code through the SMS gateway (the outbox by default, a plugin's when
one is registered) and types it back; the number's keyed digest is the identity, so two
accounts verified with one number vote once in a dialogue. Codes expire, wrong ones are
refused, sends and tries are rate limited, the clear number is stored nowhere but in the
outbox gateway's own rows, and the pages work without JavaScript."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from html import unescape
from typing import Any

import httpx
import pytest
from sqlalchemy import String, Text, select

from core.db import Base, Database, utcnow
from core.errors import ConfigurationError, ValidationFailed
from core.hookspecs import hookimpl
from core.models import Organisation, OutboxMessage, User
from core.plugin_manager import Plugins
from core.registries import Registry
from core.services import sms_verification
from core.settings import Settings
from core.sms import SMS_KIND, OutboxSmsGateway, SmsGateway, choose_gateway
from participe.testing import Outbox, http_client, make_app, put_vote
from tests.ballot_helpers import Client
from tests.conftest import LiveServer, Person, World
from tests.signin_helpers import csrf_in, sign_in
from tests.web.test_ballot_concurrency import at_once, summary
from tests.web.test_rate_limits import assert_limited, limited_client
from tests.web.test_verification import ELODIE, ME_API, by_census, residents_dialogue, upload
from web.plugins import build_plugins

SMS_API = f"{ME_API}/sms"
PHONE = "06 98 76 54 32"
E164 = "+33698765432"


async def ask_code(client: Client, person: Person, phone: str = PHONE) -> httpx.Response:
    response: httpx.Response = await client.post(
        SMS_API, json={"phone": phone}, headers=person.headers
    )
    return response


async def give_code(
    client: Client, person: Person, code: str, phone: str = PHONE
) -> httpx.Response:
    response: httpx.Response = await client.post(
        f"{SMS_API}/code", json={"phone": phone, "code": code}, headers=person.headers
    )
    return response


async def sent_code(outbox: Outbox, phone: str = E164) -> str:
    """The code of the latest SMS the outbox gateway "sent" to ``phone``."""
    latest = (await outbox.messages(phone, kind=SMS_KIND))[0]
    found = re.search(r"\b(\d{6})\b", latest.text_body)
    assert found is not None, latest.text_body
    return found[1]


def test_french_mobile_numbers_are_normalised() -> None:
    for typed in (
        "06 12 34 56 78",
        "06.12.34.56.78",
        "0612345678",
        "+33 6 12 34 56 78",
        "+33 (0)6 12 34 56 78",
        "0033 6 12 34 56 78",
        " +33612345678 ",
    ):
        assert sms_verification.normalise_phone(typed) == "+33612345678", typed
    assert sms_verification.normalise_phone("07 00 00 00 01") == "+33700000001"
    for wrong in ("01 42 00 00 00", "06 12 34 56", "bonjour", "", "+44 7700 900123", "0612345678x"):
        with pytest.raises(ValidationFailed) as refused:
            sms_verification.normalise_phone(wrong)
        assert refused.value.extra["errors"][0]["field"] == "phone"


async def test_a_citizen_verified_by_sms_votes_and_a_second_account_of_the_number_cannot(
    client: Client, world: World, outbox: Outbox
) -> None:
    setup = await residents_dialogue(client, world, slug="sms", methods=("sms_code",))
    before = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert (before.status_code, before.json()["code"]) == (403, "vote.verification_required")

    not_a_phone = await ask_code(client, world.alice, "01 42 00 00 00")
    assert (not_a_phone.status_code, not_a_phone.json()["code"]) == (422, "validation")
    assert not_a_phone.json()["errors"][0]["field"] == "phone"
    sent = await ask_code(client, world.alice)
    assert sent.status_code == 202, sent.text
    assert sent.json() == {"sent": True, "valid_minutes": 10}
    code = await sent_code(outbox)
    [sms] = await outbox.messages(E164, kind=SMS_KIND)
    assert "Ville de Test" in sms.text_body and sms.sent_at is not None  # never emailed

    wrong = await give_code(client, world.alice, "000000" if code != "000000" else "111111")
    assert (wrong.status_code, wrong.json()["code"]) == (422, "verification.no_match")
    # The code is the account's: another account cannot use it.
    stolen = await give_code(client, world.bob, code)
    assert stolen.json()["code"] == "verification.no_match"
    verified = await give_code(client, world.alice, code, phone="+33 6 98 76 54 32")
    assert verified.status_code == 200, verified.text
    assert verified.json()["method"] == "sms_code"
    assert (await client.get(ME_API, headers=world.alice.headers)).json()["method"] == "sms_code"
    voted = await put_vote(client, world.alice, setup, setup.proposals[0])
    assert voted.status_code in (200, 201), voted.text

    # Bob verifies his account with the same number: the same identity, which voted.
    assert (await ask_code(client, world.bob, "0033698765432")).status_code == 202
    bob_verified = await give_code(client, world.bob, await sent_code(outbox))
    assert bob_verified.status_code == 200
    refused = await put_vote(client, world.bob, setup, setup.proposals[1])
    assert (refused.status_code, refused.json()["code"]) == (409, "vote.identity_already_voted")

    # Staff see how the accounts are verified and that they share one identity, not the
    # number.
    listed = await client.get(
        "/api/v1/admin/verification/verifications", headers=world.admin.headers
    )
    assert {(item["method"], item["accounts_of_identity"]) for item in listed.json()["items"]} == {
        ("sms_code", 2)
    }
    page = await client.get("/admin/verification", headers=world.admin.headers)
    assert "Code par SMS" in page.text and E164 not in page.text and "54 32" not in page.text

    # A dialogue that asks for the residents list does not take a code by SMS.
    strict = await residents_dialogue(client, world, slug="liste", methods=("census",))
    assert (await put_vote(client, world.alice, strict, strict.proposals[0])).status_code == 403


async def test_three_accounts_of_one_number_voting_at_once_make_one_ballot(
    client: Client, world: World, outbox: Outbox, live_server: LiveServer
) -> None:
    accounts = [world.alice, world.bob, await world.person("carol@example.org")]
    for account in accounts:
        assert (await ask_code(client, account)).status_code == 202
        assert (await give_code(client, account, await sent_code(outbox))).status_code == 200
    for trial in range(3):
        setup = await residents_dialogue(client, world, f"course-{trial}", methods=("sms_code",))
        responses = await at_once(
            live_server,
            [(account, setup.vote(setup.proposals[n]), {}) for n, account in enumerate(accounts)],
        )
        assert summary(responses) == {
            (200, ""): 1,
            (409, "vote.identity_already_voted"): 2,
        }, trial


async def test_a_code_expires(client: Client, world: World, database: Database) -> None:
    secret = Settings().secret_key
    async with database.session() as session:
        org = await session.get(Organisation, world.org.id)
        alice = await session.get(User, world.alice.user.id)
        assert org is not None and alice is not None
        sent_at = utcnow()
        digest = await sms_verification.send_code(
            session,
            org,
            alice,
            E164,
            gateway=OutboxSmsGateway(),
            secret_key=secret,
            text="%(code)s",
            now=sent_at,
        )
        message = await session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "sms"))
        assert message is not None
        code = message.text_body
        for late in (timedelta(minutes=21), timedelta(hours=2), -timedelta(minutes=11)):
            with pytest.raises(ValidationFailed) as refused:
                await sms_verification.verify_by_sms_code(
                    session, org, alice, digest, code, secret_key=secret, now=sent_at + late
                )
            assert refused.value.code == "verification.no_match"
        held = await sms_verification.verify_by_sms_code(
            session,
            org,
            alice,
            digest,
            code,
            secret_key=secret,
            now=sent_at + timedelta(minutes=9),
        )
        assert held.method == "sms_code"
    # Through the API: a code of a window two windows ago is refused.
    window = int(utcnow().timestamp()) // sms_verification.CODE_WINDOW_SECONDS
    old = sms_verification.code_for(secret, world.org.id, world.alice.user.id, digest, window - 2)
    late = await give_code(client, world.alice, old)
    assert (late.status_code, late.json()["code"]) == (422, "verification.no_match")


async def test_a_person_verified_by_the_list_keeps_it(
    client: Client, world: World, outbox: Outbox
) -> None:
    assert (await upload(client, world)).status_code == 200
    assert (await by_census(client, world.alice, ELODIE)).status_code == 200
    assert (await ask_code(client, world.alice)).status_code == 202
    kept = await give_code(client, world.alice, await sent_code(outbox))
    assert kept.status_code == 200 and kept.json()["method"] == "census"


async def test_sending_and_checking_codes_are_rate_limited(
    settings: Any, plugins: Any, database: Database, world: World, outbox: Outbox
) -> None:
    rates = {"sms_send": "3/hour", "sms_send_number": "4/day", "sms_check": "5/hour"}
    async with limited_client(settings, plugins, database, rates) as client:
        for _ in range(3):
            assert (await ask_code(client, world.alice)).status_code == 202
        assert_limited(await ask_code(client, world.alice))
        code = await sent_code(outbox)
        # The number's own limit: another account cannot flood it either.
        assert (await ask_code(client, world.bob)).status_code == 202
        assert_limited(await ask_code(client, world.bob, "+33 6 98 76 54 32"))
        assert (await ask_code(client, world.bob, "07 00 00 00 01")).status_code == 202
        # Five tries at a code an hour, then even the right one waits.
        guesses = [
            guess
            for guess in ("000001", "000002", "000003", "000004", "000005", "000006")
            if guess != code
        ]
        for guess in guesses[:5]:
            wrong = await give_code(client, world.alice, guess)
            assert wrong.json()["code"] == "verification.no_match"
        assert_limited(await give_code(client, world.alice, code))


async def test_the_number_is_stored_nowhere_but_in_the_outbox_gateways_rows(
    client: Client, world: World, outbox: Outbox, caplog: pytest.LogCaptureFixture
) -> None:
    # What the platform logs, at every level (the database driver's debug lines, which
    # show the outbox's insert, are off outside debugging).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="participe")
    setup = await residents_dialogue(client, world, slug="sms", methods=("sms_code",))
    assert (await ask_code(client, world.alice)).status_code == 202
    code = await sent_code(outbox)
    assert (await give_code(client, world.alice, code)).status_code == 200
    assert (await put_vote(client, world.alice, setup, setup.proposals[0])).status_code == 200
    forms = ("0698765432", "698765432", E164, "98 76 54 32")
    found: list[str] = []
    async with world.database.session() as session:
        for table in Base.metadata.sorted_tables:
            texts = [c for c in table.columns if isinstance(c.type, (String, Text))]
            for row in await session.execute(select(table)):
                if table.name == "outbox_messages" and row.kind == SMS_KIND:
                    continue  # the outbox gateway's own message: what a provider would get
                for column in texts:
                    value = str(row._mapping[column.name] or "")
                    found += [f"{table.name}.{column.name}" for form in forms if form in value]
    assert found == []
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert not any(form in logged for form in forms) and code not in logged


class Recorded(SmsGateway):
    """A provider that keeps what it is asked to send, in memory."""

    id = "carrier"

    def __init__(self) -> None:
        self.sent: list[tuple[int, str, str]] = []

    async def send(self, session: Any, organisation: Organisation, phone: str, text: str) -> None:
        self.sent.append((organisation.id, phone, text))


class CarrierPlugin:
    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    @hookimpl
    def register_sms_gateways(self, registry: Registry[SmsGateway]) -> None:
        registry.add(self.gateway)


async def test_hook_register_sms_gateways(
    settings: Settings, database: Database, world: World, outbox: Outbox
) -> None:
    carrier = Recorded()
    plugins = build_plugins(settings, extra=[("carrier", CarrierPlugin(carrier))])
    async with http_client(make_app(settings, database, plugins)) as client:
        assert (await ask_code(client, world.alice)).status_code == 202
        [(org_id, phone, text)] = carrier.sent
        assert (org_id, phone) == (world.org.id, E164)
        code = re.search(r"\d{6}", text)
        assert code is not None
        assert (await give_code(client, world.alice, code[0])).status_code == 200
    assert await outbox.messages(kind=SMS_KIND) == []  # the provider sent it, not the outbox
    # The setting names the outbox back.
    named = settings.replace(sms_gateway="outbox")
    async with http_client(make_app(named, database, plugins)) as client:
        assert (await ask_code(client, world.bob)).status_code == 202
    assert len(carrier.sent) == 1 and len(await outbox.messages(kind=SMS_KIND)) == 1


class Down(Recorded):
    """A provider that cannot be reached, and says so quoting the number."""

    id = "down"

    async def send(self, session: Any, organisation: Organisation, phone: str, text: str) -> None:
        raise RuntimeError(f"cannot reach the provider for {phone}")


async def test_a_gateway_that_fails_is_a_clear_refusal(
    settings: Settings,
    database: Database,
    world: World,
    outbox: Outbox,
    caplog: pytest.LogCaptureFixture,
) -> None:
    plugins = build_plugins(settings, extra=[("down", CarrierPlugin(Down()))])
    async with http_client(make_app(settings, database, plugins)) as client:
        failed = await ask_code(client, world.alice)
        assert (failed.status_code, failed.json()["code"]) == (503, "verification.sms_not_sent")
        await sign_in(client, database, world.alice.user.email)
        page = await client.get("/me/verification")
        shown = await client.post(
            "/me/verification/sms", data={"phone": PHONE, "csrf_token": csrf_in(page.text)}
        )
        assert shown.status_code == 503
        assert "Le SMS n'a pas pu être envoyé" in unescape(shown.text)
    assert E164 not in "\n".join(record.getMessage() for record in caplog.records)
    assert "RuntimeError" in caplog.text


def test_the_gateway_is_chosen_by_name(settings: Settings) -> None:
    plugins: Plugins = build_plugins(
        settings,
        extra=[("carrier", CarrierPlugin(Recorded()))],
    )
    assert choose_gateway(plugins.sms_gateways, None).id == "carrier"
    assert choose_gateway(plugins.sms_gateways, "outbox").id == "outbox"
    with pytest.raises(ConfigurationError, match="nobody"):
        choose_gateway(plugins.sms_gateways, "nobody")

    class Other(Recorded):
        id = "other"

    both = build_plugins(
        settings,
        extra=[("carrier", CarrierPlugin(Recorded())), ("other", CarrierPlugin(Other()))],
    )
    with pytest.raises(ConfigurationError, match="several"):
        choose_gateway(both.sms_gateways, None)
    assert choose_gateway(build_plugins(settings).sms_gateways, None).id == "outbox"
    assert Settings.from_env({"PARTICIPE_SMS_GATEWAY": " carrier "}).sms_gateway == "carrier"


async def test_the_pages_without_javascript(
    client: Client, world: World, database: Database, outbox: Outbox
) -> None:
    await sign_in(client, database, world.alice.user.email)
    page = await client.get("/me/verification")
    assert "Par un code reçu par SMS" in unescape(page.text)
    token = csrf_in(page.text)
    wrong = await client.post(
        "/me/verification/sms", data={"phone": "la mairie", "csrf_token": token}
    )
    assert wrong.status_code == 422
    assert "Indiquez un numéro de mobile" in unescape(wrong.text)
    assert 'value="la mairie"' in wrong.text  # what was typed stays
    sent = await client.post(
        "/me/verification/sms",
        data={"phone": PHONE, "csrf_token": token, "next": "/dialogues/x"},
    )
    assert sent.status_code == 200
    assert "Un code vous a été envoyé par SMS" in unescape(sent.text)
    assert E164 not in sent.text and "54 32" not in sent.text and "5432" not in sent.text
    digest = re.search(r'name="phone_digest" value="([0-9a-f]{64})"', sent.text)
    assert digest is not None
    code = await sent_code(outbox)
    assert code not in sent.text
    refused = await client.post(
        "/me/verification/sms/code",
        data={"phone_digest": digest[1], "code": "12", "csrf_token": token, "next": "/dialogues/x"},
    )
    assert refused.status_code == 422
    assert "Ce code ne correspond pas" in unescape(refused.text)
    assert digest[1] in refused.text  # the code can be typed again
    right = await client.post(
        "/me/verification/sms/code",
        data={"phone_digest": digest[1], "code": code, "csrf_token": token, "next": "/dialogues/x"},
        follow_redirects=False,
    )
    assert right.status_code == 303 and right.headers["location"].startswith("/dialogues/x")
    assert "notice=verified" in right.headers["location"]
    page = await client.get("/me/verification")
    assert "Vérifié par un code reçu par SMS" in unescape(page.text)
    assert 'action="/me/verification/sms"' not in page.text
    english = await client.get("/me/verification", headers={"Accept-Language": "en"})
    assert "text message" in english.text
