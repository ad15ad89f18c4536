"""A button above the batch list; BatchAdmin and its mixins add theirs in `get_object_tools`."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ObjectTool:
    url: str
    label: str
