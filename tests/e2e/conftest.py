"""End-to-end fixtures: the app served on 127.0.0.1 in a subprocess, headless Debian Chromium
driven by Playwright for Python, one logged-in browser context per demo user.

The served county is always its own: a fresh INSTANCE_DIR and SQLite file seeded with the demo
county (app/demo/county.py), whatever DATABASE_URL the rest of the suite runs on. One server and one
browser serve the whole package; each user logs in once.

E2E_BASE_URL=http://127.0.0.1:5000 points the tests at a server already running a freshly
seeded demo county (handy while writing a test), instead of starting one.
"""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Screenshots are taken when E2E_SCREENSHOTS names a folder (E2E_SCREENSHOTS=docs/screenshots refreshes the
# README's, any other folder to look at them); otherwise a run takes only those of a failed test, into a
# scratch folder (the ~170 pictures of a run cost minutes of a busy CI machine and nobody reads them there).
TAKE_SHOTS = bool(os.environ.get("E2E_SCREENSHOTS"))
SHOTS = Path(os.environ["E2E_SCREENSHOTS"]).resolve() if TAKE_SHOTS else (
    Path(tempfile.gettempdir()) / "aid-e2e-screenshots")
DEMO_PASSWORD = "Demo@2021"
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and os.path.exists(p)), None)
DESKTOP = {"width": 1366, "height": 860}
SERVER_LOGS = []  # the served county's log while it runs (a failed test's report ends with its last lines)
PHONE = {"width": 390, "height": 844}


def _need_browser():
    if CHROMIUM is None:
        pytest.skip("end-to-end tests: no Chromium at /usr/bin/chromium; install the Debian package chromium "
                    "(apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        pytest.skip("end-to-end tests: Playwright for Python is not installed (pip install -r requirements-dev.txt)")


# A test module is one story told in order (a record made in its first test is checked in its last), and it
# reads the county's date when it needs it (`date.today()`: tests/conftest.py puts the tests on the county's
# clock, as app/clock.py puts the server). Were a module to run across the county's midnight, a record the
# server dated the 7th would be looked for under the 6th. So a module (and the seeding of the county) does
# not start in the last minutes of the county's day: it waits for the new day. Longer than the longest module.
MIDNIGHT_GUARD = timedelta(minutes=float(os.environ.get("E2E_MIDNIGHT_GUARD_MINUTES", "6")))


def wait_past_the_countys_midnight(now=None, sleep=time.sleep, guard=None):
    """Sleep until just after the county's midnight if it is less than `guard` (MIDNIGHT_GUARD) away; the seconds slept."""
    now = now or datetime.now()
    guard = MIDNIGHT_GUARD if guard is None else guard
    left = (datetime.combine(now.date() + timedelta(days=1), datetime.min.time()) - now).total_seconds()
    if left >= guard.total_seconds():
        return 0.0
    sys.stderr.write(f"end-to-end tests: the county's midnight is {left:.0f} s away; waiting for the new day\n")
    sleep(left + 2)
    return left + 2


@pytest.fixture(scope="module", autouse=True)
def _a_module_runs_within_one_county_day():
    wait_past_the_countys_midnight()


@pytest.fixture(scope="package")
def server():
    """Base URL of the demo county served for these tests."""
    _need_browser()
    # not seeded in the last minutes of a day either; the modules that follow each keep to one day (above), and read
    # the date when they need it, so a run that goes on past midnight on the county seeded the day before still passes
    wait_past_the_countys_midnight()
    if os.environ.get("E2E_BASE_URL"):
        yield os.environ["E2E_BASE_URL"].rstrip("/")
        return
    instance = tempfile.mkdtemp(prefix="aid-e2e-")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "AID_ENV")}
    env.update(
        INSTANCE_DIR=instance,
        AID_ENV="development",  # the demo county and its logins (production, the default, refuses them)
        DATABASE_URL=f"sqlite:///{instance}/e2e.db",  # its own county, whatever the suite's DATABASE_URL
        LOGIN_RATE_PER_MINUTE="0",  # every test logs in from 127.0.0.1
        SESSION_COOKIE_SECURE="0",
        PYTHONPATH=str(ROOT),
    )
    env.pop("SECRET_KEY", None)
    env.pop("ENCRYPTION_KEY", None)
    log = open(Path(instance) / "server.log", "w+")
    SERVER_LOGS.append(log)
    process = subprocess.Popen([sys.executable, "-m", "tests.e2e.serve"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=log, text=True)
    url = []
    serving = threading.Event()

    def read():
        # The app logs to stdout (app/operations/logs.py): the pipe is read to its end, into server.log,
        # or a full pipe would stop the server.
        for line in process.stdout:
            if not url and line.startswith("SERVING "):
                url.append(line.split()[1])
                serving.set()
            elif not log.closed:
                log.write(line)
        serving.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    serving.wait(180)
    if not url:
        process.kill()
        log.seek(0)
        pytest.fail("the end-to-end server did not start:\n" + log.read()[-4000:])
    try:
        yield url[0]
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        SERVER_LOGS.remove(log)
        log.close()
        if not os.environ.get("E2E_KEEP"):
            shutil.rmtree(instance, ignore_errors=True)


@pytest.fixture(scope="package")
def browser(server):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"], headless=True)
    yield chromium
    chromium.close()
    playwright.stop()


class Users:
    """One logged-in browser context per demo user (and viewport), made once per package."""

    def __init__(self, browser, base):
        self.browser, self.base, self.contexts = browser, base, {}

    def page(self, username, viewport=DESKTOP):
        key = (username, viewport["width"])
        if key not in self.contexts:
            context = self.browser.new_context(viewport=viewport, base_url=self.base, locale="zh-CN",
                                               accept_downloads=True,
                                               device_scale_factor=1, is_mobile=viewport["width"] < 500,
                                               has_touch=viewport["width"] < 500)
            context.set_default_timeout(45_000)  # a page of the busy CI machine (two suites on two cores)
            page = context.new_page()
            page.goto("/login/")
            page.fill("#username", username)
            page.fill("#password", DEMO_PASSWORD)
            page.click("input[type=submit], button[type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"{username} could not log in: {page.inner_text('body')[:500]}"
            self.contexts[key] = (context, page)
        return self.contexts[key][1]

    def close(self):
        for context, _ in self.contexts.values():
            context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test tells where each user's page stood: its address and the start of what it
    showed go into the report, and a screenshot into the screenshots' folder (FAILED-<test>-<user>.png);
    the report ends with the server's last lines."""
    outcome = yield
    report = outcome.get_result()
    made = item.funcargs.get("users") if report.when == "call" and report.failed else None
    if made is None:
        return
    for (username, width), (_, page) in made.contexts.items():
        try:
            seen = " ".join(page.inner_text("body", timeout=2000).split())[:600]
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"FAILED-{item.name}-{username}-{width}.png"), timeout=5000)
        except Exception as error:  # the page itself may be what broke
            seen = f"(could not be read: {error})"
        report.sections.append((f"{username} at {width} px", f"{page.url}\n{seen}"))
    for log in SERVER_LOGS:  # what the server said meanwhile: a refusal, an error and its traceback
        log.flush()
        with open(log.name, encoding="utf-8", errors="replace") as said:
            # the app's own lines (each request with its user, warnings, tracebacks), not werkzeug's echo of each
            lines = [line for line in said if " INFO werkzeug " not in line][-40:]
        report.sections.append(("the server's last lines", "".join(lines)))


