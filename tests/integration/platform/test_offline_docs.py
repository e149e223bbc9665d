"""Issue #16 item 17: `/api/<service>/docs` works offline: Swagger UI's script, style and icon
come from the service itself (under its own prefix, so the gateway routes them too), and the page
asks nothing of any other host (no CDN, no validator badge)."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.security.matrix import SERVICES, build_app

ASSET = re.compile(r"""(?:src|href)="([^"]+)\"""")


@pytest.mark.parametrize("service", SERVICES)
async def test_the_docs_page_and_its_assets_come_from_the_service(service: str) -> None:
    app = build_app(service)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://service"
    ) as client:
        page = await client.get(f"/api/{service}/docs")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "http://" not in page.text and "https://" not in page.text
        assert '"validatorUrl": null' in page.text
        assert f"url: '/api/{service}/openapi.json'" in page.text
        assets = ASSET.findall(page.text)
        assert len(assets) == 3, assets  # the style, the icon, the script
        kinds = {}
        for asset in assets:
            assert asset.startswith(f"/api/{service}/docs/assets/"), asset
            answer = await client.get(asset)
            assert answer.status_code == 200, asset
            assert len(answer.content) > 1000, asset
            kinds[asset.rsplit(".", 1)[-1]] = answer.headers["content-type"]
        assert kinds["css"].startswith("text/css")
        assert "javascript" in kinds["js"]
        assert kinds["png"] == "image/png"
        # The spec the page loads carries the roles of each route (x-roles, shown by the UI).
        spec = (await client.get(f"/api/{service}/openapi.json")).json()
        assert any("x-roles" in op for ops in spec["paths"].values() for op in ops.values())
