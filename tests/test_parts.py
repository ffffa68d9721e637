"""Without a cluster: partitions that tile an input, Parquet rows, the policy as its source, the pipeline
entry point, and the command line's checks of --scheduler."""

from __future__ import annotations

import json
import sys

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from aftersales_rules.authoring import PolicyBundle, evaluate_frame, evaluate_partition
from aftersales_rules.authoring.batch import evaluate_record, run_batch
from aftersales_rules.authoring.parquet import case_of_row
from aftersales_rules.authoring.parts import count_range, split
from aftersales_rules.authoring.records import Record, read_cases
from aftersales_rules.cli import cli
from aftersales_rules.errors import AfterSalesError, EvaluationError, InputError
from aftersales_rules.testing import generate_cases
from test_batch import write_cases

from conftest import RULES

TRICKY = (
    b"\xef\xbb\xbf" + b'{"case_id": "a"}\r\n'  # a BOM on line 1, CRLF
    b"\n"  # a blank line, counted
    b'{"case_id": "b", "x": "' + b"y" * 300 + b'"}\n'  # longer than a partition
    b"   \r\n"  # blank with a CR
    b'{"case_id": "c"}\n'
    b"not json\n"
    b'{"case_id": "d"}'  # no line break at the end
)


def _local_counter(ranges):
    return [count_range(*r) for r in ranges]


@pytest.mark.parametrize("size", [1, 2, 3, 7, 19, 64, 1 << 20])
def test_byte_ranges_tile_the_input_and_number_its_lines(tmp_path, size):
    path = tmp_path / "cases.jsonl"
    path.write_bytes(TRICKY)
    whole = list(read_cases(path))
    parts = split(path, _local_counter, part_bytes=size)
    assert [r for p in parts.parts for r in p.records()] == whole
    assert parts.total == len(whole) == 5


def test_a_folder_is_cut_into_runs_of_case_files(tmp_path):
    for i in range(5):
        (tmp_path / f"{i}.json").write_text("{}", encoding="utf-8")
    parts = split(tmp_path, _local_counter, files_per_part=2)
    assert [len(p.files) for p in parts.parts] == [2, 2, 1] and parts.total == 5
    assert [r for p in parts.parts for r in p.records()] == list(read_cases(tmp_path))


def test_what_cannot_be_cut_is_refused_in_a_line(tmp_path):
    with pytest.raises(InputError, match="no file matches this pattern"):
        split(str(tmp_path / "*.jsonl"), _local_counter)
    (tmp_path / "a.jsonl").write_text("{}\n", encoding="utf-8")
    pq.write_table(pa.table({"case_id": ["x"]}), tmp_path / "b.parquet")
    with pytest.raises(InputError, match="both Parquet and JSONL"):
        split(str(tmp_path / "*"), _local_counter)
    with pytest.raises(InputError, match="a stream cannot be cut"):
        split("-", _local_counter)


def test_a_row_reads_as_the_case_it_says():
    row = {
        "case_id": "C1",
        "customer": None,  # a null is a field not given
        "order": {"order_id": "O1", "delivered_at": None, "items": [{"sku": "S", "note": None}]},
        "issue": '{"kind": "damaged", "wants": null}',  # a JSON text in a mapping's column
    }
    assert case_of_row(row) == {
        "case_id": "C1",
        "order": {"order_id": "O1", "items": [{"sku": "S"}]},
        "issue": {"kind": "damaged", "wants": None},
    }
    assert case_of_row({"case_id": "[not json]", "order": "{cut"}) == {"case_id": "[not json]", "order": "{cut"}


def test_a_bundle_is_the_policy_it_was_read_from(reference_policy):
    bundle = PolicyBundle.from_folder(RULES)
    assert bundle.digest == reference_policy.digest and bundle.folder == "rules"
    assert bundle.policy() is bundle.policy()  # loaded once in a process
    assert bundle.policy().digest == reference_policy.digest


def test_a_bundle_whose_texts_do_not_give_its_digest_is_refused():
    bundle = PolicyBundle.from_folder(RULES)
    name, raw = bundle.files[0]
    tampered = PolicyBundle(bundle.folder, ((name, raw + b"\n# changed\n"), *bundle.files[1:]), bundle.digest)
    with pytest.raises(EvaluationError, match=r"has the digest sha256:\w+, not " + bundle.digest):
        tampered.policy()
    escaping = PolicyBundle(bundle.folder, (("../x.yaml", raw),), "sha256:0")
    with pytest.raises(EvaluationError, match="outside its folder"):
        escaping.policy()


