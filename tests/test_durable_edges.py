"""durable_rules' sharp edges (2.0.28, unmaintained): each shown on the raw engine, then how we stand.

The raw demonstrations run in child processes: several of them leave the C
engine's heap in a state that may crash it later (undeleted sessions, an
aborted match), and one is a crash.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from decimal import Decimal

import pytest
import yaml

from aftersales_rules import Policy
from aftersales_rules.engine.compiler import encode
from aftersales_rules.engine.runtime import SENTINEL
from aftersales_rules.testing import ATTRIBUTES, generate_cases
from aftersales_rules.vocabulary import ISSUE_KINDS
from aftersales_rules.vocabulary import RESOLUTIONS as RESOLUTIONS_VALUES

from conftest import ROOT, RULES

RAW = r"""
import decimal, json
import durable_rules_engine as E
from durable.engine import Host, MessageNotHandledException, MessageObservedException

class Quiet(Host):  # no background dispatch threads
    def _run(self):
        pass

out = {}
h = Quiet()
fired = []
h.register_rulesets({"t": {
    "x": {"all": [{"m": {"k": "x"}}], "run": lambda c: fired.append(c.m.k)},
    "boom": {"all": [{"m": {"k": "boom"}}], "run": lambda c: 1 / 0}}})
try:
    h.register_rulesets({"t": {"y": {"all": [{"m": {"k": "y"}}], "run": lambda c: None}}})
    out["second_registration"] = "accepted"
except Exception as e:
    out["second_registration"] = str(e)
try:
    h.assert_fact("t", {"sid": "1", "id": "f", "k": "nothing"})
    out["unmatched"] = "returned"
except MessageNotHandledException:
    out["unmatched"] = "MessageNotHandledException"
h.assert_fact("t", {"sid": "2", "id": "f", "k": "x"})
try:
    h.assert_fact("t", {"sid": "2", "id": "f", "k": "x"})
    out["duplicate"] = "returned"
except MessageObservedException:
    out["duplicate"] = "MessageObservedException"
out["fired"] = fired
state = h.assert_fact("t", {"sid": "3", "id": "f", "k": "boom"})  # returns: nothing is raised
out["action_exception"] = state.get("exception", "")
try:
    h.assert_fact("t", {"sid": "4", "id": "f", "k": decimal.Decimal("0.30")})
    out["decimal"] = "accepted"
except TypeError as e:
    out["decimal"] = "TypeError: " + str(e)
seen = []
h.register_rulesets({"n": {"float": {"all": [{"m": {"x": 0.3}}], "run": lambda c: seen.append("float")},
                           "cents": {"all": [{"m": {"c": 30}}], "run": lambda c: seen.append("cents")}}})
h.assert_fact("n", {"sid": "1", "id": "f", "x": 0.1 + 0.2, "c": 10 + 20})
out["float_vs_cents"] = sorted(seen)
compared = []
h.register_rulesets({"p": {
    "alias": {"all": [{"m": {"$lt": {"a": {"m": "b"}}}}], "run": lambda c: compared.append(["m.b", c.m.a, c.m.b])},
    "dollar": {"all": [{"m": {"$lt": {"a": {"$m": "b"}}}}], "run": lambda c: compared.append(["$m", c.m.a, c.m.b])},
    "every": {"all": [{"m": {"k": 1}}], "run": lambda c: None}}})
for i, (a, b) in enumerate([(1, 2), (2, 2), (3, 2)]):
    h.assert_fact("p", {"sid": str(i), "id": "f", "a": a, "b": b, "k": 1})
out["same_message"] = compared
h.register_rulesets({"c": {"r": {"all": [{"m": {"c": 30}}], "run": lambda c: None}}})
handle = h.get_ruleset("c")._handle
out["ceiling"] = None
try:
    for i in range(1, 2000):
        E.assert_fact(handle, json.dumps({"sid": "s%d" % i, "id": "f", "c": 30}))  # never deleted
