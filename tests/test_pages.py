"""The pages (/ to check a text, /status), their files, and /health/history behind the status chart.

Served by a real app with a real model child; the pages are driven in Debian's chromium, headless, by
playwright pointed at that executable (no browser download), when it is installed.
"""

from __future__ import annotations

import asyncio
import math
import os
import re
import shutil
import signal
import time
from collections.abc import AsyncIterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from service.memory.history import MAX_RESTART_MARKS, MemoryHistory
from service.model.embedder import State
from service.settings import ApiKey, Settings
from service.web.pages import ASSETS
from tests.conftest import Client, embedder_of, running_app, start_client, wait_until

KEY = ApiKey("pages", "a-key-long-enough-to-be-accepted")
# At most this many claims per text in the shared app, so that a longer text fails as a user would see it.
MAX_CLAIMS = 3
TRUE_CLAIM = "Water boils at 100 degrees Celsius at sea level."
FALSE_CLAIM = "The Great Wall of China is visible from space."
# A passage carrying markup, and a source that is a script: both must reach the page as plain text.
MARKUP_CLAIM = "The Zorblax footbridge was painted blue in 1999."
MARKUP_PASSAGE = (
    f'<img src="/x" onerror="document.title=\'pwned\'"><b>Bold</b> {MARKUP_CLAIM} '
    "<script>document.title='pwned'</script>"
)
SCRIPT_SOURCE = "javascript:document.title='pwned'"
OWN_FILES_MAX_BYTES = 40 * 1024  # the pages' own HTML, scripts and style: "a few tens of KiB"
CHROMIUM = shutil.which("chromium")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it when run as root)"
)


on_shared_loop = pytest.mark.asyncio(loop_scope="module")


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def app(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Client]:
    """One app for the page tests, with API keys configured: the pages must stay open without one."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("data"), api_keys=(KEY,), max_claims=MAX_CLAIMS)
    async with running_app(settings) as client:
        yield client


class Links(HTMLParser):
    """Every src and href of a page, inline scripts and style or event attributes."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        self.urls += [value for name, value in attrs if name in ("src", "href") and value is not None]
        self.inline += [f"{tag} {name}" for name, _ in attrs if name == "style" or name.startswith("on")]
        if tag == "script" and "src" not in names:
            self.inline.append("script without src")
        if tag == "style":
            self.inline.append("style element")


@on_shared_loop
@pytest.mark.parametrize("path", ["/", "/status"])
async def test_pages_load_only_their_own_files_without_a_key(app: Client, path: str) -> None:
    response = await app.get(path)
    assert response.status == 200
    assert response.content_type == "text/html" and response.charset == "utf-8"
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy and "unsafe" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    links = Links()
    links.feed(await response.text())
    assert links.inline == []
    assert links.urls and all(url.startswith("/") and not url.startswith("//") for url in links.urls)
    assets = [url for url in links.urls if url.startswith("/static/")]
    assert any(url.endswith(".js") for url in assets) and any(url.endswith(".css") for url in assets)
    for url in assets:
        asset = await app.get(url)
        assert asset.status == 200, url
        expected = "text/javascript" if url.endswith(".js") else "text/css"
        assert asset.content_type == expected and asset.headers["X-Content-Type-Options"] == "nosniff"


@on_shared_loop
async def test_assets_name_no_other_host_and_stay_small(app: Client) -> None:
    own_bytes = 0
    for path in ["/", "/status", *(f"/static/{name}" for name in ASSETS)]:
        text = await (await app.get(path)).text()
        if "/vendor/" not in path:
            own_bytes += len(text.encode())
        # uPlot's build opens with a comment naming its home page; nothing else may name a host.
        code = re.sub(r"^/\*!.*?\*/", "", text, flags=re.S)
        assert not re.search(r"https?://|[\"'(=]\s*//\w|url\(|@import", code), path
    assert own_bytes < OWN_FILES_MAX_BYTES
    assert "uPlot" in await (await app.get("/static/vendor/uPlot.iife.min.js")).text()


async def test_scripts_never_write_markup() -> None:
    """Service data (a passage could carry markup) goes into the page as text: no API that parses HTML."""
    for name, path in ASSETS.items():
        if name.endswith(".js") and not name.startswith("vendor/"):
            assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write", path.read_text()), name


