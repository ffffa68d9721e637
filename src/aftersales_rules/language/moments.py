"""Moments: points in time relative to the case, written as data.

Four forms, for conditions (``before: …``) and step due times (``due: …``)::

    opened_at                                  a time fact itself
    {day_of: opened_at, plus_days: 1, at: "20:00"}   a clock time on a calendar day
    {next: "20:00", after: opened_at}          the first such clock time after a moment
    {from: opened_at, plus: 20s}               a moment plus a duration (30s, 15m, 2h, 7d, 1d12h)

Calendar days and clock times are the shop's: the policy's ``timezone`` (an
IANA name such as ``Asia/Shanghai``), or the offset of the case's ``opened_at``
when the policy names none. A moment whose fact is unknown is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from ..diagnostics import shown, suggest
from ..errors import quoted
from .scope import Reader

__all__ = ["Moment", "parse_clock", "parse_duration", "parse_moment"]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$")
_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


@dataclass(frozen=True)
class Moment:
    form: str  # "fact" | "day_of" | "next" | "from"
    path: str
    days: int = 0
    clock: time | None = None
    seconds: int = 0
    # worked out once rather than per case: the days or duration as a timedelta, the clock time (midnight if none)
    _delta: timedelta = field(init=False, repr=False, compare=False)
    _clock: time = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        delta = timedelta(days=self.days) if self.form == "day_of" else timedelta(seconds=self.seconds)
        object.__setattr__(self, "_delta", delta)
        object.__setattr__(self, "_clock", self.clock or time(0))

    def value(self, facts: dict[str, Any], tz: tzinfo | None) -> datetime | None:
        base = facts.get(self.path)
        if base is None:
            return None
        form = self.form
        if form == "fact":
            return base
        if form == "from":
            return base + self._delta
        zone = tz or facts["opened_at"].tzinfo
        return self._on_calendar(base.astimezone(zone), zone)

    def local(self, facts: dict[str, Any], tz: tzinfo | None) -> datetime | None:
        """``value`` in the shop's zone (a step's due time as the plan shows it)."""
        moment = self.value(facts, tz)
        return None if moment is None else moment.astimezone(tz or facts["opened_at"].tzinfo)

    def _on_calendar(self, local: datetime, zone: tzinfo) -> datetime:
        """A day_of or next moment from its base moment ``local`` in the shop's ``zone``."""
        if self.form == "day_of":
            return datetime.combine(local.date() + self._delta, self._clock, tzinfo=zone)
        # next: the first clock time strictly after the base moment
        assert self.clock is not None  # a "next" moment always names its clock time (parse_moment)
        candidate = _at(local.date(), self.clock, zone)
        if candidate <= local:
            candidate = _at(local.date() + timedelta(days=1), self.clock, zone)
        return candidate

    def describe(self) -> str:
        if self.form == "fact":
            return self.path
        if self.form == "from":
            return f"{self.path} + {format_duration(self.seconds)}"
        if self.form == "next":
            return f"next {self.clock:%H:%M} after {self.path}"
        day = f"day of {self.path}" + (f" + {self.days}d" if self.days else "")
        return f"{self.clock or time(0):%H:%M} on the {day}"


