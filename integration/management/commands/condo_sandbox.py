"""Run the local Condo sandbox in the foreground until Ctrl-C (`make run` starts it too)."""

from __future__ import annotations

import signal
from pathlib import Path

from django.conf import settings

from billing.management.russian_help import DeskCommand
from billing.services.demo import DEMO_CONTEXT_ID, DEMO_ORGANIZATION_TIN
from integration.sandbox import SandboxServer


class Command(DeskCommand):
    help = "Запустить локальную песочницу Condo (GraphQL на 127.0.0.1) для демо и ручных проверок."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Адрес (по умолчанию 127.0.0.1).")
        parser.add_argument("--port", type=int, default=8765, help="Порт (по умолчанию 8765).")
        parser.add_argument(
            "--db",
            default=str(Path(settings.BASE_DIR) / "var" / "condo_sandbox.sqlite3"),
            help="Файл SQLite песочницы; ':memory:' — без сохранения между запусками.",
        )

    def handle(self, *args, **options):
        db_path = None if options["db"] == ":memory:" else options["db"]
        server = SandboxServer(host=options["host"], port=options["port"], db_path=db_path)
        if settings.CONDO_LOGIN and settings.CONDO_PASSWORD:
            server.add_service_user(settings.CONDO_LOGIN, settings.CONDO_PASSWORD)
            self.stdout.write(f"service user: {settings.CONDO_LOGIN}")
        else:
            self.stdout.write("CONDO_LOGIN / CONDO_PASSWORD are not set: no service user was seeded.")
        # The demo organization receives its own payments: Condo approves a recipient with its TIN.
        server.add_context(DEMO_CONTEXT_ID, "Finished", organization_tin=DEMO_ORGANIZATION_TIN)
        self.stdout.write(f"Finished billing context: {DEMO_CONTEXT_ID}")
        self.stdout.write(
            self.style.SUCCESS(f"Condo sandbox at {server.url} (state: {db_path or 'memory'}); Ctrl-C stops it.")
        )
        # Both set here: a process started in the background by a shell inherits SIGINT ignored,
        # and Ctrl-C (or a test's SIGINT) would then never stop the sandbox.
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            self.stdout.write("Condo sandbox stopped.")


def _stop(signum, frame):
    raise KeyboardInterrupt