@on_shared_loop
@pytest.mark.parametrize(
    "path", ["/static/missing.js", "/static/../settings.py", "/static/%2e%2e/pages.py", "/static/"]
)
async def test_only_the_pages_files_are_served(app: Client, path: str) -> None:
    response = await app.get(path)
    assert response.status == 404
    assert (await response.json())["error"]["code"] == "not_found"


@on_shared_loop
async def test_history_needs_no_key(app: Client) -> None:
    response = await app.get("/health/history")
    assert response.status == 200
    body = await response.json()
    assert body["points"] == Settings().history_points and body["interval_s"] == Settings().history_interval_s
    assert len(body["samples"]["time"]) >= 1  # the first sample is taken at the watchdog's first check


def test_history_keeps_the_last_points_in_order() -> None:
    history = MemoryHistory(points=5, interval_s=10)
    assert history.samples().shape == (0, 3) and history.due(0.0)
    for second in range(1000):
        history.add_sample(float(second), 60.0 + second, None if second % 2 else 200.0)
        history.add_restart(float(second), f"died: number {second}")
    assert len(history) == 5
    samples = history.samples()
    assert samples[:, 0].tolist() == [995.0, 996.0, 997.0, 998.0, 999.0]
    assert samples[:, 1].tolist() == [1055.0, 1056.0, 1057.0, 1058.0, 1059.0]
    assert [math.isnan(value) for value in samples[:, 2].tolist()] == [True, False, True, False, True]
    marks = history.restarts()
    assert len(marks) == MAX_RESTART_MARKS and marks[-1].reason == "died: number 999"
    assert not history.due(1008.9) and history.due(1009.0)


async def test_history_stays_bounded_after_many_samples(aiohttp_client: Any, settings: Settings) -> None:
    points = 4
    client = await start_client(
        aiohttp_client, settings.replace(history_points=points, history_interval_s=0.01, watchdog_interval_ms=10)
    )

    async def history() -> dict[str, Any]:
        response = await client.get("/health/history")
        assert response.status == 200
        body: dict[str, Any] = await response.json()
        return body

    first = await history()
    newest_then = first["samples"]["time"][-1]
    # Wait until every sample held was taken after the newest one seen at first: the ring has turned over.
    body = first
    deadline = time.monotonic() + 60
    while body["samples"]["time"][0] <= newest_then:
        assert time.monotonic() < deadline, "the history never turned over"
        await asyncio.sleep(0.05)
        body = await history()
    assert body["points"] == points
    samples = body["samples"]
    assert len(samples["time"]) == len(samples["web_rss_mb"]) == len(samples["model_rss_mb"]) == points
    assert samples["time"] == sorted(samples["time"])
    assert all(value > 0 for value in samples["web_rss_mb"] + samples["model_rss_mb"])
    assert body["model_budget_mb"] == settings.model_rss_budget_mb
    assert body["memory_limit_mb"] > 0 and body["memory_limit_source"] in {"cgroup", "MEMORY_LIMIT_MB", "machine"}
    assert body["restarts"] == []


async def test_history_records_a_real_restart_with_its_reason(aiohttp_client: Any, settings: Settings) -> None:
    client = await start_client(aiohttp_client, settings.replace(history_interval_s=0.1))
    embedder = embedder_of(client)
    old_pid = embedder.pid
    assert old_pid is not None
    killed_at = time.time()
    os.kill(old_pid, signal.SIGKILL)
    body: dict[str, Any] = {"restarts": []}
    deadline = time.monotonic() + 60
    while not body["restarts"] or embedder.pid == old_pid:
        assert time.monotonic() < deadline, "no restart recorded"
        await asyncio.sleep(0.05)
        body = await (await client.get("/health/history")).json()
    [mark] = body["restarts"]
    assert mark["reason"] == "died: killed by SIGKILL"
    assert mark["time"] >= round(killed_at, 1) - 0.1
    # The new child is sampled too.
    await wait_until(lambda: embedder.state is State.READY, what="the new child")
    newest = mark["time"]
    while True:
        body = await (await client.get("/health/history")).json()
        after = [
            model
            for at, model in zip(body["samples"]["time"], body["samples"]["model_rss_mb"], strict=True)
            if at > newest + 1 and model is not None
        ]
        if after:
            break
        assert time.monotonic() < deadline, "the new child was never sampled"
        await asyncio.sleep(0.05)


