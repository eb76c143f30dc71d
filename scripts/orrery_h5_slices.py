"""A result file read lazily, in slices: /events and /counters by row range, device and time window,
a block of rows at a time, so that memory holds one block and the answer however large the file;
the policy tables (/failures, /checkpoints, /restarts, /replicas, /fillers) and their labels.
`orrery_h5.open_result` is the entry point."""

from __future__ import annotations

import h5py
import numpy as np

from orrery_h5_layout import COUNTER_DTYPE, EVENT_DTYPE, NameLookup, _decode, _read_group

BLOCK_ROWS = 1 << 20  # rows read at a time when filtering a slice


class ResultFile(NameLookup):
    """A result file opened for reading in slices: nothing of /events or /counters is read until asked.

    `summary`, `meta`, `kinds` and `names` are read on opening (they are small). Close it, or use it
    in a `with` block.
    """

    def __init__(self, path: str) -> None:
        self.path = str(path)
        self._file = h5py.File(self.path, "r")
        f = self._file
        self.summary = _read_group(f.get("summary"))
        self.meta = _read_group(f.get("meta"))
        kinds = _decode(f["events"].attrs["kinds"]) if "events" in f and "kinds" in f["events"].attrs else []
        self.kinds = kinds if isinstance(kinds, list) else [kinds]
        names = _decode(f["names"][()]) if "names" in f else []
        self.names = names if isinstance(names, list) else [names]

    def __enter__(self) -> "ResultFile":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._file.close()

    def rows(self, name: str) -> int:
        """The number of rows of a table (0 when the file has none)."""
        return len(self._file[name]) if name in self._file else 0

    @property
    def event_count(self) -> int:
        return self.rows("events")

    def events(self, window=None, devices=None, rows: slice | None = None) -> np.ndarray:
        """Rows of /events: within `rows` (a slice of row numbers), on `devices` (ids), overlapping
        `window` = (from_ns, to_ns). Read a block at a time, so memory holds one block and the answer."""
        return self._slice("events", EVENT_DTYPE, window, devices, rows, ("start", "end"))

    def counters(self, window=None, devices=None, rows: slice | None = None) -> np.ndarray:
        """Rows of /counters: samples on `devices` with from_ns <= time < to_ns, within `rows`."""
        return self._slice("counters", COUNTER_DTYPE, window, devices, rows, ("time", "time"))

    def event_devices(self) -> np.ndarray:
        """The distinct devices of /events, sorted (one pass over the device column, a block at a time)."""
        found = np.zeros(0, dtype=np.int64)
        ds = self._file["events"] if "events" in self._file else None
        for at in range(0, self.event_count, BLOCK_ROWS):
            found = np.union1d(found, np.unique(ds.fields("device")[at:at + BLOCK_ROWS]))
        return found

    def fields(self, name: str, names: list[str]) -> np.ndarray:
        """Some columns of a table (e.g. /events' device, kind, stage), every row, read a block at a
        time: a scan that does not hold the whole table's other columns."""
        if name not in self._file:
            return np.zeros(0)
        ds = self._file[name]
        parts = [np.asarray(ds.fields(names)[at:at + BLOCK_ROWS]).reshape(-1) for at in range(0, len(ds), BLOCK_ROWS)]
        return np.concatenate(parts) if parts else np.asarray(ds.fields(names)[0:0])

    def table(self, name: str) -> np.ndarray:
        """A whole policy table (/failures, /checkpoints, /restarts, /replicas, /fillers, ...), or an
        empty array when the run made none."""
        return np.asarray(self._file[name][()]).reshape(-1) if name in self._file else np.zeros(0)

    def labels(self, name: str) -> dict[str, list[str]]:
        """The string attributes of a table (e.g. `classes` of /failures), as lists of str."""
        if name not in self._file:
            return {}
        return {k: _decode(v) if isinstance(_decode(v), list) else [_decode(v)]
                for k, v in self._file[name].attrs.items()}

    def _slice(self, path, dtype, window, devices, rows, time_fields) -> np.ndarray:
        if path not in self._file:
            return np.zeros(0, dtype=dtype)
        ds = self._file[path]
        first, last, _ = (rows or slice(None)).indices(len(ds))
        wanted = None if devices is None else np.unique(np.asarray(list(devices), dtype=np.int64))
        parts = [np.zeros(0, dtype=dtype)]
        for at in range(first, last, BLOCK_ROWS):
            block = np.asarray(ds[at:min(at + BLOCK_ROWS, last)]).reshape(-1)
            keep = np.ones(len(block), dtype=bool) if wanted is None else np.isin(block["device"], wanted)
            if window is not None:
                lo, hi = window
                a, b = block[time_fields[0]], block[time_fields[1]]
                # A span overlapping [lo, hi), or an instant inside it; a sample inside it.
                keep &= (a < hi) & ((b > lo) | ((a == b) & (a >= lo)))
            parts.append(block[keep])
        return np.concatenate(parts)


def open_result(path: str) -> ResultFile:
    """Open a result file for reading in slices (see ResultFile)."""
    return ResultFile(path)
