"""The role matrix's machinery: request every row of the table as a role and judge the answer.

A POST runs in a savepoint and is judged by whether the world (database, stored files, queued
tasks) changed; see tests/security/world.py.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.urls import URLPattern, reverse

from tests.security.role_matrix_table import ANON, DONE, LOGIN, MATRIX, OURS, REFUSED, Row
from tests.security.world import World, snapshot


def our_url_names() -> set[str]:
    names = set()
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label in OURS:
            names.update(p.name for p in model_admin.get_urls() if isinstance(p, URLPattern) and p.name)
    return names


def _client_for(client, world: World, role: str):
    if role != ANON:
        client.force_login(world.user(role))
    return client


def _close(response) -> None:
    # Exhausting a streamed file closes it (and deletes an export's temporary file). Never call
    # close() directly: it would fire request_finished, which closes the test's connection.
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def _judge(expected, response, changed: bool) -> str | None:
    status = response.status_code
    to_login = status == 302 and reverse("admin:login") in response.get("Location", "")
    if expected == LOGIN:
        ok = to_login and not changed
    elif expected == DONE:
        ok = status in (200, 302) and not to_login and changed
    elif expected == REFUSED:
        ok = status in (200, 302, 403) and not to_login and not changed
    else:
        ok = status == expected and not changed
    if ok:
        return None
    return f"expected {expected}, got {status}{' (to login)' if to_login else ''}{', changed' if changed else ''}"


def _request(client, url: str, row: Row, world: World, media_root, capture) -> tuple[Any, bool]:
    if row.method == "GET":
        response = client.get(url)
        _close(response)
        return response, False
    # Each POST runs in a savepoint rolled back afterwards, so every row starts from the same world.
    with transaction.atomic():
        before = snapshot(media_root)
        with capture() as queued:
            response = client.post(url, row.data(world))
        after = snapshot(media_root)
        transaction.set_rollback(True)
    _close(response)
    return response, before != after or bool(queued)


def _sweep(role: str, method: str, client, world, media_root, capture) -> list[str]:
    client = _client_for(client, world, role)
    problems = []
    for name, rows in MATRIX.items():
        for row in rows:
            if row.method != method:
                continue
            url = reverse(f"admin:{name}", args=row.args(world) if row.args else None)
            response, changed = _request(client, url, row, world, media_root, capture)
            problem = _judge(row.expect[role], response, changed)
            if problem:
                problems.append(f"{method} {name}{f' [{row.label}]' if row.label else ''} {url}: {problem}")
    return problems