# Every Content-Security-Policy violation of a page, kept where the test can read it.
RECORD_VIOLATIONS = """
window.violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.violations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""
# A phone's screen, in CSS pixels. A mobile browser widens its layout to hold a page wider than the screen
# (window.innerWidth grows with it), so a page that fits is one no wider than this.
PHONE_WIDTH = 412
# As long as the old hand-written driver waited: the machine is shared, a slow answer is not a failure.
WAIT_MS = 60_000


@pytest_asyncio.fixture(loop_scope="module", scope="module")
async def browser() -> AsyncIterator[Browser]:
    """Debian's chromium, headless, that talks to no one but the test server: one per module, a tab per test.

    Playwright drives it over a pipe; `executable_path` points it at the system's browser, so nothing is
    downloaded. Chromium's sandbox refuses to start as root (as in CI), so it is off there only.
    """
    assert CHROMIUM is not None
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            chromium_sandbox=os.geteuid() != 0,
            args=[
                "--disable-gpu",
                "--no-proxy-server",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def phone(browser: Browser) -> AsyncIterator[Page]:
    """A fresh tab the size of a phone's screen, recording the page's CSP violations."""
    context = await browser.new_context(
        viewport={"width": PHONE_WIDTH, "height": 915}, device_scale_factor=1, is_mobile=True
    )
    context.set_default_timeout(WAIT_MS)
    await context.add_init_script(RECORD_VIOLATIONS)
    try:
        yield await context.new_page()
    finally:
        await context.close()


async def paste_and_verify(page: Page, text: str) -> None:
    """What a keyboard user does: paste into the text box, Tab past the number of passages to Verify, Enter."""
    await page.focus("#text")
    await page.keyboard.press("Control+A")  # whatever the box held is replaced by the paste
    await page.keyboard.insert_text(text)
    await page.keyboard.press("Tab")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "verify"
    await page.keyboard.press("Enter")


@needs_chromium
@on_shared_loop
async def test_check_page_highlights_each_claim_by_its_verdict(app: Client, phone: Page, tmp_path: Path) -> None:
    added = await app.post(
        "/evidence",
        json={"passages": [{"text": MARKUP_PASSAGE, "source": SCRIPT_SOURCE, "id": "markup"}]},
        headers={"Authorization": f"Bearer {KEY.secret}"},
    )
    assert added.status == 201
    # The emoji takes two UTF-16 units and one code point: the spans count code points.
    text = f"🌍\n{TRUE_CLAIM} {FALSE_CLAIM}\n{MARKUP_CLAIM}"
    await phone.goto(str(app.make_url("/")))
    await paste_and_verify(phone, text)
    claims = phone.locator("#annotated .claim")
    await claims.first.wait_for()
    marks = await claims.evaluate_all("(marks) => marks.map((m) => [m.className, m.textContent])")
    assert marks == [
        ["claim verdict-supported", TRUE_CLAIM],
        ["claim verdict-refuted", FALSE_CLAIM],
        ["claim verdict-supported", MARKUP_CLAIM],
    ]
    assert await phone.locator("#annotated").text_content() == text
    details = await phone.locator("#claims > li").evaluate_all(
        "(items) => items.map((li) => [li.className,"
        " li.querySelector('.badge').textContent, li.querySelector('.reason').textContent])"
    )
    assert [(verdict, word) for verdict, word, _ in details] == [
        ("verdict-supported", "supported"),
        ("verdict-refuted", "refuted"),
        ("verdict-supported", "supported"),
    ]
    assert "kb-0027" in details[1][2]  # the reason names the passage that refutes
    links = await phone.locator("#claims a").evaluate_all("(anchors) => anchors.map((a) => a.href)")
    assert links and all(link.startswith("https://") for link in links)
    # The passage's markup and its script source are shown as text, never run or linked.
    results = phone.locator("#results")
    assert await results.locator("img, script, b").count() == 0
    shown = await results.text_content()
    assert shown is not None and MARKUP_PASSAGE in shown and SCRIPT_SOURCE in shown
    assert await phone.title() == "Check a text"
    assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    assert await phone.evaluate("window.violations") == []
    await phone.screenshot(path=tmp_path / "check.png")


@needs_chromium
@on_shared_loop
async def test_check_page_shows_the_services_error(app: Client, phone: Page) -> None:
    text = " ".join([TRUE_CLAIM] * (MAX_CLAIMS + 1))
    refused = await app.post("/verify", json={"raw_text": text, "top_k": 3})
    assert refused.status == 422
    message = (await refused.json())["error"]["message"]
    await phone.goto(str(app.make_url("/")))
    await paste_and_verify(phone, text)
    error = phone.locator("#error")
    shown = await phone.wait_for_function("(box) => !box.hidden && box.textContent", arg=await error.element_handle())
    assert await shown.json_value() == f"{message} (HTTP 422, too_many_claims)."
    assert await phone.locator("#results").is_hidden()
    assert await phone.locator("#verify").is_enabled()
    assert await phone.evaluate("window.violations") == []


# How much of the chart's canvas a colour covers, in pixels, in the columns from x to x + width (all of it by
# default). The canvas is transparent where nothing is drawn, so a pixel counts by its opacity: a 1-pixel
# line that falls between two columns covers each at half opacity and still counts as one pixel per row.
COVERED_PIXELS = """
([red, green, blue, x, width]) => {
  const box = chart.bbox;
  const data = chart.ctx.getImageData(x ?? box.left, box.top, width ?? box.width, box.height).data;
  let covered = 0;
  for (let i = 0; i < data.length; i += 4) {
    const near = Math.abs(data[i] - red) + Math.abs(data[i + 1] - green) + Math.abs(data[i + 2] - blue) < 60;
    covered += near ? data[i + 3] / 255 : 0;
  }
  return Math.round(covered);
}"""


async def covered_pixels(page: Page, colour: int, x: int | None = None, width: int | None = None) -> int:
    """How many of the chart's pixels the colour (0xRRGGBB) covers, in the columns given or in all of them."""
    covered: int = await page.evaluate(COVERED_PIXELS, [colour >> 16, colour >> 8 & 0xFF, colour & 0xFF, x, width])
    return covered


