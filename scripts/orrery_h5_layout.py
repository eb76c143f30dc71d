"""The result file's table layouts (scripts/RESULTS_LAYOUT.md) and the decoding of what h5py returns,
shared by the readers in orrery_h5.py."""

from __future__ import annotations

from typing import Any

import h5py
import numpy as np

# Column layouts from RESULTS_LAYOUT.md. Used to build empty tables when a file has no rows (or
# lacks a table altogether), so that callers can always index fields by name.
EVENT_DTYPE = np.dtype(
    [
        ("start", "<i8"),
        ("end", "<i8"),
        ("device", "<i4"),
        ("kind", "i1"),
        ("name", "<i4"),
        ("micro_batch", "<i4"),
        ("stage", "<i4"),
        ("bytes", "<i8"),
    ]
)
LINK_DTYPE = np.dtype(
    [("link", "<i4"), ("src", "<i4"), ("dst", "<i4"), ("name", "<i4"), ("busy", "<i8"), ("bytes", "<i8")]
)
MEMORY_DTYPE = np.dtype(
    [
        ("device", "<i4"),
        ("peak", "<i8"),
        ("parameters", "<i8"),
        ("gradients", "<i8"),
        ("optimizer", "<i8"),
        ("activations", "<i8"),
        ("buffers", "<i8"),
    ]
)
COUNTER_DTYPE = np.dtype([("time", "<i8"), ("device", "<i4"), ("name", "<i4"), ("value", "<f8")])

NS_PER_S = 1e9
POLICY_TABLES = ("failures", "checkpoints", "restarts", "replicas", "fillers")


def _decode(value: Any) -> Any:
    """Turn what h5py returns into plain Python values.

    Variable-length strings come back as `bytes` (or `str`), fixed-length ones as `numpy.bytes_`,
    numeric scalars as numpy scalars, and string arrays as object or `S` arrays. Scalars become
    str/int/float, string arrays become lists of str, numeric arrays stay numpy arrays.
    """
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value).decode("utf-8", errors="replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SOU":
            return [_decode(v) for v in value.reshape(-1)]
        if value.shape == ():
            return value.item()
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _read_group(group: h5py.Group | None) -> dict[str, Any]:
    """Read every dataset of a group into a dict, in the file's (alphabetical) order."""
    if group is None:
        return {}
    return {key: _decode(group[key][()]) for key in group if isinstance(group[key], h5py.Dataset)}


def _read_table(f: h5py.File, path: str, dtype: np.dtype) -> np.ndarray:
    if path not in f:
        return np.zeros(0, dtype=dtype)
    table = f[path][()]
    return np.asarray(table).reshape(-1)


class NameLookup:
    """Names of kind values and of /names entries, for a class with `kinds` and `names` lists."""

    kinds: list[str]
    names: list[str]

    def kind_name(self, value: int) -> str:
        """Name of one event kind value (`kind<N>` if the file's `kinds` list is too short)."""
        value = int(value)
        return self.kinds[value] if 0 <= value < len(self.kinds) else f"kind{value}"

    def name_of(self, index: int) -> str:
        """Entry `index` of /names (`#<N>` if out of range, e.g. -1)."""
        index = int(index)
        return self.names[index] if 0 <= index < len(self.names) else f"#{index}"
