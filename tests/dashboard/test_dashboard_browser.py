"""The dashboard in headless Chromium (Debian's ``chromium``, driven by Playwright).

Apply the spec's first example: both Services show 100.64.196.61 and one VS is drawn with both
ports on a shared VIP. Make the VIPs of a group conflict: the group is flagged. Screenshots go
to ``build/`` (a CI artifact, never committed). Playwright's ``expect`` polls the page until
the condition holds (no fixed sleeps).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.world import EXAMPLES, SHARED_VS, World

CHROMIUM = Path("/usr/bin/chromium")
BUILD = Path(__file__).resolve().parents[2] / "build"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LB_IP = "ako.vmware.com/load-balancer-ip"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="needs Debian's chromium at /usr/bin/chromium (apt-get install -y chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()


def test_dashboard_shows_the_shared_vip_and_flags_conflicts(world: World, page: Any) -> None:
    from playwright.sync_api import expect

    page.set_default_timeout(10_000)
    page.goto(world.engine.url + "/")
    expect(page.locator("#engine-state")).to_have_text("settled")
    expect(page.locator("#no-services")).to_be_visible()

    world.apply_file(EXAMPLES / "shared-vip.yaml")
    for name in ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2"):
        row = page.locator(f'tr[data-service="default/{name}"]')
        expect(row.locator("td.external-ip")).to_have_text("100.64.196.61")
        expect(row.locator("td.condition")).to_have_text("True (Synced)")
    vs = page.locator(f'.vs[data-vs="{SHARED_VS}"]')
    expect(vs).to_have_count(1)
    expect(page.locator(".vs")).to_have_count(1)
    expect(vs).to_have_attribute("data-ports", "80/TCP,80/UDP")
    expect(vs.locator(".port-row")).to_have_count(2)
    vip = vs.locator(".vip")
    expect(vip).to_have_class("box vip shared")
    expect(vip).to_contain_text("100.64.196.61")
    expect(vip).to_contain_text("shared by 2 Services")
    expect(vs.locator(".pool .svc")).to_have_text(
        ["Service sharedvip-avisvc-lb1", "Service sharedvip-avisvc-lb2"]
    )
    group = page.locator('.group[data-group="default/shared-vip-key-1"]')
    expect(group).to_have_attribute("data-state", "configured")

    # a second group whose members ask for different VIPs: flagged, no VS, <pending>
    world.create("web-a", key="team-b", ip_annotation="100.64.196.90")
    world.create("web-b", key="team-b", ip_annotation="100.64.196.91", ports=((8080, "TCP"),))
    flagged = page.locator('.group.flagged[data-group="default/team-b"]')
    expect(flagged).to_have_attribute("data-state", "misconfigured")
    expect(flagged).to_contain_text("different preferred IPs")
    expect(page.locator('tr[data-service="default/web-a"] td.external-ip')).to_have_text(
        "<pending>"
    )
    expect(page.locator('tr[data-service="default/web-a"] td.warning')).to_contain_text(
        "SharedVipMisconfigured"
    )
    expect(page.locator(".vs")).to_have_count(1)
    expect(page.locator("#engine-state")).to_have_text("settled")
    BUILD.mkdir(exist_ok=True)
    page.screenshot(path=str(BUILD / "dashboard.png"), full_page=True)

    # now the spec's own pair conflicts: its VS goes and its group is flagged too
    world.patch_service(
        "sharedvip-avisvc-lb1", {"metadata": {"annotations": {LB_IP: "100.64.196.75"}}}
    )
    world.patch_service(
        "sharedvip-avisvc-lb2", {"metadata": {"annotations": {LB_IP: "100.64.196.76"}}}
    )
    expect(group).to_have_attribute("data-state", "misconfigured")
    expect(group).to_have_class(re.compile(r"\bflagged\b"))
    expect(page.locator(".vs")).to_have_count(0)
    expect(page.locator("#no-vs")).to_be_visible()
    for name in ("sharedvip-avisvc-lb1", "sharedvip-avisvc-lb2"):
        row = page.locator(f'tr[data-service="default/{name}"]')
        expect(row.locator("td.external-ip")).to_have_text("<pending>")
        expect(row.locator("td.condition")).to_have_text("False (SharedVipMisconfigured)")
    page.screenshot(path=str(BUILD / "dashboard-conflict.png"), full_page=True)


def test_dashboard_shows_a_down_vs_and_pool_in_red_with_the_reason(world: World, page: Any) -> None:
    """The spec's pair has no Pods: its pools have no servers, so the controller reports the
    VS and both pools OPER_DOWN (SYSERR_UPSTREAM_INIT_NO_SERVERS), drawn red with the reason."""
    from playwright.sync_api import expect

    page.set_default_timeout(10_000)
    page.goto(world.engine.url + "/")
    world.apply_file(EXAMPLES / "shared-vip.yaml")
    vs = page.locator(f'.vs[data-vs="{SHARED_VS}"]')
    expect(vs).to_have_attribute("data-health", "DOWN")
    badge = vs.locator(".vs-head .health")
    expect(badge).to_have_class("health health-red")
    expect(badge).to_have_text("DOWN")
    expect(vs.locator(".vs-head .health-reason")).to_contain_text("no servers")
    expect(vs.locator(".vs-head .health-reason")).to_contain_text("SYSERR_UPSTREAM_INIT_NO_SERVERS")
    pools = vs.locator('.pool[data-health="DOWN"]')
    expect(pools).to_have_count(2)
    expect(pools.first.locator(".health")).to_have_class("health health-red")
    BUILD.mkdir(exist_ok=True)
    page.screenshot(path=str(BUILD / "dashboard-health-down.png"), full_page=True)
