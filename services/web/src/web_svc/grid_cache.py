"""The journal grids this process rendered last, each with the journal's ETag for it.

The page asks for a grid it holds with If-None-Match: the journal still checks the caller and
builds the grid, but answers 304 without it while it is byte for byte the same, and the rows
are not read or rendered again. The key holds everything the rows' HTML depends on besides
the grid itself (the language, whether the caller marks, the organisation's zone and
currency), so a kept entry is only ever used for a grid with the same bytes."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

Key = tuple[str, ...]


@dataclass(frozen=True)
class Kept:
    tag: str
    grid: dict[str, Any]
    rows: Markup


class GridCache:
    """The last `size` grids, least recently used first out."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._kept: OrderedDict[Key, Kept] = OrderedDict()

    def get(self, key: Key) -> Kept | None:
        found = self._kept.get(key)
        if found is not None:
            self._kept.move_to_end(key)
        return found

    def put(self, key: Key, kept: Kept) -> None:
        self._kept[key] = kept
        self._kept.move_to_end(key)
        while len(self._kept) > self.size:
            self._kept.popitem(last=False)
