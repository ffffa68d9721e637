from decimal import Decimal

import pytest

from aftersales_rules import CaseError, load_case, parse_case

BASE = {
    "case_id": "C-1",
    "opened_at": "2026-07-15T14:05:00+08:00",
    "order": {
        "order_id": "O-1",
        "shipping_fee": "15.00",
        "delivered_at": "2026-07-12T10:00:00+08:00",
        "items": [
            {"sku": "A", "unit_price": "299.00", "quantity": 2, "unit_cost": "180.00"},
            {"sku": "B", "unit_price": "59.00"},
        ],
    },
    "issue": {"kind": "wrong_item"},
}


def with_(path: str, value):
    import copy

    data = copy.deepcopy(BASE)
    node = data
    *parents, last = path.split(".")
    for p in parents:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    node[int(last) if last.isdigit() else last] = value
    return data


def error(data) -> str:
    with pytest.raises(CaseError) as err:
        parse_case(data)
    return str(err.value)


def test_a_minimal_case_gets_defaults():
    case = parse_case(BASE)
    assert case.order.currency == "CNY"
    assert case.customer.tier == "regular" and case.issue.fault == "unknown"
    assert case.order.items[1].quantity == 1 and case.order.items[1].unit_cost is None
    assert case.order.shipping_fee == Decimal("15.00")
    assert [(i.sku, q) for i, q in case.affected()] == [("A", 2), ("B", 1)]


def test_affected_items_default_to_whole_lines():
    case = parse_case(with_("issue.items", [{"sku": "A", "quantity": 1}, {"sku": "B"}]))
    assert [(i.sku, q) for i, q in case.affected()] == [("A", 1), ("B", 1)]


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("isue", {}, "unknown_field: unknown field 'isue' (did you mean 'issue'?)"),
        (
            "order.shiping_fee",
            "1.00",
            "unknown_field: unknown field 'shiping_fee' in order (did you mean 'shipping_fee'?)",
        ),
        (
            "issue.kind",
            "wrong_itme",
            "invalid_value: issue.kind: 'wrong_itme' is not one of not_as_described, damaged, wrong_item, "
            "missing_item, return_request, exchange_request, refund_request, courier_change, lost_parcel, "
            "price_difference, add_to_order (did you mean 'wrong_item'?)",
        ),
        ("order.items.0.unit_price", "-5.00", "invalid_value: order.items[0].unit_price: amount -5.00 is negative"),
        (
            "order.items.0.unit_price",
            "1.005",
            "invalid_value: order.items[0].unit_price: amount 1.005 has a fraction of a cent",
        ),
        (
            "opened_at",
            "2026-07-15T14:05:00",
            "invalid_value: opened_at: needs a UTC offset: add one, such as +08:00, to read 2026-07-15T14:05:00+08:00"
            " (got '2026-07-15T14:05:00')",
        ),
        (
            "opened_at",
            "yesterday",
            "invalid_value: opened_at: is not a date and time (ISO 8601 with an offset, such as "
            "2026-07-15T14:05:00+08:00) (got 'yesterday')",
        ),
        ("issue.items", [{"sku": "C"}], "invalid_value: issue.items[0].sku: SKU 'C' is not in the order"),
        (
            "issue.items",
            [{"sku": "A", "quantity": 3}],
            "invalid_value: issue.items[0].quantity: 3 affected but the order has 2 of 'A'",
        ),
        (
            "order.items.1.sku",
            "A",
            "invalid_value: order.items[1].sku: SKU 'A' is listed twice; give one line per SKU with a quantity",
        ),
        ("customer.urgent", "yes", "invalid_value: customer.urgent: must be true or false (got 'yes')"),
        (
            "attributes",
            {"bad key": 1},
            "invalid_value: attributes.bad key: is not a name (letters, digits and '_', up to 64, "
            "not starting with a digit) (got 'bad key')",
        ),
    ],
)
def test_bad_cases_name_the_field(path, value, expected):
    assert error(with_(path, value)) == expected


def test_several_problems_are_counted_and_each_shown():
    data = with_("isue", {})
    data["order"]["shiping_fee"] = "1"
    lines = error(data).splitlines()
    assert lines[0] == "2 errors occurred:" and len(lines) == 3


def test_case_file_errors_carry_line_and_column(tmp_path):
    f = tmp_path / "case.yaml"
    f.write_text(
        "case_id: C-1\nopened_at: 2026-07-15T14:05:00+08:00\norder:\n  order_id: O\n"
        "  items: [{sku: A, unit_price: '1.00'}]\nissue:\n  kind: damagd\n",
        encoding="utf-8",
    )
    with pytest.raises(CaseError) as err:
        load_case(f)
    assert str(err.value) == (
        f"{f}:7:9: invalid_value: issue.kind: 'damagd' is not one of not_as_described, "
        "damaged, wrong_item, missing_item, return_request, exchange_request, refund_request, "
        "courier_change, lost_parcel, price_difference, add_to_order (did you mean 'damaged'?)"
    )
    assert err.value.problems[0].path == "issue.kind"


def test_not_a_mapping():
    assert "a case must be a mapping" in error(["x"])


def test_case_is_immutable():
    from pydantic import ValidationError

    case = parse_case(BASE)
    with pytest.raises(ValidationError, match="frozen"):
        case.case_id = "other"
