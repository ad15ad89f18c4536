"""Fixtures of the browser tests: headless Chromium, and a real worker cluster for the live server.

These tests are marked `browser` and left out of `make test` (pytest.ini); `make test-browser`
installs Selenium (requirements-browser.txt) and runs them. `make test` needs neither Selenium
nor Chromium.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

HAVE_SELENIUM = importlib.util.find_spec("selenium") is not None


def pytest_ignore_collect(collection_path: Path, config) -> bool | None:
    # `make test` runs -m "not browser" and may have no Selenium: then this folder is not imported.
    # Asked for by `-m browser`, the test module is imported and skips, naming what is missing.
    if not HAVE_SELENIUM and collection_path.suffix == ".py" and config.option.markexpr.strip() != "browser":
        return True
    return None


class Cluster:
    """`manage.py qcluster` against the test database, started when the test asks for it."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from tests.integration.publishing.processes import ROOT

        if self.process is None:
            with self.log.open("ab") as out:
                self.process = subprocess.Popen(
                    [sys.executable, "manage.py", "qcluster"],
                    cwd=ROOT,
                    env=self.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )

    def tail(self, lines: int = 40) -> str:
        if not self.log.is_file():
            return "qcluster: not started"
        text = self.log.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:]
        return "qcluster log (last lines):\n" + "\n".join(text) if text else "qcluster log: empty"

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def chromium(tmp_path):
    from tests.browser.browser import fresh_dir, missing_browser, start_chromium

    reason = missing_browser()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(reason)  # CI installs the packages: their absence there is a broken run, not a skip
        pytest.skip(reason)
    driver = start_chromium(
        profile=fresh_dir(tmp_path / "chromium-profile"), downloads=fresh_dir(tmp_path / "downloads")
    )
    driver.downloads = tmp_path / "downloads"
    yield driver
    driver.quit()


@pytest.fixture
def at_1366(chromium, live_server, qcluster, request):
    """Chromium at 1366 px on the live server, the admin's URL, and the steps that keep a failing page.

    Every page these tests visit must fit 1366 px without scrolling sideways; a failing step adds
    the worker cluster's last log lines to its error.
    """
    from tests.browser.browser import NARROW, Steps

    chromium.set_window_size(*NARROW)
    return chromium, live_server.url, Steps(chromium, request.node.name, on_failure=qcluster.tail)


@pytest.fixture
def qcluster(transactional_db, condo_sandbox, settings, monkeypatch, tmp_path):
    """A real django-q2 cluster on this test's database, queue, media folder and Condo sandbox.

    Depends on transactional_db so that it stops before the database is flushed.
    """
    from django_q.conf import Conf

    from tests.integration.publishing.processes import worker_env

    monkeypatch.setattr(Conf, "SYNC", False)  # the live server enqueues; the cluster runs the tasks
    env = worker_env(condo_sandbox, MEDIA_ROOT=str(settings.MEDIA_ROOT), Q_WORKERS="2", CONDO_CHUNK_SIZE="300")
    cluster = Cluster(env, tmp_path / "qcluster.log")
    yield cluster
    cluster.stop()
