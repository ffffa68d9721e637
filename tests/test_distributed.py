"""batch and diff on a Dask cluster: the records, summary and report of one process, whatever the workers do.

One local cluster of two worker processes serves the module (joined by its address, as a remote one
is); a test that starts its own (``local:N``) goes through the command line once.
"""

from __future__ import annotations

import json
import logging
import os
import re
import signal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from distributed import Client

from aftersales_rules.authoring import PolicyBundle, evaluate_frame
from aftersales_rules.authoring.batch import run_batch
from aftersales_rules.authoring.cluster import local_cluster
from aftersales_rules.authoring.distributed import batch_on_cluster, diff_on_cluster
from aftersales_rules.authoring.impact import diff_policies
from aftersales_rules.authoring.partition import frame_meta
from aftersales_rules.cli import cli
from aftersales_rules.errors import EvaluationError, OutputError
from aftersales_rules.testing import generate_cases
from test_batch import write_cases
from test_impact import fifteen_days, write_jsonl

from conftest import ROOT, RULES

SMALL = 1 << 16  # bytes a partition: 2,000 cases make about twenty


@pytest.fixture(scope="module")
def cluster():
    with local_cluster(2, silence=logging.ERROR) as local:
        yield local.scheduler_address


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """2,000 generated cases with four bad lines, and what one process makes of them."""
    folder = tmp_path_factory.mktemp("corpus")
    cases = folder / "cases.jsonl"
    write_cases(cases, 2000)
    summary = run_batch(cases, folder / "one.jsonl", RULES, jobs=1)
    return cases, folder / "one.jsonl", summary


def test_two_workers_write_the_records_and_summary_of_one_process(cluster, corpus, tmp_path):
    cases, one, summary = corpus
    seen: list[int] = []
    out = tmp_path / "plans.jsonl"
    got = batch_on_cluster(cases, out, RULES, cluster, progress=lambda s: seen.append(s.cases), part_bytes=SMALL)
    assert out.read_bytes() == one.read_bytes()
    assert got == summary and got.errors == 4
    assert len(seen) > 10 and seen == sorted(seen) and seen[-1] == 2000  # a partition at a time, in order
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]


def test_the_command_line_on_a_cluster_prints_the_same_summary(cluster, corpus, tmp_path):
    cases, one, _ = corpus
    runner = CliRunner()
    local = runner.invoke(cli, ["batch", str(cases), "--out", str(tmp_path / "a.jsonl"), "-j", "1"])
    remote = runner.invoke(cli, ["batch", str(cases), "--out", str(tmp_path / "b.jsonl"), "--scheduler", cluster])
    assert (local.exit_code, remote.exit_code) == (1, 1)  # four cases failed
    assert remote.stdout == local.stdout and "batch summary" in remote.stdout
    assert (tmp_path / "b.jsonl").read_bytes() == one.read_bytes()
    assert "batch: 2,000 of 2,000 cases, 4 failed" in remote.stderr  # the progress without a terminal


@pytest.mark.slow
def test_a_local_cluster_started_by_the_command_line(corpus, tmp_path):
    cases, one, _ = corpus
    result = CliRunner().invoke(
        cli, ["batch", str(cases), "--out", str(tmp_path / "b.jsonl"), "--scheduler", "local:2"]
    )
    assert result.exit_code == 1 and "batch summary" in result.stdout
    assert (tmp_path / "b.jsonl").read_bytes() == one.read_bytes()


