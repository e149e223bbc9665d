"""What every journey does in the browser: sign in through the development provider's page (the
real OIDC flow), check a page with axe (no serious or critical violation) and keep its
screenshot in docs/console/."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.browser.conftest import SCREENSHOTS, Stack
from tests.support import ROOT

AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 A and AA rules, as the issue asks (AA).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
UNREAD = re.compile(r"^Notifications \(\d+ unread\)$")


def sign_in(
    page: Any,
    stack: Stack,
    *,
    role: str,
    name: str,
    organisation: str | None = None,
    coach: str | None = None,
    email: str | None = None,
    start: str = "/",
) -> None:
    """Sign in as a person would: the console's Sign in button, the provider's page, back (the
    e-mail address, the notification feed's key, is the role's own unless ``email`` is given)."""
    page.goto(f"{stack.console}{start}")
    page.get_by_role("banner").get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.issuer}/interaction/**")
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Role").select_option(role)
    if organisation:
        page.get_by_label("Organisation").select_option(label=organisation)
    if coach:
        page.get_by_label("Coach").select_option(label=coach)
    if email:
        page.get_by_label("Email address").fill(email)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{stack.console}/**")
    page.get_by_role("button", name="Sign out").wait_for()
    # Everyone signed in has the unread count in the header, as text.
    unread = page.get_by_role("banner").get_by_role("link", name=UNREAD)
    unread.wait_for()


def check_page(page: Any, name: str) -> None:
    """axe on the page as it stands (no serious or critical violation), then its screenshot."""
    page.wait_for_load_state("networkidle")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the debugging protocol: the console's content security policy
        # (rightly) refuses inline scripts.
        page.evaluate(AXE.read_text() + "\n;undefined")
    results = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        AXE_TAGS,
    )
    serious = [v for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{name}: " + json.dumps(
        [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
            for v in serious
        ],
        indent=1,
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def menu(page: Any, text: str) -> None:
    """Follow a link of the header's menu."""
    page.get_by_role("navigation", name="Menu").get_by_role("link", name=text).click()
