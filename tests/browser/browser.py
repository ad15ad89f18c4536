"""Headless Chromium for the browser tests: the driver, named steps with screenshots, downloads.

Debian's `chromium` and `chromium-driver` only: nothing is downloaded (Selenium Manager never runs,
because the driver's path is given), and the flags keep Chromium off the network it cannot reach.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.urls import reverse
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "browser-screenshots"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1400,1000",
    "--lang=ru-RU",
)


def missing_browser() -> str | None:
    """Why the browser tests cannot run here, or None."""
    for binary in (CHROMIUM, CHROMEDRIVER):
        if not os.access(binary, os.X_OK):
            return f"{binary} is missing: apt-get install chromium chromium-driver (as .ci/run does)"
    return None


def start_chromium(*, profile: Path, downloads: Path) -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_experimental_option(
        "prefs",
        {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
            "download.directory_upgrade": True,
            "safebrowsing.enabled": False,
            "intl.accept_languages": "ru-RU,ru",
        },
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    # Headless Chromium honours the download preference only when told so over DevTools as well.
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    driver.set_page_load_timeout(60)
    return driver


class Steps:
    """`with steps("upload"):` — when the block fails, the page is kept as a screenshot and HTML.

    With BROWSER_STEP_SCREENSHOTS=1 in the environment every step's last page is kept.
    """

    def __init__(self, driver: WebDriver, test_name: str, *, on_failure: Callable[[], str] | None = None) -> None:
        self.driver = driver
        self.test_name = re.sub(r"[^\w.-]+", "_", test_name)
        self.on_failure = on_failure
        self.done: list[str] = []
        for stale in SCREENSHOTS.glob(f"{self.test_name}-*"):  # from an earlier failed run
            stale.unlink()

    @contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        try:
            yield
        except BaseException as error:
            error.add_note(f"browser step «{name}» failed (steps passed: {', '.join(self.done) or 'none'})")
            for note in self._keep(name):
                error.add_note(note)
            raise
        self.done.append(name)
        if os.environ.get("BROWSER_STEP_SCREENSHOTS"):  # to look at every page the test passed through
            self._keep(name)

    def _keep(self, name: str) -> list[str]:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        base = SCREENSHOTS / f"{self.test_name}-{name}"
        notes = []
        try:
            self.driver.save_screenshot(str(base.with_suffix(".png")))
            base.with_suffix(".html").write_text(self.driver.page_source, encoding="utf-8")
            notes.append(f"page at {self.driver.current_url}: screenshot {base.with_suffix('.png')}")
        except WebDriverException as problem:  # the browser itself may be what broke
            notes.append(f"no screenshot: {problem.msg}")
        if self.on_failure is not None:
            notes.append(self.on_failure())
        return notes


def wait(driver: WebDriver, timeout: float = 20) -> WebDriverWait:
    return WebDriverWait(driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,))


def content(element: WebElement) -> str:
    """An element's text as written in the page (CSS may upper-case what is shown), spaces collapsed."""
    return " ".join((element.get_attribute("textContent") or "").split())


def text_of(driver: WebDriver, css: str) -> str:
    elements = driver.find_elements(By.CSS_SELECTOR, css)
    return content(elements[0]) if elements else ""


def wait_text(driver: WebDriver, css: str, expected: str, *, timeout: float = 20) -> WebElement:
    """The first element at `css` whose text contains `expected`."""

    def found(d: WebDriver):
        for element in d.find_elements(By.CSS_SELECTOR, css):
            if expected in content(element):
                return element
        return False

    return wait_until(
        driver, found, timeout=timeout, what=lambda: f"{expected!r} in {css}; it shows {text_of(driver, css)[:300]!r}"
    )


def wait_until(driver: WebDriver, condition: Callable[[WebDriver], Any], *, timeout: float, what: Callable[[], str]):
    """`condition(driver)` polled until it is truthy; on timeout the error says what was awaited."""
    try:
        return wait(driver, timeout).until(condition)
    except Exception as error:
        error.add_note(f"waited {timeout} s for {what()}")
        raise


