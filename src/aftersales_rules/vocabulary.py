"""The after-sales vocabulary: every enumeration of the domain, written once.

Each enumeration is a ``Literal`` type (for the pydantic models and the type
checker) and the tuple of its values, taken from the type with ``get_args``
(for loops, the fact catalogue and "did you mean"). The order of the values is
the order the JSON Schemas list them in, the order the fact catalogue offers
them for what-if branches and the order the linter tries them in: append new
values, do not reorder. ``ENUMERATIONS`` names each tuple (the keys of the
display-name catalogues in ``catalogues/``). Display names are not vocabulary:
they live in those catalogues, one file per language.

Every other module names these types and tuples instead of spelling the values
again (tests/test_vocabulary.py checks it). This module imports nothing from
the package.
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = [
    "ACTIONS",
    "ACTORS",
    "COMPENSATION_COMPONENTS",
    "COMPENSATION_WORDS",
    "COMPONENTS",
    "COMPONENT_WORDS",
    "ENUMERATIONS",
    "FAULTS",
    "GESTURE_KINDS",
    "ISSUE_KINDS",
    "METHODS",
    "OUTBOUND_CHECKS",
    "PARTIES",
    "RELEASES",
    "RESOLUTIONS",
    "RETURN_STATUSES",
    "SEVERITIES",
    "STAGES",
    "SYNONYMS",
    "TIERS",
    "WANTS",
    "Action",
    "Actor",
    "CompensationComponent",
    "Component",
    "Fault",
    "GestureKind",
    "IssueKind",
    "Method",
    "OutboundCheck",
    "Party",
    "Release",
    "Resolution",
    "ReturnStatus",
    "Severity",
    "Stage",
    "Tier",
    "Wants",
]

# -- the case ------------------------------------------------------------------------------------

IssueKind = Literal[
    "not_as_described",
    "damaged",
    "wrong_item",
    "missing_item",
    "return_request",
    "exchange_request",
    "refund_request",
    "courier_change",
    "lost_parcel",
    "price_difference",
    "add_to_order",
]
"""What the dispute is about (``issue.kind``); the engine partitions a policy's rules by it."""
ISSUE_KINDS: tuple[IssueKind, ...] = get_args(IssueKind)

Tier = Literal["regular", "vip"]
"""The buyer's standing with the shop (``customer.tier``)."""
TIERS: tuple[Tier, ...] = get_args(Tier)

Severity = Literal["minor", "severe"]
"""How bad damage to the goods is (``issue.severity``); unknown until assessed."""
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

Fault = Literal["buyer", "seller", "unknown"]
"""Whose fault a buyer-initiated return is (``issue.fault``); ``unknown`` means not found out yet."""
FAULTS: tuple[Fault, ...] = get_args(Fault)

Wants = Literal["return", "exchange", "refund", "reship", "partial_refund", "keep"]
"""What the buyer asks for (``issue.wants``): send the goods back, swap them, money back, a new
parcel, some money back while keeping the goods, or keep them as they are."""
WANTS: tuple[Wants, ...] = get_args(Wants)

OutboundCheck = Literal["error_confirmed", "no_error_found"]
"""What the warehouse's outbound record and packing video show (``evidence.outbound_check``)."""
OUTBOUND_CHECKS: tuple[OutboundCheck, ...] = get_args(OutboundCheck)

ReturnStatus = Literal["created", "in_transit", "at_hub", "received"]
"""Where the buyer's return parcel is (``progress.return_shipment.status``): booked, on its way,
at the courier's hub near the warehouse, signed for by the warehouse."""
RETURN_STATUSES: tuple[ReturnStatus, ...] = get_args(ReturnStatus)

# -- what a plan decides -------------------------------------------------------------------------

Resolution = Literal[
    "explain",
    "reship",
    "exchange",
    "return_and_refund",
    "refund_without_return",
    "partial_refund",
    "charge_postage_difference",
    "decline",
    "escalate",
]
"""How the dispute is settled (``resolution``): explain and keep the order as it is, send the goods
again, swap them, take them back and refund, refund and let the buyer keep them, refund part, ask
the buyer for a postage difference, refuse, or hand to a person."""
RESOLUTIONS: tuple[Resolution, ...] = get_args(Resolution)

Release = Literal["immediately", "on_return_at_hub", "on_return_received", "on_agreement", "on_return_shipped"]
"""When the refund is paid out (``refund.release``): now, once the return parcel reaches the hub,
once the warehouse signs for it, once the buyer agrees to the amount, or once the return has
shipped (the buyer entered its tracking number: a fast refund for buyers the shop trusts)."""
RELEASES: tuple[Release, ...] = get_args(Release)

Party = Literal["buyer", "seller", "courier", "insurer", "platform"]
"""Who advances or finally bears a leg of postage (``advanced_by``, ``borne_by``): the buyer, the
seller, the courier, an insurer (return-shipping insurance) or the platform (the marketplace)."""
PARTIES: tuple[Party, ...] = get_args(Party)

Method = Literal["prepaid", "freight_collect"]
"""How a leg of postage is paid: by the sender when posting, or by the receiver on delivery."""
METHODS: tuple[Method, ...] = get_args(Method)

