"""Evaluate a partition in a pipeline of your own (Dask, Spark, …): cases in, the records ``batch`` writes out.

``evaluate_partition(cases, bundle)`` takes an iterable of case dicts (as read from case files or
JSON lines), a pandas DataFrame or an Arrow table or record batch (a row a case, read as a Parquet
row is: ``parquet.case_of_row``), and the policy as a ``PolicyBundle`` (small, picklable: send it to
the executors; each process loads it once). It returns one dict per case, in order: the plan as its
JSON form, or an error record, ``{"case_id", "error", "problems", "row"}`` with the row counted from
1 in the partition. ``evaluate_frame`` does the same for ``map_partitions`` and Spark's
``mapInPandas``: a DataFrame of ``case_id``, ``error`` (bool) and ``record``, the line ``batch``
writes for the case.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from .batch import evaluate_record
from .bundle import PolicyBundle
from .parquet import case_of_row
from .records import Record

__all__ = ["FRAME_COLUMNS", "evaluate_frame", "evaluate_partition", "frame_meta"]

FRAME_COLUMNS = {"case_id": "object", "error": "bool", "record": "object"}  # evaluate_frame's columns
SOURCE = "<partition>"  # the input as its records name it


def evaluate_partition(cases: Any, policy: PolicyBundle, branches: bool = True) -> list[dict[str, Any]]:
    """A plan record or an error record for every case of ``cases``, in order (see the module's docstring)."""
    return [json.loads(line) for line in _lines(cases, policy, branches)]


def evaluate_frame(frame: Any, policy: PolicyBundle, branches: bool = True) -> Any:
    """``evaluate_partition`` as a pandas DataFrame: ``case_id``, ``error``, ``record`` (the JSON line)."""
    import pandas as pd  # type: ignore[import-untyped]  # the extra dask

    lines = list(_lines(frame, policy, branches))
    records = [json.loads(line) for line in lines]
    columns = {
        "case_id": [r.get("case_id") for r in records],
        "error": ["error" in r for r in records],  # a plan has no field "error"
        "record": lines,
    }
    return pd.DataFrame(columns).astype(FRAME_COLUMNS)


def frame_meta() -> Any:
    """An empty frame with ``evaluate_frame``'s columns (Dask's ``meta=``)."""
    import pandas as pd

    return pd.DataFrame({name: [] for name in FRAME_COLUMNS}).astype(FRAME_COLUMNS)


def _lines(cases: Any, bundle: PolicyBundle, branches: bool) -> Iterator[str]:
    policy = bundle.policy()
    for number, data in enumerate(_rows(cases), start=1):
        yield evaluate_record(policy, Record("row", number, data, SOURCE), branches)[0]


def _rows(cases: Any) -> Iterable[dict[str, Any]]:
    """Each case as a dict: a DataFrame's or an Arrow batch's rows read as Parquet rows are, dicts as they are."""
    if hasattr(cases, "to_dict") and hasattr(cases, "columns"):  # a pandas DataFrame
        return (case_of_row(row) for row in cases.to_dict("records"))
    if hasattr(cases, "to_pylist"):  # an Arrow table or record batch
        return (case_of_row(row) for row in cases.to_pylist())
    return cases
