"""Start everything `make run` needs in one foreground command; Ctrl-C stops all of it."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from billing.management.russian_help import DeskCommand


class Command(DeskCommand):
    help = "Запустить вместе кластер фоновых задач, сервер разработки и (если есть) песочницу Condo; Ctrl-C останавливает всё."

    def add_arguments(self, parser):
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="Адрес и порт сервера (по умолчанию 127.0.0.1:8000)."
        )
        parser.add_argument("--no-sandbox", action="store_true", help="Не запускать локальную песочницу Condo.")

    def handle(self, *args, **options):
        manage = [sys.executable, "manage.py"]
        commands = []
        if not options["no_sandbox"] and _command_exists("condo_sandbox"):
            commands.append(("Condo sandbox", [*manage, "condo_sandbox"]))
        commands.append(("task cluster", [*manage, "qcluster"]))
        commands.append(("web server", [*manage, "runserver", options["addr"], "--noreload"]))

        processes = []
        for name, command in commands:
            self.stdout.write(f"starting {name}: {' '.join(command[1:])}")
            processes.append((name, subprocess.Popen(command)))
        stop = False

        def request_stop(signum, frame):
            nonlocal stop
            stop = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        exit_code = 0
        try:
            while not stop:
                for name, process in processes:
                    if process.poll() is not None:
                        self.stderr.write(f"{name} stopped with exit code {process.returncode}; stopping the rest.")
                        exit_code = process.returncode or 1
                        stop = True
                time.sleep(0.5)
        finally:
            for _, process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            deadline = time.monotonic() + 15
            for _, process in processes:
                try:
                    process.wait(timeout=max(deadline - time.monotonic(), 0.1))
                except subprocess.TimeoutExpired:
                    process.kill()
        if exit_code:
            sys.exit(exit_code)


def _command_exists(name: str) -> bool:
    from django.core.management import get_commands

    return name in get_commands()
