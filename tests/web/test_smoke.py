from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.conftest import LiveServer, World


async def test_home_and_dialogues(client: AsyncTestClient[Litestar], world: World) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "Ville de Test" in response.text
    response = await client.get("/api/v1/dialogues")
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "page": 1, "per_page": 20}


async def test_live_server_serves_the_api(live_server: LiveServer, world: World) -> None:
    import httpx

    async with httpx.AsyncClient(base_url=live_server.url) as http:
        response = await http.get("/api/v1/dialogues", headers=world.alice.headers)
    assert response.status_code == 200
