"""What the vote types' tests share besides :mod:`participe.testing` (dialogues ready for
voting, ballot calls): a widget rendered alone, a refused vote configuration."""

from __future__ import annotations

from typing import Any

from core.plugin_manager import Plugins
from participe.testing.dialogues import Client
from tests.conftest import World
from web.templating import make_environment

__all__ = ["Client", "render_widget", "settings_error"]


def render_widget(plugins: Plugins, template: str, **context: Any) -> str:
    """A vote widget rendered with the app's template folders, as a page includes it (with
    the page's CSRF token)."""
    context.setdefault("csrf_token", "jeton-csrf")
    return make_environment(plugins.template_dirs()).get_template(template).render(**context)


async def settings_error(client: Client, world: World, vote: dict[str, Any]) -> str:
    """The error code of a dialogue created with ``vote`` (which must be refused)."""
    response = await client.post(
        "/api/v1/admin/dialogues",
        json={"slug": "refusee", "title": "Refusée", "kind": "ideas", "vote": vote},
        headers=world.admin.headers,
    )
    assert response.status_code == 422, response.text
    code: str = response.json()["code"]
    return code
