"""Nothing a client sends gives a 500: junk bodies and mangled cases on every endpoint that reads one."""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import SMALL_CASE
from serving import client

ENDPOINTS = ("/v1/plans", "/v1/plans:text?lang=zh", "/v1/explain?rule=damaged.return.seller_pays", "/v1/plans:batch")
REFUSED = {400, 413, 422}

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
values = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)  # fmt: skip
PATHS = [
    (),
    ("case_id",),
    ("opened_at",),
    ("order",),
    ("order", "items"),
    ("order", "items", 0),
    ("order", "items", 0, "unit_price"),
    ("order", "items", 0, "quantity"),
    ("order", "delivered_at"),
    ("issue",),
    ("issue", "kind"),
    ("issue", "wants"),
    ("customer", "tier"),
    ("progress",),
]


@pytest.fixture(scope="module")
def service():
    with client(max_body=4096) as c:
        yield c


def _answered(service, path: str, body: bytes) -> None:
    answer = service.post(path, content=body)
    assert answer.status_code != 500, answer.text
    if path.endswith(":batch"):
        assert answer.status_code == 200
        for line in answer.text.split("\n")[:-1]:  # lines end at \n only (a record may hold U+0085)
            record = json.loads(line)
            assert "internal error" not in record.get("error", ""), record
        return
    assert answer.status_code == 200 or answer.status_code in REFUSED, answer.text
    if answer.status_code != 200:
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["status"] == answer.status_code


@given(body=st.binary(max_size=600), endpoint=st.sampled_from(ENDPOINTS))
def test_junk_bytes_are_refused_never_a_500(service, body, endpoint):
    _answered(service, endpoint, body)


@given(body=values, endpoint=st.sampled_from(ENDPOINTS))
def test_any_json_is_refused_or_decided_never_a_500(service, body, endpoint):
    _answered(service, endpoint, json.dumps(body).encode())


@given(path=st.sampled_from(PATHS), value=values, endpoint=st.sampled_from(ENDPOINTS), pretty=st.booleans())
def test_a_mangled_case_is_refused_or_decided_never_a_500(service, path, value, endpoint, pretty):
    data: object = copy.deepcopy(SMALL_CASE)
    if not path:
        data = value
    else:
        node = data
        for key in path[:-1]:
            node = node[key]  # type: ignore[index]
        node[path[-1]] = value  # type: ignore[index]
    _answered(service, endpoint, json.dumps(data, indent=2 if pretty else None).encode())