@pytest.fixture(scope="package")
def users(browser, server):
    made = Users(browser, server)
    yield made
    made.close()


def shot(page, name, full_page=False):
    """Save a screenshot of what the user sees as docs/screenshots/<name>.png, kept small: the
    viewport (or the whole page), reduced to a 256-colour palette."""
    from PIL import Image

    if not TAKE_SHOTS:
        return
    # Loaded, its fonts drawn: not "networkidle", which Playwright's documentation advises against and
    # which once waited out its 45 s on the busy CI machine over a page long since drawn.
    page.wait_for_load_state("load")
    page.evaluate("() => document.fonts.ready.then(() => true)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    data = page.screenshot(full_page=full_page, animations="disabled", caret="hide")
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if full_page and image.height > 2400:
        image = image.crop((0, 0, image.width, 2400))
    image = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(SHOTS / f"{name}.png", optimize=True)


def text(page, selector="body"):
    return " ".join(page.inner_text(selector).split())


def pick_pupil(page, typed, choose="", screenshot=None):
    """Choose the pupil in a form's picker (app/views/fields.py) by keyboard, as a person does: focus
    the box, Enter opens it, type, ↓ to the option that shows ``choose`` (the first one found when
    empty), Enter. Returns the chosen option's text; ``screenshot`` names a picture of the open list."""
    page.locator("body[data-pickers-ready]").wait_for(state="attached")  # app/static/js/behaviours.js
    page.locator("#student + .select2 .select2-selection").focus()
    page.keyboard.press("Enter")
    page.locator(".select2-container--open .select2-search__field").press_sequentially(typed, delay=30)
    options = page.locator(".select2-results__option[aria-selected]:not([aria-disabled=true])")
    wanted = options.filter(has_text=choose).first
    wanted.wait_for()
    if screenshot:
        shot(page, screenshot)
    for _ in range(options.count()):
        if "select2-results__option--highlighted" in (wanted.get_attribute("class") or ""):
            break
        page.keyboard.press("ArrowDown")
    chosen = " ".join(wanted.inner_text().split())
    page.keyboard.press("Enter")
    shown = " ".join(page.locator("#student + .select2 .select2-selection__rendered").inner_text().split())
    assert shown.lstrip("×").strip() == chosen, (shown, chosen)
    return chosen