def test_a_partition_gives_the_records_batch_writes(tmp_path):
    cases = list(generate_cases(120, seed=5))
    cases[7]["order"]["items"][0]["unit_price"] = "-1"
    bundle = PolicyBundle.from_folder(RULES)
    records = evaluate_partition(cases, bundle)
    policy = bundle.policy()
    expected = [
        json.loads(evaluate_record(policy, Record("row", i, c, "<partition>"))[0]) for i, c in enumerate(cases, 1)
    ]
    assert records == expected
    assert records[7]["row"] == 8 and records[7]["problems"][0]["path"] == "order.items[0].unit_price"
    assert "resolution" in records[0]


def test_a_dataframe_and_an_arrow_batch_give_the_records_of_the_same_cases(tmp_path):
    cases = list(generate_cases(60, seed=6))
    bundle = PolicyBundle.from_folder(RULES)
    expected = evaluate_partition(cases, bundle, branches=False)
    table = pa.Table.from_pylist(cases)  # structs, a missing field null in its row
    assert evaluate_partition(table, bundle, branches=False) == expected
    assert evaluate_partition(table.to_batches()[0], bundle, branches=False) == expected
    frame = evaluate_frame(table.to_pandas(), bundle, branches=False)  # numpy arrays for lists, NaN for missing
    assert list(frame.columns) == ["case_id", "error", "record"]
    assert [json.loads(r) for r in frame["record"]] == expected
    assert list(frame["case_id"]) == [c["case_id"] for c in cases] and not frame["error"].any()


# --------------------------------------------------------------------------- the command line


def _run(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.mark.parametrize("value", ["local:0", "local:x", "local:257", "lokal:2", "tcp://host", "http://h:1", ""])
def test_a_bad_scheduler_is_a_usage_error_in_one_line(tmp_path, value):
    cases = tmp_path / "c.jsonl"
    cases.write_text("{}\n", encoding="utf-8")
    result = _run("batch", str(cases), "--out", str(tmp_path / "o.jsonl"), "--scheduler", value)
    assert result.exit_code == 2
    last = result.output.strip().splitlines()[-1]
    assert "expected local:N (N worker processes on this machine, 1 to 256) or tcp://HOST:PORT" in last


def test_jobs_and_scheduler_together_is_a_usage_error(tmp_path):
    cases = tmp_path / "c.jsonl"
    cases.write_text("{}\n", encoding="utf-8")
    for command in (
        ["batch", str(cases), "--out", str(tmp_path / "o.jsonl")],
        ["diff", str(RULES), str(RULES), str(cases)],
    ):
        result = _run(*command, "-j", "2", "--scheduler", "local:2")
        assert result.exit_code == 2
        assert "Error: -j and --scheduler cannot be used together" in result.output
    assert not (tmp_path / "o.jsonl").exists()


def test_parquet_and_globs_need_the_scheduler(tmp_path):
    pq.write_table(pa.table({"case_id": ["x"]}), tmp_path / "c.parquet")
    for cases, what in ((tmp_path / "c.parquet", "Parquet"), (tmp_path / "*.jsonl", "a pattern of files")):
        result = _run("batch", str(cases), "--out", str(tmp_path / "o.jsonl"))
        assert result.exit_code == 2
        assert f"Error: {what} is read with --scheduler only" in result.output


def test_without_dask_the_scheduler_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if the extra were not installed
    cases = tmp_path / "c.jsonl"
    write_cases(cases, 3)
    result = _run("batch", str(cases), "--out", str(tmp_path / "o.jsonl"), "--scheduler", "local:1")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "pip install 'aftersales-rules[dask]'" in result.output
    assert not (tmp_path / "o.jsonl").exists()
    with pytest.raises(AfterSalesError, match="--scheduler needs Dask"):
        from aftersales_rules.authoring.distributed import batch_on_cluster

        batch_on_cluster(cases, tmp_path / "o.jsonl", RULES, "local:1")
    run_batch(cases, tmp_path / "o.jsonl", RULES)  # the rest works without it
