"""A sheet's slices cut from the safety scan's own pass over its XML, for the read that follows.

The scan (xlsx_scan.py) inflates every worksheet to check it; cutting the sheet into slices for
calamine (sheet_slices.py) inflated, buffered and counted it a second time (~0.3 s of a 100,000-row
import's CPU; now ~0.07). When the read follows in the same step (the parse, registry/parse.py,
passes a `SliceRule`), the first sheet's slices are cut from the XML the scan inflates and kept
in a temporary directory that the source owns: the reader deletes each slice once read and the
rest when it stops, and the parse closes the source whatever happens (`RegistrySource.close`),
so no slice outlives it.

The cut takes the scan's segments with the row elements the scan counted in them (nothing counted
or buffered twice; sheet_slices.SliceWriter.feed_segment), and a doubt it cannot vouch for
(NotSliceable) leaves the rows after the last sound slice to a whole read, as before. Only what the
reader will use is kept: the slices go as soon as the sheet turns out to be read otherwise
(streamed: over `calamine_max_rows` rows or a grid over `calamine_max_cells` cells; whole: no more
than a slice and a quarter), or to hold more than MAX_KEPT_BYTES on disk, or when the disk refuses
them (then the reader cuts as it reads, one slice on disk at a time).
"""

from __future__ import annotations

import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from billing.importers.sheet_slices import NotSliceable, SliceWriter, last_slice_rows, write_base
from billing.importers.xlsx_scan import SheetScan, sheet_parts

MAX_KEPT_BYTES = 512 << 20


@dataclass(frozen=True)
class SliceRule:
    """How the reader will read the sheet (workbook.iter_rows' calamine settings)."""

    slice_rows: int
    calamine_max_rows: int
    calamine_max_cells: int


class ScanSlices:
    """The first sheet's slices, cut while it is scanned; `close` deletes whatever is left."""

    def __init__(self, rule: SliceRule) -> None:
        self.rule = rule
        self.sheet = ""  # the scanned sheet's name
        self.paths: list[Path] = []
        self.complete = False  # every row of the sheet is in a slice
        self.state = "unused"  # → cutting → ready → taken, or dropped
        self._directory: tempfile.TemporaryDirectory[str] | None = None
        self._writer: SliceWriter | None = None
        self._base: Path | None = None
        self._bytes = 0

    def begin(self, archive: zipfile.ZipFile, part: str, scan: SheetScan) -> bool:
        """The scan starts a sheet: True when its chunks are to be fed (the first sheet only)."""
        if self.state != "unused" or self.rule.slice_rows < 1:
            return False
        self.state, self.sheet = "cutting", scan.name
        self._directory = tempfile.TemporaryDirectory(prefix="xlsx-slices-")
        directory = Path(self._directory.name)
        self._base = directory / "base.xlsx"
        try:
            write_base(archive, self._base, {other for _, other in sheet_parts(archive)}, part)
        except (NotSliceable, OSError):
            self.drop()
            return False
        self._writer = SliceWriter(self._base, part, directory, self.rule.slice_rows, None)
        return True

    def feed(self, segment: bytes, rows: int, scan: SheetScan) -> None:
        if self._writer is None:
            return
        self._bytes += len(segment)
        if scan.rows > self.rule.calamine_max_rows or self._bytes > MAX_KEPT_BYTES:
            self.drop()
            return
        try:
            self.paths.extend(self._writer.feed_segment(segment, rows))
        except NotSliceable:
            self._stop()  # the slices so far are sound; the rest is read whole
        except OSError:
            # The disk does not hold the whole sheet in slices: free it, the reader cuts one at a time.
            self.drop()

    def end(self, scan: SheetScan) -> None:
        """The scan finished the sheet: keep the slices if the reader will read them."""
        if self.state != "cutting":
            return
        if self._writer is not None:
            try:
                self._writer.end()
                self.complete = True
            except NotSliceable:
                pass
            except OSError:
                self.drop()
                return
            self._stop()
        rule = self.rule
        read_in_slices = last_slice_rows(rule.slice_rows) < scan.rows <= rule.calamine_max_rows
        if not read_in_slices or scan.extent > rule.calamine_max_cells:
            self.drop()
            return
        self.state = "ready"

    def take(self, scan: SheetScan, slice_rows: int) -> tuple[list[Path], bool] | None:
        """The slices of `scan`'s sheet cut `slice_rows` a slice, and whether they hold every row:
        once; None when there are none to read (the reader cuts as it reads)."""
        if self.state != "ready" or scan.name != self.sheet or slice_rows != self.rule.slice_rows:
            return None
        self.state = "taken"
        paths, self.paths = self.paths, []
        return paths, self.complete

    def drop(self) -> None:
        self._stop()
        for path in self.paths:
            path.unlink(missing_ok=True)
        self.paths = []
        self.state = "dropped"

    def close(self) -> None:
        self._stop()
        self.paths = []
        if self._directory is not None:
            self._directory.cleanup()
            self._directory = None

    def _stop(self) -> None:
        if self._writer is not None:
            self._writer.discard()
            self._writer = None
        if self._base is not None:
            self._base.unlink(missing_ok=True)
            self._base = None