def _at(day: date, clock: time, zone: tzinfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def format_duration(seconds: int) -> str:
    out = ""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            out += f"{seconds // size}{unit}"
            seconds %= size
    return out or "0s"


def parse_clock(value: Any) -> time | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 3600:
        # YAML 1.1 reads an unquoted 20:00 as the sexagesimal integer 1200
        return time(value // 60, value % 60) if value < 24 * 60 else None
    if not isinstance(value, str):
        return None
    m = _CLOCK.match(value.strip())
    if not m:
        return None
    return time(int(m.group(1)), int(m.group(2)), int(m.group(3) or 0))


def parse_duration(value: Any) -> int | None:
    if not isinstance(value, str) or not value.strip():
        return None
    m = _DURATION.match(value.strip())
    if not m or not any(m.groups()):
        return None
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return d * 86400 + h * 3600 + mi * 60 + s


MAX_DAYS = 3660  # how far a moment may lie from its fact: ten years
_FORMS = {"day_of": {"day_of", "plus_days", "at"}, "next": {"next", "after"}, "from": {"from", "plus"}}


def parse_moment(r: Reader, value: Any) -> Moment | None:
    """Parse a moment at reader ``r``; on a mistake, add a problem and return None."""
    ok, value = r.deref(value)
    if not ok:
        return None
    if isinstance(value, str):
        path = _time_path(r, value)
        return Moment("fact", path) if path else None
    if not isinstance(value, dict):
        r.error(
            "invalid_moment",
            'expected a time fact (such as opened_at) or a mapping such as {day_of: opened_at, at: "20:00"}',
        )
        return None
    form = next((f for f in ("day_of", "next", "from") if f in value), None)
    if form is None:
        r.error(
            "invalid_moment",
            f"a moment needs one of day_of, next or from (got {', '.join(map(str, value)) or 'nothing'})",
        )
        return None
    for key in value:
        if key not in _FORMS[form]:
            r.at(key).error(
                "unknown_field",
                *suggest(f"unknown field {quoted(key)} in a {form} moment", str(key), _FORMS[form]),
                on_key=True,
            )
            return None
    if form == "day_of":
        path = _time_path(r.at("day_of"), value["day_of"])
        days = _integer(r.at("plus_days"), value.get("plus_days", 0))
        clock = _clock(r.at("at"), value.get("at", "00:00"))
        if path is None or days is None or clock is None:
            return None
        return Moment("day_of", path, days=days, clock=clock)
    if form == "next":
        if "after" not in value:
            r.error("missing_field", "a next moment needs 'after' (for example after: opened_at)")
            return None
        clock = _clock(r.at("next"), value["next"])
        path = _time_path(r.at("after"), value["after"])
        if path is None or clock is None:
            return None
        return Moment("next", path, clock=clock)
    if "plus" not in value:
        r.error("missing_field", "a from moment needs 'plus' (a duration such as 20s, 2h or 7d)")
        return None
    path = _time_path(r.at("from"), value["from"])
    ok, raw = r.at("plus").deref(value["plus"])
    seconds = parse_duration(raw) if ok else None
    if ok and seconds is None:
        r.at("plus").error("invalid_value", f"{quoted(raw)} is not a duration (write 30s, 15m, 2h, 7d or 1d12h)")
    elif seconds is not None and seconds > MAX_DAYS * 86400:
        r.at("plus").error("invalid_value", f"{quoted(raw)} is longer than {MAX_DAYS} days")
        seconds = None
    if path is None or seconds is None:
        return None
    return Moment("from", path, seconds=seconds)


def _time_path(r: Reader, value: Any) -> str | None:
    ok, value = r.deref(value)
    if not ok:
        return None
    fact = r.scope.fact(value) if isinstance(value, str) else None
    if fact is None or fact.type != "time":
        times = [p for p, f in r.scope.facts.items() if f.type == "time"]
        r.error(
            "unknown_fact",
            *suggest(f"{quoted(value)} is not a time fact (one of {', '.join(times)})", value, times),
        )
        return None
    return value


def _integer(r: Reader, value: Any) -> int | None:
    ok, value = r.deref(value)
    if not ok:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not -MAX_DAYS <= value <= MAX_DAYS:
        r.error("invalid_value", f"expected a whole number of days, got {shown(value)}")
        return None
    return value


def _clock(r: Reader, value: Any) -> time | None:
    ok, value = r.deref(value)
    if not ok:
        return None
    clock = parse_clock(value)
    if clock is None:
        r.error("invalid_value", f'expected a clock time such as "20:00", got {shown(value)}')
    return clock