Component = Literal["goods", "return_postage", "original_shipping", "price_difference", "partial"]
"""What a refund line pays back: the affected goods, the return postage the buyer paid, the order's
shipping fee, a price difference, or an agreed part of the price."""
COMPONENTS: tuple[Component, ...] = get_args(Component)
COMPONENT_WORDS: dict[Component, tuple[str, str]] = {
    "goods": ("the goods", "货款"),
    "return_postage": ("the return postage", "退货运费"),
    "original_shipping": ("the original postage", "原运费"),
    "price_difference": ("the price difference", "差价"),
    "partial": ("the partial refund", "部分退款"),
}
"""What a step calls a refund component whose amount is not known yet (English, Chinese)."""

GestureKind = Literal["coupon", "gift"]
"""A goodwill gesture on top of the resolution: a coupon for a next order, or a small gift."""
GESTURE_KINDS: tuple[GestureKind, ...] = get_args(GestureKind)

CompensationComponent = Literal["late_shipment", "fraud", "goodwill"]
"""What a compensation line pays the buyer on top of any refund (``compensation.lines[].component``):
a penalty for shipping after the promised time (违约金), the statutory extra compensation for fraud or
false advertising (消费者权益保护法 art. 55), or cash goodwill. A policy's own start with ``x_``."""
COMPENSATION_COMPONENTS: tuple[CompensationComponent, ...] = get_args(CompensationComponent)
COMPENSATION_WORDS: dict[CompensationComponent, tuple[str, str]] = {
    "late_shipment": ("the late-shipment compensation", "延迟发货违约金"),
    "fraud": ("the compensation for fraud", "欺诈赔偿"),
    "goodwill": ("the goodwill compensation", "补偿金"),
}
"""What a step calls a compensation component whose amount is not known yet (English, Chinese)."""

# -- the steps of a plan -------------------------------------------------------------------------

Actor = Literal["customer_service", "warehouse", "operations", "buyer", "courier"]
"""Who carries out a step."""
ACTORS: tuple[Actor, ...] = get_args(Actor)

Stage = Literal["intake", "investigate", "resolve", "fulfil", "settle", "close"]
"""The phase a step belongs to; a plan's steps are ordered by stage, in this order."""
STAGES: tuple[Stage, ...] = get_args(Stage)

Action = Literal[
    "call_buyer",
    "apologize",
    "explain_material_variance",
    "request_photos",
    "check_outbound_record",
    "verify_with_courier",
    "verify_with_warehouse",
    "ask_return_or_exchange",
    "negotiate_partial_refund",
    "remind_inspect_on_delivery",
    "file_return_request",
    "ship_return",
    "receive_return",
    "inspect_return",
    "restock",
    "create_replacement_order",
    "reship",
    "refund",
    "issue_coupon",
    "send_gift",
    "request_postage_difference",
    "claim_with_courier",
    "decline_with_reason",
    "note_order",
    "register_case",
    "message_buyer",
    "follow_up",
]
"""The standard actions a step can name; a policy's own actions start with ``x_``."""
ACTIONS: tuple[Action, ...] = get_args(Action)

ENUMERATIONS: dict[str, tuple[str, ...]] = {
    "issue_kind": ISSUE_KINDS,
    "tier": TIERS,
    "severity": SEVERITIES,
    "fault": FAULTS,
    "wants": WANTS,
    "outbound_check": OUTBOUND_CHECKS,
    "return_status": RETURN_STATUSES,
    "resolution": RESOLUTIONS,
    "release": RELEASES,
    "party": PARTIES,
    "method": METHODS,
    "component": COMPONENTS,
    "gesture_kind": GESTURE_KINDS,
    "actor": ACTORS,
    "stage": STAGES,
    "action": ACTIONS,
    "compensation_component": COMPENSATION_COMPONENTS,
}
"""Every enumeration by name: the keys a display-name catalogue uses."""

# -- other words for the values ------------------------------------------------------------------

SYNONYMS: dict[str, tuple[str, ...]] = {
    "replacement": ("exchange", "reship", "exchange_request"),
    "replace": ("exchange", "reship", "exchange_request"),
    "swap": ("exchange", "exchange_request"),
    "resend": ("reship",),
    "send_again": ("reship",),
    "money_back": ("refund", "refund_request"),
    "refund": ("refund_request", "return_and_refund", "refund_without_return"),
    "return": ("return_request", "return_and_refund"),
    "exchange": ("exchange_request",),
    "partial": ("partial_refund",),
    "broken": ("damaged",),
    "defective": ("damaged",),
    "wrong": ("wrong_item",),
    "missing": ("missing_item",),
    "lost": ("lost_parcel",),
    "gold": ("vip",),
    "premium": ("vip",),
    "normal": ("regular",),
    "standard": ("regular",),
    "major": ("severe",),
    "serious": ("severe",),
    "slight": ("minor",),
    "customer": ("buyer",),
    "consumer": ("buyer",),
    "shop": ("seller",),
    "merchant": ("seller",),
    "store": ("seller",),
    "carrier": ("courier",),
    "logistics": ("courier",),
    "shipped": ("in_transit", "on_return_shipped"),
    "sent": ("in_transit",),
    "delivered": ("received",),
    "signed": ("received",),
    "confirmed": ("error_confirmed",),
    "no_error": ("no_error_found",),
}
"""Words people write for a value the vocabulary spells otherwise (``replacement`` for ``exchange`` or
``reship``): "did you mean" offers a misspelt value by its likeness and such a word by this table, only the
values of the enumeration at hand (``replacement`` is ``exchange_request`` where an issue kind is expected)."""
