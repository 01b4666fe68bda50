"""Screenshots for the documentation, taken from a running server loaded with the demo data.

    rm -rf /tmp/uidemo && VIGIE_DATA_DIR=/tmp/uidemo .venv/bin/vigie migrate && VIGIE_DATA_DIR=/tmp/uidemo .venv/bin/vigie demo
    VIGIE_DATA_DIR=/tmp/uidemo VIGIE_PORT=8765 .venv/bin/vigie serve --no-worker &
    .venv/bin/python -m tests.browser.take_screenshots http://127.0.0.1:8765 docs/img [practices|supervision]

Uses Debian's Chromium (never a downloaded browser). Pages are shown in French, the project's first
language: the browser asks for fr-FR and the demo users have no saved language. Chromium's own
widgets (the file picker's button) stay in English unless Debian's chromium-l10n is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

DEMO_PASSWORD = "vigie-demo-2026"
TECHNICIAN = "theo.garcia@rhone-numerique.fr"
ADMIN = "admin@rhone-numerique.fr"
IT_CONTACT = "hugo.fontaine@boulangerie-martin.fr"
CHROMIUM = os.environ.get("VIGIE_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")


def log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def practices(browser: Any, base: str, out: Path) -> None:
    """The CMDB, a change and the portal catalog and help articles (issue #4's practices)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900}, timezone_id="Europe/Paris")
    page = context.new_page()
    log_in(page, base, ADMIN)
    # The firewall of the bakery: its relations, the graph around it and what its failure stops.
    page.goto(f"{base}/desk/cmdb/?q=Pare-feu")
    page.locator("a", has_text="Pare-feu FW-01").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "cmdb-item.png"), full_page=True)
    page.goto(f"{base}/desk/changes/")
    page.locator("table a[href*='/desk/changes/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "change.png"), full_page=True)
    context.close()

    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 860}, timezone_id="Europe/Paris")
    page = context.new_page()
    log_in(page, base, IT_CONTACT)
    page.goto(f"{base}/portal/catalog/")
    page.screenshot(path=str(out / "portal-catalog.png"), full_page=True)
    # Typing a request brings up the help articles that may answer it.
    page.goto(f"{base}/portal/tickets/new/")
    page.fill("input[name=title]", "Mot de passe Microsoft 365 oublié")
    page.wait_for_selector(".kb-portal-suggestions li", timeout=5000)
    page.screenshot(path=str(out / "portal-suggestions.png"), full_page=True)
    context.close()


def supervision(browser: Any, base: str, out: Path) -> None:
    """A client's health board, a website check with its latency graph (issue #5's supervision)."""
    context = browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900}, timezone_id="Europe/Paris")
    page = context.new_page()
    log_in(page, base, ADMIN)
    page.goto(f"{base}/desk/monitoring/")
    page.locator("table a[href*='/desk/monitoring/clients/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "supervision-board.png"), full_page=True)
    page.goto(f"{base}/desk/monitoring/checks/?kind=http")
    page.locator("table a[href*='/desk/monitoring/checks/']").first.click()
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(out / "supervision-check.png"), full_page=True)
    context.close()


def main(base: str, out: Path, only: str = "") -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        if only in ("practices", "supervision"):
            (practices if only == "practices" else supervision)(browser, base, out)
            browser.close()
            return
        context = browser.new_context(locale="fr-FR", viewport={"width": 1440, "height": 900}, timezone_id="Europe/Paris")
        page = context.new_page()
        log_in(page, base, TECHNICIAN)
        # The "All open" saved view.
        open_queue = f"{base}/desk/tickets/?status=new&status=assigned&status=in_progress&status=waiting_customer&status=waiting_third_party"
        page.goto(open_queue)
        page.screenshot(path=str(out / "queue.png"))
        # A ticket with a conversation and an internal note.
        reference = None
        for link in page.locator("a.ref").all()[:30]:
            candidate = link.inner_text()
            page2 = context.new_page()
            page2.goto(f"{base}/desk/tickets/{candidate}/")
            notes = page2.locator(".tl-message--internal").count()
            replies = page2.locator(".tl-message").count()
            page2.close()
            if notes and replies >= 3:
                reference = candidate
                break
        reference = reference or page.locator("a.ref").first.inner_text()
        page.goto(f"{base}/desk/tickets/{reference}/")
        page.screenshot(path=str(out / "ticket.png"), full_page=True, clip=None)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(open_queue)
        page.screenshot(path=str(out / "queue-mobile.png"))
        context.close()

        context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 860}, timezone_id="Europe/Paris")
        page = context.new_page()
        log_in(page, base, IT_CONTACT)
        # The open tickets of the whole company: every status a ticket goes through while worked on.
        page.goto(f"{base}/portal/?scope=all&state=open")
        page.screenshot(path=str(out / "portal.png"))
        # A resolved ticket shows the resolution, the confirm / reopen buttons and the reply box.
        page.goto(f"{base}/portal/?scope=all&state=finished")
        resolved = page.locator(".ticket-card-link:has(.status--resolved)")
        cards = resolved if resolved.count() else page.locator(".ticket-card-link")
        first = cards.first.get_attribute("href") or ""
        match = re.search(r"/portal/tickets/([^/]+)/", first)
        if match:
            page.goto(f"{base}{first}")
            page.screenshot(path=str(out / "portal-ticket.png"), full_page=True)
        page.goto(f"{base}/portal/tickets/new/")
        page.screenshot(path=str(out / "portal-new.png"), full_page=True)
        context.close()
        browser.close()


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765",
        Path(sys.argv[2] if len(sys.argv) > 2 else "docs/img"),
        sys.argv[3] if len(sys.argv) > 3 else "",
    )
