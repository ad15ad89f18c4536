"""The client's address for login throttling, with or without the TLS proxy in front.

Each trusted proxy appends the address it was connected from to X-Forwarded-For, so the
client is the TRUSTED_PROXY_COUNT-th entry from the right; whatever stands left of it was
sent by the client itself and is not believed. Without proxies, REMOTE_ADDR is the client.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < proxies:
        return remote  # not through the expected chain of proxies: the connection is all we know
    return forwarded[-proxies]