def refresh_until(driver: WebDriver, predicate: Callable[[WebDriver], Any], *, timeout: float, what: str):
    """For pages that do not refresh themselves: reload until `predicate(driver)` holds."""

    def check(d: WebDriver) -> bool:
        if predicate(d):
            return True
        d.refresh()
        return False

    return wait_until(driver, check, timeout=timeout, what=lambda: what)


PASSWORD = "password"  # UserFactory's


def login(driver, base_url: str, username: str) -> None:
    driver.get(f"{base_url}{reverse('admin:login')}")
    driver.find_element(By.ID, "id_username").send_keys(username)
    driver.find_element(By.ID, "id_password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "#login-form [type=submit]").click()
    # The header shows the name upper-cased by CSS; its text content is the login itself.
    wait(driver).until(
        lambda d: d.find_element(By.CSS_SELECTOR, "#user-tools strong").get_attribute("textContent") == username
    )


def logout(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, "#logout-form [type=submit]").click()
    wait(driver).until(lambda d: not d.find_elements(By.ID, "logout-form"))


def click_link(driver: WebDriver, text: str) -> None:
    """The first link whose text contains `text`."""
    wait_text(driver, "a", text).click()


def click_button(driver: WebDriver, label: str) -> None:
    """A submit input or button by its visible label."""
    selector = f"input[type=submit][value='{label}'], button[type=submit]"

    def button(d: WebDriver):
        for element in d.find_elements(By.CSS_SELECTOR, selector):
            if (element.get_attribute("value") or element.text).strip() == label:
                return element
        return False

    wait(driver).until(button).click()


def buttons(driver: WebDriver) -> list[str]:
    return [element.get_attribute("value") for element in driver.find_elements(By.CSS_SELECTOR, "input[type=submit]")]


def wait_download(directory: Path, name: str, *, timeout: float = 30) -> Path:
    """The file once Chromium has finished writing it (no `.crdownload` beside it)."""
    target = directory / name
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if target.is_file() and not list(directory.glob("*.crdownload")):
            return target
        time.sleep(0.1)
    raise AssertionError(
        f"no download {name} in {timeout} s; the folder has {sorted(p.name for p in directory.iterdir())}"
    )


def fresh_dir(path: Path) -> Path:
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


# The narrowest screen the desk is made for: a 15" laptop. No page may scroll sideways there.
NARROW = (1366, 900)
README_SHOTS = ROOT / "docs" / "screenshots"


def sideways_scrolling(driver: WebDriver) -> list[str]:
    """What scrolls sideways on this page: the page itself, or any box of it (a list's table, say)."""
    return driver.execute_script("""
        const found = [];
        const page = document.documentElement;
        if (page.scrollWidth > window.innerWidth) found.push(`the page: ${page.scrollWidth} px in ${window.innerWidth}`);
        for (const box of document.querySelectorAll("body *")) {
            const overflow = getComputedStyle(box).overflowX;
            if ((overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth + 1) {
                found.push(`${box.tagName.toLowerCase()}#${box.id}.${box.className}: ${box.scrollWidth} px in ${box.clientWidth}`);
            }
        }
        return found;
    """)


def assert_fits(driver: WebDriver) -> None:
    problems = sideways_scrolling(driver)
    assert not problems, f"{driver.current_url} scrolls sideways at {driver.get_window_size()['width']} px: {problems}"


def readme_shot(driver: WebDriver, name: str) -> None:
    """With BROWSER_README_SCREENSHOTS=1, keep this page as docs/screenshots/<name>.png for the README."""
    if not os.environ.get("BROWSER_README_SCREENSHOTS"):
        return
    README_SHOTS.mkdir(parents=True, exist_ok=True)
    width, _ = NARROW
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 2400)")
    driver.set_window_size(width, max(height, 700))
    try:
        driver.save_screenshot(str(README_SHOTS / f"{name}.png"))
    finally:
        driver.set_window_size(*NARROW)