@pytest.mark.slow
def test_a_worker_killed_in_the_middle_loses_nothing_and_writes_nothing_twice(cluster, corpus, tmp_path):
    cases, one, summary = corpus
    with Client(cluster) as client:
        pids = client.run(os.getpid)
    victim = sorted(pids.values())[0]
    killed: list[int] = []

    def kill_once(progress) -> None:
        if not killed and progress.cases >= 300:  # the first partitions written, more under way on both workers
            os.kill(victim, signal.SIGKILL)
            killed.append(progress.cases)

    out = tmp_path / "plans.jsonl"
    got = batch_on_cluster(cases, out, RULES, cluster, progress=kill_once, part_bytes=SMALL // 2)
    assert killed and out.read_bytes() == one.read_bytes() and got == summary
    with Client(cluster) as client:
        client.wait_for_workers(2, timeout=60)  # the nanny started another one
        assert victim not in client.run(os.getpid).values()


def test_a_policy_whose_digest_differs_on_a_worker_is_refused(cluster, corpus, tmp_path):
    cases, _, _ = corpus
    bundle = PolicyBundle.from_folder(RULES)
    name, raw = bundle.files[-1]
    other = PolicyBundle(bundle.folder, (*bundle.files[:-1], (name, raw + b"\n")), bundle.digest)
    out = tmp_path / "plans.jsonl"
    out.write_text("kept\n", encoding="utf-8")
    with pytest.raises(
        EvaluationError, match=rf"has the digest sha256:[0-9a-f]+, not {bundle.digest} as sent: refused"
    ):
        batch_on_cluster(cases, out, RULES, cluster, part_bytes=SMALL, bundle=other)
    assert out.read_text(encoding="utf-8") == "kept\n"  # nothing half written
    assert [p.name for p in tmp_path.iterdir()] == ["plans.jsonl"]


def test_parquet_gives_the_records_of_the_same_cases_in_jsonl(cluster, tmp_path):
    cases = list(generate_cases(600, seed=11))
    cases[40]["order"]["items"][0]["unit_price"] = "-1"
    jsonl = write_jsonl(tmp_path / "cases.jsonl", cases)
    table = pa.Table.from_pylist(cases)  # nested fields as structs
    pq.write_table(table, tmp_path / "structs.parquet", row_group_size=128)
    as_text = table.set_column(
        table.schema.get_field_index("order"), "order", pa.array([json.dumps(c["order"]) for c in cases])
    )
    pq.write_table(as_text, tmp_path / "texts.parquet", row_group_size=250)  # one nested field as JSON text
    one = tmp_path / "one.jsonl"
    summary = run_batch(jsonl, one, RULES)
    lines = one.read_text(encoding="utf-8").splitlines()
    for name in ("structs.parquet", "texts.parquet"):
        out = tmp_path / f"{name}.jsonl"
        assert batch_on_cluster(tmp_path / name, out, RULES, cluster) == summary
        got = out.read_text(encoding="utf-8").splitlines()
        assert got[:40] + got[41:] == lines[:40] + lines[41:]  # the plans, byte for byte
        bad, expected = json.loads(got[40]), json.loads(lines[40])
        assert bad.pop("row") == 41 and expected.pop("line") == 41
        assert bad["problems"][0]["path"] == expected["problems"][0]["path"] == "order.items[0].unit_price"


def test_a_glob_of_files_names_the_file_of_an_error_record(cluster, tmp_path):
    cases = list(generate_cases(30, seed=12))
    write_jsonl(tmp_path / "a.jsonl", cases[:20])
    (tmp_path / "b.jsonl").write_text("\n".join(json.dumps(c) for c in cases[20:]) + "\nnot json\n", encoding="utf-8")
    out = tmp_path / "plans.out"
    summary = batch_on_cluster(str(tmp_path / "*.jsonl"), out, RULES, cluster, part_bytes=1024)
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.cases == 31 and summary.errors == 1
    assert [r["case_id"] for r in records[:30]] == [c["case_id"] for c in cases]
    assert records[30]["line"] == 11 and records[30]["file"] == str(tmp_path / "b.jsonl")
    with pytest.raises(OutputError, match="cannot write: it is the input"):  # an output the glob matches
        batch_on_cluster(str(tmp_path / "*.jsonl"), tmp_path / "b.jsonl", RULES, cluster)


def test_diff_on_a_cluster_reports_what_one_process_reports(cluster, tmp_path):
    cases = write_jsonl(tmp_path / "cases.jsonl", generate_cases(1500, seed=3))
    new = fifteen_days(tmp_path)
    local = diff_policies(RULES, new, cases)
    remote = diff_on_cluster(RULES, new, cases, cluster, part_bytes=SMALL)
    assert local.changes and remote.to_dict() == local.to_dict()


def test_the_dask_dataframe_example_of_the_docs_works(cluster, tmp_path, monkeypatch):
    """The first Python block of docs/distributed.md, run as written in a folder with its cases.parquet."""
    docs = (ROOT / "docs" / "distributed.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(.*?)```", docs, re.S)
    assert example is not None
    cases = list(generate_cases(200, seed=13))
    pq.write_table(pa.Table.from_pylist(cases), tmp_path / "cases.parquet", row_group_size=50)
    (tmp_path / "rules").symlink_to(RULES)
    monkeypatch.chdir(tmp_path)
    namespace: dict = {}
    with Client(cluster):
        exec(compile(example.group(1), "docs/distributed.md", "exec"), namespace)
    bundle = PolicyBundle.from_folder(RULES)
    expected = evaluate_frame(pa.Table.from_pylist(cases).to_pandas(), bundle)
    plans = namespace["plans"]
    assert list(plans.columns) == list(frame_meta().columns)
    assert list(plans["record"]) == list(expected["record"])
    assert (tmp_path / "plans.jsonl").read_text(encoding="utf-8").splitlines() == list(expected["record"])