@needs_chromium
@on_shared_loop
async def test_status_page_charts_memory_and_marks_a_restart(settings: Settings, phone: Page, tmp_path: Path) -> None:
    async with running_app(settings.replace(history_interval_s=0.2)) as client:
        embedder = embedder_of(client)
        old_pid = embedder.pid
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        await wait_until(lambda: embedder.pid != old_pid and embedder.state is State.READY, what="the new child")
        deadline = time.monotonic() + 60
        while True:  # until the restart lies between two samples, so that the chart's time range holds it
            history = await (await client.get("/health/history")).json()
            if history["restarts"] and history["samples"]["time"][-1] > history["restarts"][0]["time"] + 1:
                break
            assert time.monotonic() < deadline, "no sample after the restart"
            await asyncio.sleep(0.05)
        [mark] = history["restarts"]
        await phone.goto(str(client.make_url("/status")))
        reason = phone.locator("#restarts .reason")
        await reason.wait_for()
        assert await reason.all_text_contents() == ["died: killed by SIGKILL"]
        await phone.wait_for_function("typeof chart === 'object' && chart !== null")
        assert await covered_pixels(phone, 0x1F6FB2) > 50  # the web process's line
        assert await covered_pixels(phone, 0xD9730D) > 50  # the model child's line
        x = await phone.evaluate(f"Math.round(chart.valToPos({mark['time']}, 'x', true))")
        # The restart's dashed vertical line, red at that time: its dashes cover half the chart's height.
        height = await phone.evaluate("chart.bbox.height")
        assert await covered_pixels(phone, 0xB3261E, x - 1, 3) > height / 3
        health = await phone.locator("#health tr").evaluate_all(
            "(rows) => Object.fromEntries(rows.map((row) => [row.cells[0].textContent, row.cells[1].textContent]))"
        )
        assert health["status"] in {"healthy", "degraded"} and health["processes.model.restarts"] == "1"
        assert health["processes.model.last_restart_reason"] == "died: killed by SIGKILL"
        assert await phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
        assert await phone.evaluate("window.violations") == []
        await phone.screenshot(path=tmp_path / "status.png")
