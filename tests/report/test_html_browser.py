"""The committed leaderboard page (leaderboards/core.html) in a real browser: headless Chromium from
Debian's package, driven by Playwright (which downloads nothing when given the executable). Every task
of baselines/core has its table, every image loads, nothing logs an error or fetches anything, clicking
a header sorts, the page fits a phone's width; a screenshot goes to docs/img/leaderboard-core.png.

Skips, saying why, where Playwright or Chromium is absent (.ci/run installs Chromium where it can)."""
import io
import os
import shutil
from pathlib import Path

import pytest

from ganbench.records import load_records
from ganbench.utils.atomic import atomic_write_bytes

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "leaderboards" / "core.html"
SCREENSHOT = ROOT / "docs" / "img" / "leaderboard-core.png"
# The machine's network is closed: without these Chromium stalls on update and sync connections.
# headless=True adds --headless and the persistent context a fresh --user-data-dir.
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed: pip install -e '.[dev]'")
CHROMIUM = os.environ.get("GANBENCH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("Chromium is absent: apt-get install -y chromium (.ci/run does where it is root)",
                allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    with sync_api.sync_playwright() as p:
        context = p.chromium.launch_persistent_context(str(tmp_path_factory.mktemp("chromium-profile")),
                                                       executable_path=CHROMIUM, headless=True, args=FLAGS,
                                                       viewport={"width": 1280, "height": 1000})
        yield context
        context.close()


def _open(browser, viewport=None, path=PAGE):
    """The committed page (or ``path``) in a new tab, with everything it logs or requests recorded."""
    page = browser.new_page()
    if viewport:
        page.set_viewport_size(viewport)
    seen = {"console": [], "errors": [], "fetched": []}
    page.on("console", lambda m: seen["console"].append(f"{m.type}: {m.text}") if m.type in ("error", "warning")
            else None)
    page.on("pageerror", lambda e: seen["errors"].append(str(e)))

    def route(r):  # the page must need nothing but itself
        if r.request.url.startswith(("file://", "data:")):
            return r.continue_()
        seen["fetched"].append(r.request.url)
        return r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri(), wait_until="load")
    return page, seen


def _column(page, table: int, header: str):
    return page.evaluate("""([t, h]) => {
        const table = document.querySelectorAll("table.lb")[t];
        const i = [...table.tHead.rows[0].cells].findIndex(c => c.textContent.trim() === h);
        return [...table.tBodies[0].rows].map(r => [r.dataset.i, r.cells[i].dataset.v]);
    }""", [table, header])


def test_page_in_chromium(browser):
    page, seen = _open(browser)
    tasks = {r["task"] for r in load_records(ROOT / "baselines" / "core")}
    tables = page.evaluate("""() => [...document.querySelectorAll("section table.lb")].map(
        t => [t.dataset.task, t.tBodies[0].rows.length, t.tHead.rows[0].cells.length])""")
    assert {t for t, _, _ in tables} == tasks and len(tables) == len(tasks)
    assert all(rows >= 3 and cols >= 5 for _, rows, cols in tables), tables  # floor, ceiling and a trial at least
    images = page.evaluate("""() => [...document.images].map(i => [i.complete, i.naturalWidth, i.naturalHeight,
        i.alt, i.closest("section").id])""")
    assert len(images) >= 2 * len(tasks)  # a sample panel and a bar chart per task at least
    assert all(done and w > 0 and h > 0 and alt for done, w, h, alt, _ in images), images
    assert {s for *_, s in images} == {f"task-{t}" for t in tasks}

    # Sorting: high quality (higher is better) best first, missing values last; again: reversed; a third
    # time: the leaderboard's order. The leaderboard orders by the headline, so this reorders the rows.
    hq = page.locator("table.lb").first.locator("th", has_text="high-quality %")
    before = _column(page, 0, "high-quality %")
    hq.locator("button").click()
    after = _column(page, 0, "high-quality %")
    values = [float(v) for _, v in after if v]
    assert values == sorted(values, reverse=True) and after != before and sorted(after) == sorted(before)
    assert hq.get_attribute("aria-sort") == "descending"
    hq.locator("button").click()
    values = [float(v) for _, v in _column(page, 0, "high-quality %") if v]
    assert values == sorted(values) and hq.get_attribute("aria-sort") == "ascending"
    hq.locator("button").click()
    assert _column(page, 0, "high-quality %") == before and hq.get_attribute("aria-sort") == "none"
    assert [i for i, _ in before] == [str(k) for k in range(len(before))]
    # A lower-is-better column sorts lowest first; the column sorted before is no longer marked.
    fid = page.locator("table.lb").first.locator("th", has_text="FID (identity)")
    fid.locator("button").click()
    values = [float(v) for _, v in _column(page, 0, "FID (identity)") if v]
    assert values == sorted(values) and fid.get_attribute("aria-sort") == "ascending"
    assert hq.get_attribute("aria-sort") == "none"
    fid.locator("button").click()
    fid.locator("button").click()  # back to the leaderboard's order for the screenshot

    shot = page.screenshot()
    atomic_write_bytes(SCREENSHOT, shot)
    assert not seen["errors"] and not seen["console"] and not seen["fetched"], seen
    page.close()

    from PIL import Image

    img = Image.open(io.BytesIO(SCREENSHOT.read_bytes()))
    assert img.format == "PNG" and img.size == (1280, 1000)
    colours = img.convert("RGB").getcolors(maxcolors=1 << 20)
    assert len(colours) > 100, "the screenshot is nearly blank"  # text, the row colours, a plot


def test_page_fits_a_phone(browser):
    page, seen = _open(browser, {"width": 390, "height": 844})
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways on a phone: {width}"  # tables scroll in their box
    overflow = page.evaluate("""() => [...document.querySelectorAll(".table-wrap")].map(
        w => getComputedStyle(w).overflowX)""")
    assert overflow and set(overflow) == {"auto"}
    assert not seen["errors"] and not seen["console"] and not seen["fetched"], seen
    page.close()


def test_a_page_with_learning_curves_in_chromium(browser, tmp_path):
    """A run judged along its training: the curve figure loads, the ERT column sorts (∞ last when sorted
    best first), the ranks-by-budget table scrolls in its box on a phone, nothing errs."""
    from ganbench.report.publish import write_leaderboard

    from .test_publish import _curved_records
    from .records import write

    recs = _curved_records()
    recs += [dict(r, variant="never", trial_id=f"never_{r['seed_index']}",
                  curve=[dict(pt, metrics={"mode_tv": 0.95}) for pt in r["curve"]], metrics={"mode_tv": 0.95})
             for r in recs if r["variant"] == "quick"]
    path = write_leaderboard(write(tmp_path / "run", recs))["html"]
    page, seen = _open(browser, path=path)
    images = page.evaluate("() => [...document.images].map(i => [i.complete, i.naturalWidth, i.alt])")
    assert any("against the budget" in alt for *_, alt in images)
    assert all(done and w > 0 for done, w, _ in images), images
    ert = page.locator("table.lb").first.locator("th", has_text="ERT 90%")
    ert.locator("button").click()
    values = [float(v) for _, v in _column(page, 0, "ERT 90% (G steps)") if v]
    assert values == sorted(values) and values[-1] == float("inf") and ert.get_attribute("aria-sort") == "ascending"
    assert page.locator("table.ranks").count() == 1
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], width
    assert not seen["errors"] and not seen["console"] and not seen["fetched"], seen
    page.close()