except MemoryError:
    out["ceiling"] = i

def create(name, rules):
    try:
        E.create_ruleset(name, json.dumps(rules))
        return "created"
    except Exception as e:
        return str(e)

grid = lambda i: {"$and": [{"x": i % 8}, {"y": (i // 8) % 8}, {"z": i // 64}]}
out["rules_4096"] = create("r4096", {"r%d" % i: {"all": [{"m": grid(i)}]} for i in range(4096)})
out["rules_4097"] = create("r4097", {"r%d" % i: {"all": [{"m": grid(i)}]} for i in range(4097)})
out["same_condition_256"] = create("s256", {"r%d" % i: {"all": [{"m": {"k": 1}}]} for i in range(256)})
out["same_condition_257"] = create("s257", {"r%d" % i: {"all": [{"m": {"k": 1}}]} for i in range(257)})
for n in (64, 70):
    below = {"r%d" % i: {"all": [{"m": {"$lt": {"v": i + 10}}}]} for i in range(n)}
    lt = E.create_ruleset("lt%d" % n, json.dumps(below))
    try:
        code, _ = E.assert_fact(lt, json.dumps({"sid": "1", "id": "f", "v": 1}))
        out["holding_%d" % n] = "asserted"
    except Exception as e:
        out["holding_%d" % n] = str(e)
print(json.dumps(out))
"""


def _python(code: str, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


@pytest.fixture(scope="module")
def raw():
    """What the raw engine does, from one child process."""
    done = _python(RAW)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


# --------------------------------------------------------------------------- sessions


def test_raw_ruleset_refuses_the_1025th_live_session(raw):
    assert raw["ceiling"] == 1025  # MemoryError; each ruleset holds at most 1,024 undeleted sessions


@pytest.mark.slow
def test_five_thousand_evaluations_of_one_kind_never_reach_the_ceiling():
    """Every match opens a fresh session and deletes it; with branches a case takes several matches (each
    one in durable_rules: no memo)."""
    policy = Policy.load(RULES, memo_size=0)
    plans = [policy.evaluate(case) for case in generate_cases(5000, seed=41, kinds=["wrong_item"])]
    assert len(plans) == 5000 and all(plan.resolution for plan in plans)
    assert sum(len(plan.branches) for plan in plans) > 1000  # many more matches than cases


# --------------------------------------------------------------------------- threads and hosts


def test_every_call_into_the_engine_holds_the_policys_lock():
    """No thread safety inside durable_rules: while the lock is held, an evaluation cannot get in (a fresh
    policy's memo is empty, so its first evaluation goes into durable_rules; a memoised one need not:
    tests/test_memo.py)."""
    policy = Policy.load(RULES)
    case = next(generate_cases(1, seed=2))
    finished = threading.Event()
    thread = threading.Thread(target=lambda: (policy.evaluate(case), finished.set()))
    lock = policy._engine.runtime._lock
    with lock:
        thread.start()
        assert not finished.wait(0.3)  # it cannot finish while we hold the lock, however long we wait
    thread.join()
    assert finished.is_set()


HOSTS = r"""
import json, sys, threading
import durable.lang as lang
from aftersales_rules import Policy
from aftersales_rules.testing import generate_cases
rules = sys.argv[1]
first, second = Policy.load(rules), Policy.load(rules)
for case in generate_cases(50, seed=1):
    assert first.evaluate(case).to_json() == second.evaluate(case).to_json()
ours = {"main_host_untouched": lang._main_host is None,
        "own_hosts": first._engine.runtime._host is not second._engine.runtime._host,
        "threads": threading.active_count()}
shared = lang.get_host() is lang.get_host()
print(json.dumps({"ours": ours, "lang_host_shared": shared, "threads_after_lang": threading.active_count()}))
"""


def test_each_policy_owns_a_quiet_host_and_never_touches_the_module_level_one():
    done = _python(HOSTS, str(RULES))
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    # durable.lang keeps one Host for every caller, with timer threads dispatching every ruleset on it
    assert seen["lang_host_shared"] and seen["threads_after_lang"] > 1
    # ours: a Host per policy, no background threads, the module-level host never created
    assert seen["ours"] == {"main_host_untouched": True, "own_hosts": True, "threads": 1}


def test_raw_ruleset_names_register_once(raw):
    assert raw["second_registration"] == "Ruleset with name t already registered"


def test_the_same_policy_loaded_twice_lives_side_by_side(reference_policy):
    again = Policy.load(RULES)
    ours, theirs = set(reference_policy._engine.compiled.definitions), set(again._engine.compiled.definitions)
    assert ours and theirs and not ours & theirs  # a process-unique prefix per load
    for case in generate_cases(30, seed=6):
        assert again.evaluate(case).to_json() == reference_policy.evaluate(case).to_json()
    again.close()
    case = next(generate_cases(1, seed=6))
    reference_policy.evaluate(case)  # closing one leaves the other whole


# --------------------------------------------------------------------------- numbers


def test_raw_engine_takes_no_decimal_and_floats_do_not_add_up(raw):
    assert raw["decimal"] == "TypeError: Object of type Decimal is not JSON serializable"
    assert raw["float_vs_cents"] == ["cents"]  # 0.1 + 0.2 == 0.3 fails; 10 + 20 == 30 holds


def test_money_enters_as_integer_cents_and_comes_out_exact(tmp_path):
    assert encode(Decimal("0.10")) == 10 and isinstance(encode(Decimal("0.10")), int)
    assert encode(Decimal("0.30")) == encode(Decimal("0.10")) + encode(Decimal("0.20"))
    folder = tmp_path / "cents"
    folder.mkdir()
    (folder / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "policy": {"name": "cents", "version": "1"},
                "defaults": {"resolution": "escalate"},
                "rules": [
                    {
                        "id": "exactly_thirty_cents",
                        "when": {"affected.goods": "0.30"},
                        "then": {
                            "resolution": "refund_without_return",
                            "refund": {"lines": ["goods"], "release": "immediately"},
                        },
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    policy = Policy.load(folder)
    case = next(generate_cases(1, seed=8, kinds=["missing_item"]))
    case["order"]["items"] = [{"sku": "A", "unit_price": "0.10"}, {"sku": "B", "unit_price": "0.20"}]
    case["issue"].pop("items", None)
    plan = policy.evaluate(case)
    assert plan.resolution == "refund_without_return"
    assert plan.refund.total == Decimal("0.30") and json.loads(plan.to_json())["refund"]["total"] == "0.30"


# --------------------------------------------------------------------------- result codes and actions


def test_raw_engine_raises_for_unmatched_and_duplicate_facts(raw):
    assert raw["unmatched"] == "MessageNotHandledException"
    assert raw["duplicate"] == "MessageObservedException"
    assert raw["fired"] == ["x"]


def test_a_case_no_rule_matches_still_fires_the_sentinel(tmp_path):
    """Our rulesets carry a rule that matches every case, so 'not handled' (code 1) cannot happen."""
    policy = _vip_only_policy(tmp_path)
    runtime, part = policy._engine.runtime, policy._engine.compiled.partitions["damaged"]
    names = [name for stratum in part.strata for name in stratum.rulesets]
    message = {"_k": "case", "issue__kind": "damaged"}
    assert names and runtime.match(names, {**message, "customer__tier": "regular"}) == []
    fired = runtime.match(names, {**message, "customer__tier": "vip"})
    assert len(fired) == 1 and SENTINEL not in fired


CODES = r"""
import json, sys
import durable_rules_engine as E
from aftersales_rules import EngineError, Policy
from aftersales_rules.testing import generate_cases
policy = Policy.load(sys.argv[1])
case = next(generate_cases(1, seed=9))
out = {}
real_assert, real_start = E.assert_fact, E.start_action_for_state
for code in (1, 2):  # what the Python layer would raise as MessageNotHandled / MessageObserved
    E.assert_fact = lambda handle, payload, code=code: (code, 0)
    try:
        policy.evaluate(case, branches=False)
        out[code] = "answered"
    except EngineError as e:
        out[code] = str(e)
E.assert_fact = real_assert
def with_exception(handle, state):  # the action ran and raised: durable_rules puts it in the state
    result = real_start(handle, state)
    return ('{"sid": "1", "exception": "exception caught boom"}',) + tuple(result[1:])
E.start_action_for_state = with_exception
try:
    policy.evaluate(case, branches=False)
    out["exception"] = "answered"
except EngineError as e:
    out["exception"] = str(e)
print(json.dumps(out))
"""


def test_result_codes_and_exceptions_in_the_state_are_errors_not_answers():
    done = _python(CODES, str(RULES))
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(done.stdout)
    assert seen["1"] == "durable_rules matched no rule, not even the sentinel"
    assert seen["2"] == "durable_rules saw this case twice in one session"
    assert seen["exception"].startswith("durable_rules reported an exception in the session state: ")
    assert "exception caught boom" in seen["exception"]


def test_raw_engine_swallows_an_exception_in_an_action_into_the_state(raw):
    assert raw["action_exception"].startswith("exception caught division by zero")


def test_our_runtime_runs_no_python_inside_the_engine(reference_policy):
    """Every rule is registered with an action that raises if it is ever run; it would land in the state's
    ``exception`` field and the runtime would refuse the match (above). Thousands of matches later, none has."""
    plans = [reference_policy.evaluate(case) for case in generate_cases(300, seed=10)]
    assert len(plans) == 300


# --------------------------------------------------------------------------- network sizes


def test_raw_network_limits_and_their_error_codes(raw):
    assert raw["rules_4096"] == "created"
    assert raw["rules_4097"] == "Could not create ruleset, error code: 106"  # 4,096 rules at most
    assert raw["same_condition_256"] == "created"
    assert raw["same_condition_257"] == "Could not create ruleset, error code: 108"  # 256 rules on one node
    assert raw["holding_64"] == "asserted"
    assert raw["holding_70"] == "Could not assert fact, error code: 303"  # the alpha stack is 64 deep


OVERSIZED = r"""
import json
from aftersales_rules import EngineError
from aftersales_rules.engine.runtime import Runtime
grid = lambda i: {"$and": [{"x": i % 8}, {"y": (i // 8) % 8}, {"z": i // 64}]}
out = {}
for name, definition in {
        "rules_4097": {"r%d" % i: {"all": [{"m": grid(i)}]} for i in range(4097)},
        "same_condition_257": {"r%d" % i: {"all": [{"m": {"_k": "case"}}]} for i in range(257)}}.items():
    try:
        Runtime({name: definition})
        out[name] = "created"
    except EngineError as e:
        out[name] = [e.code, str(e)]
print(json.dumps(out))
"""


def test_our_runtime_turns_the_limits_into_engine_errors():
    done = _python(OVERSIZED)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == {
        "rules_4097": [106, "durable_rules could not create a ruleset: error 106 (too many rules in one ruleset)"],
        "same_condition_257": [
            108,
            "durable_rules could not create a ruleset: error 108 (too many joins in one ruleset)",
        ],
    }


KINDS, RESOLUTIONS = ISSUE_KINDS, RESOLUTIONS_VALUES
LADDER, TALLY = 50, 40  # per kind: 11 x 90 = 990 rules


def _wide_policy() -> dict:
    """990 overlapping rules: per kind a ladder (group, one winner) and a tally (every rule that holds adds a step).

    For a large order all 90 rules of its kind hold at once: far more than the 64 alternatives one
    ruleset's alpha stack takes, so the policy only works if the compiler splits it.
    """
    rules = []
    for kind in KINDS:
        for t in range(LADDER):
            rules.append(
                {
                    "id": f"{kind}.ladder.{t}",
                    "group": f"{kind}.ladder",
                    "priority": t,
                    "when": {"issue.kind": kind, "order.goods_total": {"at_least": f"{20 * t}.00"}},
                    "then": {"resolution": RESOLUTIONS[t % len(RESOLUTIONS)]},
                }
            )
        for t in range(TALLY):
            rules.append(
                {
                    "id": f"{kind}.tally.{t}",
                    "when": {"issue.kind": kind, "order.goods_total": {"at_least": f"{100 * t}.00"}},
                    "then": {
                        "steps": [
                            {
                                "actor": "operations",
                                "action": f"x_tally_{t}",
                                "text": {"zh": f"第{t}級", "en": f"tier {t}"},
                            }
                        ]
                    },
                }
            )
    return {
        "policy": {"name": "wide", "version": "1"},
        "defaults": {"resolution": "escalate"},
        "attributes": ATTRIBUTES,
        "rules": rules,
    }


def _expected(case: dict) -> tuple[str, list[str], str, int]:
    """What the generated policy decides, worked out from the case and the generator's table alone:
    resolution, steps, the deciding rule, and how many rules hold."""
    goods = sum(Decimal(i["unit_price"]) * i.get("quantity", 1) for i in case["order"]["items"])
    top = max(t for t in range(LADDER) if goods >= 20 * t)
    steps = [f"x_tally_{t}" for t in range(TALLY) if goods >= 100 * t]
    return RESOLUTIONS[top % len(RESOLUTIONS)], steps, f"{case['issue']['kind']}.ladder.{top}", top + 1 + len(steps)


def test_a_thousand_overlapping_rules_load_through_chunking_and_decide_correctly(tmp_path):
    folder = tmp_path / "wide"
    folder.mkdir()
    (folder / "policy.yaml").write_text(yaml.safe_dump(_wide_policy(), allow_unicode=True), encoding="utf-8")
    policy = Policy.load(folder)
    assert len(policy.rules) == 990
    definitions = policy._engine.compiled.definitions
    assert max(len(d) for d in definitions.values()) <= 64 and len(definitions) >= 990 // 60
    big = 0
    for case in generate_cases(400, seed=12):
        plan = policy.evaluate(case, branches=False)
        resolution, steps, winner, held = _expected(case)
        assert plan.resolution == resolution, case["case_id"]
        assert [s.action for s in plan.steps] == steps, case["case_id"]
        assert [t.rule for t in plan.trace if "resolution" in t.decided] == [winner]
        big += held > 64  # more rules hold at once than one ruleset's alpha stack could take
    assert big > 10


# --------------------------------------------------------------------------- found here


DELETE_UNFIRED = r"""
import json, sys
import durable_rules_engine as E
from durable.engine import Host
class Quiet(Host):
    def _run(self):
        pass
h = Quiet()
h.register_rulesets({"t": {"r": {"all": [{"m": {"k": "x"}}], "run": lambda c: None}}})
handle = h.get_ruleset("t")._handle
for i in range(1, 201):
    code, state = E.assert_fact(handle, json.dumps({"sid": str(i), "id": "f", "k": "nothing"}))
    if i == 1:
        print("asserted, code", code, flush=True)
    E.delete_state(handle, str(i))  # no rule fired in this session
print("survived", flush=True)
"""


def test_raw_deleting_a_session_in_which_no_rule_fired():
    """Frees uninitialised pointers: a segfault or an abort, or by luck nothing; heap dependent."""
    done = _python(DELETE_UNFIRED)
    assert done.stdout.startswith("asserted, code 1")  # the script got as far as the first delete
    assert done.returncode in (0, -6, -11, 134, 139), (done.returncode, done.stderr[-500:])  # never an exception
    assert (done.returncode == 0) == ("survived" in done.stdout)


SENTINEL_ONLY = r"""
import sys
from aftersales_rules import Policy
from aftersales_rules.testing import generate_cases
policy = Policy.load(sys.argv[1])
count = 0
for case in generate_cases(3000, seed=13, kinds=["damaged"]):
    case["customer"]["tier"] = "regular"  # the policy's one rule wants a VIP: only the sentinel fires
    assert policy.evaluate(case).resolution == "escalate"
    count += 1
print(count)
"""


def _vip_only_policy(tmp_path) -> Policy:
    folder = tmp_path / "vip_only"
    folder.mkdir(exist_ok=True)
    (folder / "policy.yaml").write_text(
        yaml.safe_dump(
            {
                "policy": {"name": "vip_only", "version": "1"},
                "defaults": {"resolution": "escalate"},
                "attributes": ATTRIBUTES,
                "rules": [
                    {
                        "id": "vip",
                        "when": {"issue.kind": "damaged", "customer.tier": "vip"},
                        "then": {"resolution": "explain"},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    return Policy.load(folder)


def test_thousands_of_cases_that_match_no_rule_delete_their_sessions_safely(tmp_path):
    _vip_only_policy(tmp_path)
    done = _python(SENTINEL_ONLY, str(tmp_path / "vip_only"))
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["3000"]


def test_raw_comparison_of_two_properties_of_one_message(raw):
    # Referring to the other property through the message's name ({"m": "b"}) is simply true: 3 < 2 "holds".
    assert [c for c in raw["same_message"] if c[0] == "m.b"] == [["m.b", 1, 2], ["m.b", 2, 2], ["m.b", 3, 2]]
    # (The "$m" form compares correctly in 2.0.28; the compiler uses neither, see below.)
    assert [c for c in raw["same_message"] if c[0] == "$m"] == [["$m", 1, 2]]


@pytest.mark.parametrize("requested, postage_only", [("9.99", True), ("10.00", True), ("10.01", False)])
def test_fact_against_fact_is_right_on_both_sides_of_the_boundary(reference_policy, requested, postage_only):
    """issue.requested_amount at most order.shipping_fee (10.00): worked out per case before matching."""
    case = next(generate_cases(1, seed=14, kinds=["refund_request"]))
    case["order"]["shipping_fee"] = "10.00"
    case["issue"].update(fault="seller", requested_amount=requested)
    plan = reference_policy.evaluate(case)
    assert (plan.resolution == "refund_without_return") is postage_only
    assert plan.refund.total == (Decimal(requested) if postage_only else plan.refund.total)


@pytest.mark.parametrize(
    "opened, within",
    [
        ("2026-03-08T23:59:59+08:00", True),  # signed on the 1st: the 8th is the last day
        ("2026-03-09T00:00:00+08:00", False),
        ("2026-03-08T15:59:59+00:00", True),  # the same instants written in UTC
        ("2026-03-08T16:00:00+00:00", False),
    ],
)
def test_time_against_a_moment_is_right_on_both_sides_of_the_boundary(reference_policy, opened, within):
    case = next(generate_cases(1, seed=15, kinds=["return_request"]))
    case["order"]["delivered_at"] = "2026-03-01T09:00:00+08:00"
    case["opened_at"] = opened
    case["issue"]["fault"] = "buyer"
    case["attributes"] = {}
    case["progress"] = {}
    assert reference_policy.evaluate(case).resolution == ("return_and_refund" if within else "decline")


@pytest.mark.parametrize(
    "opened, due",
    [
        ("2026-07-15T19:59:59+08:00", "2026-07-15T20:00:00+08:00"),
        ("2026-07-15T20:00:00+08:00", "2026-07-16T20:00:00+08:00"),
    ],
)
def test_the_same_day_cut_off_is_right_on_both_sides(reference_policy, opened, due):
    case = next(generate_cases(1, seed=16, kinds=["lost_parcel"]))
    case["opened_at"] = opened
    case["issue"]["wants"] = "reship"
    plan = reference_policy.evaluate(case)
    [reship] = [s for s in plan.steps if s.action == "reship"]
    assert reship.due_by.isoformat() == due
