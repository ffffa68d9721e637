"""Parquet input: one case per row, read a row group at a time (pyarrow, the extra ``dask``).

The columns are the case's top-level fields (``case_id``, ``opened_at``, ``order``, ``issue``, ...).
A field that is a mapping in the case format (``order``, ``issue``, ``progress``, ...) is either a
struct column (lists of structs for the order's items) or a text column holding that value as
JSON. A null is a field not given, at any depth: Arrow gives every row of a struct column every
field some row has, and a missing one reads as null (a case file that leaves it out means the same).
What a row says is then read as the same case in a JSON line would be; a row that is not a case
becomes an error record naming its row (``"row": n``, counted from 1 over the file).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Iterator
from typing import Any, get_origin

from pydantic import BaseModel

from ..case import Case
from ..errors import InputError, SourceLocation
from .records import Record

__all__ = ["SUFFIX", "case_of_row", "is_parquet", "row_groups", "rows"]

SUFFIX = ".parquet"


def _mapping(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return origin is dict or (isinstance(origin, type) and issubclass(origin, BaseModel))


# the top-level fields whose value is a mapping: a text in such a column is that mapping as JSON
MAPPINGS = frozenset(name for name, info in Case.model_fields.items() if _mapping(info.annotation))


def is_parquet(path: str | os.PathLike[str]) -> bool:
    return str(path).lower().endswith(SUFFIX)


def _file(path: str | os.PathLike[str]) -> Any:
    import pyarrow.parquet as pq  # type: ignore[import-untyped]  # the extra dask, only for a Parquet input

    try:
        return pq.ParquetFile(path)
    except OSError as exc:  # pyarrow's errors about a file that is not Parquet are OSErrors (ArrowInvalid too)
        raise InputError(f"cannot read as Parquet: {exc}", SourceLocation(str(path)), "unreadable") from None


def row_groups(path: str | os.PathLike[str]) -> list[int]:
    """The number of rows of each row group (read from the file's footer, not its rows)."""
    meta = _file(path).metadata
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def rows(path: str | os.PathLike[str], group: int, rows_before: int) -> Iterator[Record]:
    """The records of one row group; ``rows_before``: how many rows the file has before it."""
    table = _file(path).read_row_group(group)
    for number, row in enumerate(table.to_pylist(), start=rows_before + 1):
        yield Record("row", number, case_of_row(row), str(path))


def case_of_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row of a Parquet file, an Arrow batch or a DataFrame as the case it says (see the module's docstring)."""
    data = _given(row)
    for name in MAPPINGS & data.keys():
        if isinstance(data[name], str):
            with contextlib.suppress(ValueError):  # else left as it is: the case's own check says what is wrong
                data[name] = json.loads(data[name])
    return data


def _given(value: Any) -> Any:
    """A value with every null field of a struct left out (as not given); numpy's values (a DataFrame's
    lists and numbers) as Python's."""
    if isinstance(value, dict):
        return {k: _given(v) for k, v in value.items() if not _null(v)}
    if hasattr(value, "tolist") and not isinstance(value, str | bytes):  # a numpy array or scalar
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [_given(v) for v in value]
    return value


def _null(value: Any) -> bool:
    """None, or how pandas says missing (NaN in a column of objects, pd.NA, NaT)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    return type(value).__name__ in ("NAType", "NaTType")
