"""``participe org create``, ``participe org modules``, ``participe user create``,
``participe token create``, ``participe operator add|remove|list``."""

from __future__ import annotations

import argparse
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.db import utcnow
from core.errors import ValidationFailed
from core.models import Organisation
from core.models.users import Role
from core.plugin_manager import Plugins
from core.services import groups, modules, operators, organisations, users
from web.commands._runtime import load_settings, run_with_session


def register(subparsers: Any) -> None:
    org = subparsers.add_parser("org", help="organisations")
    org_actions = org.add_subparsers(dest="org_command", metavar="ACTION", required=True)
    create_org = org_actions.add_parser("create", help="create an organisation")
    create_org.add_argument("slug")
    create_org.add_argument("--name", required=True)
    create_org.add_argument("--host", action="append", default=[], help="a host name (repeat)")
    create_org.add_argument("--default", action="store_true", help="serve it on localhost")
    create_org.set_defaults(func=run_create_org)
    org_modules = org_actions.add_parser(
        "modules",
        help="the modules an organisation may use (the platform operator's choice)",
        description="Lists the installed modules and whether the organisation may use each; "
        "--enable and --disable change that (repeat them). Disabling a module turns it off "
        "on every dialogue of the organisation.",
    )
    org_modules.add_argument("slug")
    org_modules.add_argument("--enable", action="append", default=[], metavar="NAME")
    org_modules.add_argument("--disable", action="append", default=[], metavar="NAME")
    org_modules.set_defaults(func=run_org_modules)

    user = subparsers.add_parser("user", help="users")
    user_actions = user.add_subparsers(dest="user_command", metavar="ACTION", required=True)
    create_user = user_actions.add_parser("create", help="create (or update) a verified user")
    _person_arguments(create_user)
    create_user.add_argument("--role", choices=[role.value for role in Role])
    create_user.add_argument("--name", help="display name")
    create_user.set_defaults(func=run_create_user)

    operator = subparsers.add_parser(
        "operator",
        help="platform operators, who choose the modules of every organisation",
        description="An operator signs in as any user of their organisation and chooses, "
        "on /operator/modules, the modules each organisation may use. It gives no other "
        "right: their role in their organisation stays what it is.",
    )
    operator_actions = operator.add_subparsers(
        dest="operator_command", metavar="ACTION", required=True
    )
    add_operator = operator_actions.add_parser(
        "add", help="make a user an operator (creating a verified account if needed)"
    )
    add_operator.add_argument("email")
    add_operator.add_argument("--org", help="their organisation (default: the default one)")
    add_operator.set_defaults(func=run_operator, operator=True)
    remove_operator = operator_actions.add_parser("remove", help="no longer an operator")
    remove_operator.add_argument("email")
    remove_operator.add_argument("--org", help="their organisation (default: the default one)")
    remove_operator.set_defaults(func=run_operator, operator=False)
    list_operators = operator_actions.add_parser("list", help="the operators")
    list_operators.set_defaults(func=run_list_operators)

    token = subparsers.add_parser("token", help="API bearer tokens")
    token_actions = token.add_subparsers(dest="token_command", metavar="ACTION", required=True)
    create_token = token_actions.add_parser(
        "create", help="create a verified user if needed, print a bearer token"
    )
    _person_arguments(create_token)
    create_token.add_argument("--admin", action="store_true", help="give the user the admin role")
    create_token.set_defaults(func=run_create_token)


def _person_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--email", required=True)
    parser.add_argument("--org", help="organisation slug (default: the default organisation)")


def run_create_org(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> Organisation:
        return await organisations.create_organisation(
            session, slug=args.slug, name=args.name, hosts=args.host, is_default=args.default
        )

    organisation = run_with_session(load_settings(), work)
    print(f"organisation {organisation.slug} created")
    return 0


def run_org_modules(args: argparse.Namespace) -> int:
    both = sorted(set(args.enable) & set(args.disable))
    if both:
        raise ValidationFailed(f"both enabled and disabled: {', '.join(both)}")

    async def work(session: AsyncSession, plugins: Plugins) -> list[str]:
        organisation = await organisations.get_by_slug(session, args.slug)
        lines: list[str] = []
        now = utcnow()
        for name, granted in [(n, True) for n in args.enable] + [(n, False) for n in args.disable]:
            turned_off = await modules.set_grant(
                session, plugins, organisation, name, granted, now=now
            )
            if turned_off:
                lines.append(f"{name}: turned off on {', '.join(turned_off)}")
        for grant in modules.grants_of(plugins, organisation):
            state = "enabled" if grant.granted else "disabled"
            default = " (default)" if grant.by_default else ""
            lines.append(f"{grant.module.name:<20} {state}{default}  {grant.module.title}")
        return lines

    for line in run_with_session(load_settings(), work):
        print(line)
    return 0


def run_operator(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> str:
        organisation = await organisations.named_or_default(session, args.org)
        if args.operator:
            user = await operators.name_operator(session, organisation, args.email)
            return f"{user.email} ({organisation.slug}) is an operator"
        user = await operators.remove_operator(session, organisation, args.email)
        return f"{user.email} ({organisation.slug}) is no longer an operator"

    print(run_with_session(load_settings(), work))
    return 0


def run_list_operators(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> list[str]:
        found = await operators.list_operators(session)
        return [
            f"{user.email}  {organisation.slug}  {user.role.value}" for user, organisation in found
        ]

    lines = run_with_session(load_settings(), work)
    print("\n".join(lines) if lines else "no operator yet: 'participe operator add EMAIL'")
    return 0


def run_create_user(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> str:
        organisation = await organisations.named_or_default(session, args.org)
        user = await users.ensure_user(session, organisation, args.email, display_name=args.name)
        if args.role:
            # Through the role change of the back office: the last administrator stays.
            user = await groups.set_role(session, organisation, user.id, Role(args.role))
        return f"user {user.email} ({user.role.value}) in {organisation.slug}"

    print(run_with_session(load_settings(), work))
    return 0


def run_create_token(args: argparse.Namespace) -> int:
    async def work(session: AsyncSession, plugins: Plugins) -> str:
        organisation = await organisations.named_or_default(session, args.org)
        user = await users.ensure_user(
            session, organisation, args.email, role=Role.ADMIN if args.admin else None
        )
        return await users.create_api_token(session, user, name="cli")

    print(run_with_session(load_settings(), work))
    return 0
