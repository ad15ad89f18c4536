from __future__ import annotations

import pytest

from tests.security.world import World, build_world


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def world(media_root) -> World:
    return build_world(media_root=media_root)
