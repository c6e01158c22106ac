"""Render a plan into rows: draw each case's attributes from the plan's urns, pick its dates,
and stream the case with its reasons, actions, payments, escalation and Ombudsman record.
The contract's optional fields come from `extras.Extras`, which never draws from `self.rng`."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from demo.generator.allocation import TokenUrn, Urn
from demo.generator.dates import (
    CORPORATE,
    EXTRACT,
    DateSampler,
    Timescale,
    choose_timescale,
    response_bounds,
)
from demo.generator.extras import Extras
from demo.generator.model import (
    NOT_SENT,
    ON_TIME,
    REPORT_YEAR,
    ChildSpec,
    LogEntry,
    Plan,
    outcome_class,
    parent_class,
)
from demo.generator.names import (
    ACTIONS,
    COMPLIMENT_COMMENT_SERVICES,
    NO_SERVICE,
    NOT_RECORDED,
    OTHER_CHANNELS,
    OTHER_FEEDBACK_UNITS,
    RESTRUCTURE_2023,
    procedure_for,
    recorded_directorate,
    recorded_service,
)
from demo.generator.workdays import FY, OPEN, WorkingCalendar, fy_of, iso, year_gap
from demo.generator.writers import DeliveryWriter

RESPONSES = ("upheld", "partly_upheld", "not_upheld", "resolved_upon_receipt")
PREFIX = {
    "complaint": "CMP",
    "comment": "CMT",
    "compliment": "CPL",
    "enquiry": "ENQ",
    "member_enquiry": "MEM",
    "representation": "REP",
    "informal_concern": "INF",
    "sen_enquiry": "SEN",
}
Progress = Callable[[str], None]
NO_EXTRAS = ("",) * 5  # complainant key, area, not accepted reason, reclassified, reopened
OTHER_CHANNEL_NAMES = [c for c, _w in OTHER_CHANNELS]
OTHER_CHANNEL_WEIGHTS = list(itertools.accumulate(w for _c, w in OTHER_CHANNELS))
UNIT_WEIGHTS = {
    kind: list(itertools.accumulate(u[2] for u in units))
    for kind, units in OTHER_FEEDBACK_UNITS.items()
}


@dataclass
class Draft:
    """A complaint record being assembled."""

    stage: int
    directorate: str
    received_year: str
    closed_year: str
    outcome: str
    service: str
    procedure: str
    channel: str = ""
    reasons: tuple[str, ...] = ()
    token: str | None = None  # ON_TIME or a delay reason (NOT_RECORDED: late, none given)
    timescale: Timescale = CORPORATE
    link: LogEntry | None = None
    payment: tuple[str, int] | None = None
    actions: list[str] = field(default_factory=list)
    case_ref: str = ""
    parent_ref: str = ""
    received: int = 0
    closed: int | None = None
    complainant_key: str = ""

    @property
    def is_response(self) -> bool:
        return self.closed_year != OPEN and self.outcome in RESPONSES

    @property
    def gap(self) -> int:
        return year_gap(self.received_year, self.closed_year) if self.closed_year != OPEN else 0


class Renderer:
    def __init__(
        self,
        plan: Plan,
        seed: int,
        out: DeliveryWriter,
        calendar: WorkingCalendar,
        progress: Progress | None = None,
    ) -> None:
        self.plan = plan
        self.out = out
        self.rng = random.Random(f"{seed}:render")
        self.dates = DateSampler(calendar)
        self.cal = calendar
        self.progress = progress
        self.serial: Counter[str] = Counter()
        self.payment_serial = 0
        self.rows_written = 0
        self.extras = Extras(seed, plan, self.dates)
        self._build_urns()

    # -- urns from the plan

    def _build_urns(self) -> None:
        p, rng = self.plan, random.Random(self.rng.random())
        self.service_urn = {k: Urn(v) for k, v in p.services.items()}
        self.reason_urn = {y: Urn(v) for y, v in p.reason_sets.items()}
        self.upheld_s1 = {k: Urn(v) for k, v in p.upheld_reasons_s1.items()}
        self.upheld_s2 = {d: Urn(v) for d, v in p.upheld_reasons_s2.items()}
        self.channel_urn = {k: Urn(v) for k, v in p.channels.items()}
        self.lateness_urn = {k: Urn(v) for k, v in p.lateness.items()}
        self.action_urn = {
            (c, s, cls, a): Urn({True: k, False: self._stratum_size(c, s, cls) - k})
            for (c, s, cls), counts in p.actions.items()
            for a, k in counts.items()
        }
        responses: Counter[tuple[str, int, str, str]] = Counter()
        for (s, d, _r, c, o), n in p.complaint_cells.items():
            if c != OPEN and o in RESPONSES:
                responses[(d, s, c, parent_class(o))] += n
        self.escalation_urn = {
            (d, c, cls): TokenUrn(p.children.get((d, c, cls), []), responses[(d, 1, c, cls)], rng)
            for (d, s, c, cls) in sorted(responses)
            if s == 1
        }
        self.payment_urn = {
            (d, y): TokenUrn(payments, responses[(d, 1, y, "up")], rng)
            for (d, y), payments in sorted(p.local_payments.items())
        }
        linked: dict[tuple[str, int, str], list[LogEntry]] = {}
        for entry in p.lgsco_entries:
            if entry.link:
                linked.setdefault(entry.link, []).append(entry)
        self.link_urn = {
            (d, s, c): TokenUrn(
                linked.get((d, s, c), []),
                responses[(d, s, c, "up")] + responses[(d, s, c, "other")],
                rng,
            )
            for (d, s, c, _cls) in sorted(responses)
        }

    def _stratum_size(self, year: str, stage: int, cls: str) -> int:
        return sum(
            n
            for (s, _d, _r, c, o), n in self.plan.complaint_cells.items()
            if s == stage and c == year and o in RESPONSES and outcome_class(o) == cls
        )

    def check_all_drawn(self) -> None:
        """Every urn must be empty: otherwise a target was not met (a bug, not bad luck)."""
        left = {}
        groups = {
            "service": self.service_urn,
            "reasons": self.reason_urn,
            "upheld_s1": self.upheld_s1,
            "upheld_s2": self.upheld_s2,
            "channel": self.channel_urn,
            "lateness": self.lateness_urn,
            "actions": self.action_urn,
            "escalation": self.escalation_urn,
            "payments": self.payment_urn,
            "lgsco_link": self.link_urn,
        }
        for name, urns in groups.items():
            for key, urn in urns.items():
                if urn.total:
                    left[(name, key)] = urn.total
        if left:
            raise RuntimeError(f"planned attributes not used: {dict(list(left.items())[:10])}")

    # -- running

    def run(self) -> None:
        self._say("complaints")
        for key, n in sorted(self.plan.complaint_cells.items()):
            if key[0] == 1:
                for _ in range(n):
                    self._stage1(*key[1:])
        for (_s, d, r, c, o), n in sorted(self.plan.bypassed_cells.items()):
            for _ in range(n):
                service = self._any_service(d, r)
                child = self._draft(2, d, r, c, o, service, procedure_for(service, self.rng))
                self._place(child, (FY[r].start, FY[r].end), None)
                self._write_complaint(child)
        self._say("comments and compliments")
        for (kind, d, r, c), n in sorted(self.plan.feedback_cells.items()):
            for _ in range(n):
                self._feedback(kind, d, r, c)
        self._say("enquiries and other feedback")
        for (y, kind), n in sorted(self.plan.other_received.items()):
            for _ in range(n):
                self._other(kind, y)
        for entry in self.plan.lgsco_entries:
            if not entry.link:
                self._write_log(entry, None)
        for y, outcome in self.plan.member_conduct:
            self.serial[f"MC{y}"] += 1
            received = self.dates.received_in(self.rng, y)
            ref = f"MCC-{y[:4]}-{self.serial[f'MC{y}']:03d}"
            self.out.write("member_conduct_complaints", [ref, iso(received), outcome])
        self.check_all_drawn()
        self._say("contacts not accepted as complaints")
        for row in self.extras.not_accepted_rows():  # last: no earlier row moves
            self.out.write("cases", row)
            self._tick()
        self._say("done")

    def _say(self, what: str) -> None:
        if self.progress:
            self.progress(f"{what} ({sum(self.out.counts.values()):,} rows so far)")

    def _tick(self) -> None:
        self.rows_written += 1
        if self.progress and self.rows_written % 500_000 == 0:
            self.progress(f"{self.rows_written:,} cases written")

    # -- complaints

    def _stage1(self, d: str, r: str, c: str, o: str) -> None:
        rng = self.rng
        service = self.service_urn[(d, r)].draw(rng)
        parent = self._draft(1, d, r, c, o, service, procedure_for(service, rng))
        spec: ChildSpec | None = None
        if parent.is_response:
            spec = self.escalation_urn[(d, c, parent_class(o))].draw(rng)
        child = None
        if spec:
            child = self._draft(
                2, d, spec.received_year, spec.closed_year, spec.outcome, service, parent.procedure
            )
        window = (FY[r].start, FY[r].end)
        for _attempt in range(60):
            closed_before = self._room_for_child(child, c) if child else None
            self._place(parent, window, closed_before)
            if child is None:
                break
            assert parent.closed is not None
            lo = max(FY[child.received_year].start, parent.closed + 1)
            narrow = (lo, min(FY[child.received_year].end, max(parent.closed + 90, lo + 60)))
            wide = (lo, FY[child.received_year].end)
            if self._place(child, narrow, None, required=False) or self._place(
                child, wide, None, required=False
            ):
                break
        else:
            raise RuntimeError(f"cannot date stage 2 {spec} after its stage 1 in {c}")
        self._write_complaint(parent)
        if child:
            child.parent_ref = parent.case_ref
            child.complainant_key = parent.complainant_key
            self._write_complaint(child)

    def _room_for_child(self, child: Draft, parent_closed_year: str) -> int | None:
        """The last day the parent may close so that the child still fits after it."""
        if child.received_year != parent_closed_year:
            return None
        if child.closed_year == OPEN or child.closed_year != child.received_year:
            return FY[child.received_year].end - 2
        wd_lo = response_bounds(child.outcome, child.token == ON_TIME, child.timescale, 0)[0]
        end = min(FY[child.closed_year].end, EXTRACT)
        return self.cal.last_day_with_index(self.cal.index(end) - wd_lo) - 2

    def _draft(
        self, stage: int, d: str, r: str, c: str, o: str, service: str, procedure: str
    ) -> Draft:
        rng = self.rng
        draft = Draft(stage, d, r, c, o, service, procedure)
        draft.channel = self.channel_urn[(r, f"complaint_{stage}")].draw(rng)
        draft.timescale = choose_timescale(rng, procedure, stage)
        if stage == 1:
            if c == REPORT_YEAR and o == "upheld":
                draft.reasons = (self.upheld_s1[(d, r)].draw(rng),)
            else:
                draft.reasons = self.reason_urn[r].draw(rng)
        elif c == REPORT_YEAR and o == "upheld":
            draft.reasons = (self.upheld_s2[d].draw(rng),)
        else:
            weights = self.plan.stage2_reasons
            draft.reasons = (rng.choices(list(weights), list(weights.values()))[0],)
        if draft.is_response:
            cls = outcome_class(o)
            if o == "resolved_upon_receipt":
                draft.token = ON_TIME
            else:
                draft.token = self.lateness_urn[(d, c, min(2, draft.gap))].draw(rng)
            draft.link = self.link_urn[(d, stage, c)].draw(rng)
            draft.actions = [a for a in ACTIONS if self.action_urn[(c, stage, cls, a)].draw(rng)]
            if stage == 1 and cls == "up" and (d, c) in self.payment_urn:
                draft.payment = self.payment_urn[(d, c)].draw(rng)
        return draft

    def _place(
        self,
        draft: Draft,
        window: tuple[int, int],
        closed_before: int | None,
        required: bool = True,
    ) -> bool:
        rng = self.rng
        if draft.closed_year == OPEN:
            if window[0] > min(window[1], EXTRACT):
                if required:
                    raise RuntimeError(f"no room to receive {draft}")
                return False
            draft.received = self.dates.day_in(rng, window[0], min(window[1], EXTRACT))
            draft.closed = None
            return True
        bounds = response_bounds(draft.outcome, draft.token == ON_TIME, draft.timescale, draft.gap)
        got = self.dates.span(rng, window, draft.closed_year, bounds, closed_before)
        if got is None and draft.outcome == "withdrawn":
            got = self.dates.span(rng, window, draft.closed_year, (0, 2000, "any"), closed_before)
        if got is None:
            if required:
                raise RuntimeError(f"cannot date {draft} in {window} before {closed_before}")
            return False
        draft.received, draft.closed = got
        return True

    def _ref(self, kind: str, year: str, stage: int = 1) -> str:
        prefix = PREFIX[kind] + ("2" if stage == 2 else "")
        self.serial[prefix + year] += 1
        return f"{prefix}-{year[:4]}-{self.serial[prefix + year]:07d}"

    def _write_complaint(self, draft: Draft) -> None:
        rng = self.rng
        draft.case_ref = draft.case_ref or self._ref("complaint", draft.received_year, draft.stage)
        received, closed = draft.received, draft.closed
        status = (
            "open" if closed is None else "withdrawn" if draft.outcome == "withdrawn" else "closed"
        )
        outcome = draft.outcome if status == "closed" else ""
        delay = ""
        if status == "closed" and draft.token not in (None, ON_TIME, NOT_RECORDED):
            delay = draft.token
        ts = draft.timescale
        extended = self.dates.due(received, ts.effective) if ts.extended else None
        if extended is not None and closed is None and rng.random() < 0.5:
            extended = None  # an extension is agreed only when one is needed
        last = closed if closed is not None else min(EXTRACT, received + rng.randint(0, 20))
        entry = draft.link
        lgsco_ref = ""
        if entry and closed is not None:
            told, decided = self._log_dates(entry, closed)
            lgsco_ref = entry.lgsco_ref
            last = max(last, told)
            self._write_log(entry, draft.case_ref, told, decided, closed)
        ack = self.dates.acknowledged(rng, received, closed)
        extras = self.extras
        if not draft.complainant_key:
            draft.complainant_key = (
                extras.stage1_key(draft.case_ref, draft.directorate, draft.service, received)
                if draft.stage == 1
                else extras.new_key(draft.case_ref)  # stage 2 with no stage 1
            )
        reopened = ""
        if draft.stage == 1 and status == "closed":
            assert closed is not None
            reopened = extras.reopened(draft.case_ref, closed)
        self.out.write(
            "cases",
            [
                draft.case_ref,
                draft.parent_ref,
                "complaint",
                draft.stage,
                draft.procedure,
                recorded_directorate(draft.directorate, received, rng),
                recorded_service(draft.service, received, rng),
                "" if draft.channel == "not_recorded" else draft.channel,
                iso(received),
                iso(ack) if ack else "",
                iso(self.dates.due(received, ts.standard)),
                iso(extended) if extended else "",
                iso(closed) if closed is not None else "",
                status,
                outcome,
                draft.reasons[0] if draft.reasons else "",
                delay,
                lgsco_ref,
                _timestamp(rng, last),
                draft.complainant_key,
                extras.area_code(draft.case_ref, draft.complainant_key),
                "",
                "",
                reopened,
            ],
        )
        self._tick()
        if draft.stage == 1:
            profile = extras.profile_row(draft.case_ref, draft.complainant_key)
            if profile:
                self.out.write("complainant_profile", profile)
        for i, reason in enumerate(draft.reasons):
            self.out.write("case_reasons", [draft.case_ref, reason, "true" if i == 0 else "false"])
        if status == "closed":
            assert closed is not None
            paid = None
            if draft.payment:  # drawn before the actions are written; the same draws as ever
                paid = min(closed + rng.randint(0, 45), FY[draft.closed_year].end, EXTRACT)
            for action in draft.actions:
                due, completed = extras.action_dates(draft.case_ref, action, closed, paid)
                self.out.write(
                    "case_actions", [draft.case_ref, action, iso(closed), due, completed]
                )
            if draft.payment:
                assert paid is not None
                reason, pence = draft.payment
                self._write_payment(draft.case_ref, reason, pence, paid, False)

    # -- the Ombudsman log and money

    def _log_dates(self, entry: LogEntry, case_closed: int) -> tuple[int, int]:
        fy = FY[entry.decision_year]
        end = min(fy.end, EXTRACT)
        decided = self.rng.randint(max(fy.start, min(case_closed + 40, end)), end)
        told = self.rng.randint(min(case_closed + 7, decided), max(case_closed + 7, decided - 7))
        return min(told, decided), decided

    def _write_log(
        self,
        entry: LogEntry,
        case_ref: str | None,
        told: int | None = None,
        decided: int | None = None,
        case_closed: int | None = None,
    ) -> None:
        rng = self.rng
        if decided is None or told is None:
            fy = FY[entry.decision_year]
            decided = rng.randint(fy.start, min(fy.end, EXTRACT))
            told = decided if entry.service == NOT_SENT else decided - rng.randint(20, 200)
        remedy = sum(p for _r, p in entry.payments)
        self.out.write(
            "ombudsman_cases",
            [
                entry.lgsco_ref,
                case_ref or "",
                recorded_directorate(entry.directorate, decided, rng),
                entry.service,
                iso(told),
                iso(decided),
                entry.council_outcome,
                f"{remedy // 100}.{remedy % 100:02d}" if remedy else "",
            ],
        )
        if case_ref:
            end = min(FY[entry.decision_year].end, EXTRACT)
            for reason, pence in entry.payments:
                paid = min(decided + rng.randint(7, 60), end)
                self._write_payment(case_ref, reason, pence, paid, True)

    def _write_payment(
        self, case_ref: str, reason: str, pence: int, paid: int, lgsco: bool
    ) -> None:
        self.payment_serial += 1
        self.out.write(
            "case_payments",
            [
                f"PAY-{self.payment_serial:07d}",
                case_ref,
                f"{pence // 100}.{pence % 100:02d}",
                reason,
                iso(paid),
                "true" if lgsco else "false",
            ],
        )

    # -- other feedback

    def _any_service(self, d: str, year: str) -> str:
        services = self.plan.services[(d, year)]
        names = [s for s in services if s != NO_SERVICE] or [NO_SERVICE]
        return self.rng.choices(names, [services.get(s, 1) or 1 for s in names])[0]

    def _feedback(self, kind: str, d: str, r: str, c: str) -> None:
        rng = self.rng
        choices = COMPLIMENT_COMMENT_SERVICES[d]
        if r < "2023/24":
            choices = tuple(x for x in choices if x[0] != "Waste")
        service = rng.choices([s for s, _w in choices], [w for _s, w in choices])[0]
        channel = self.channel_urn[(r, kind)].draw(rng)
        window = (FY[r].start, FY[r].end)
        if c == OPEN:
            received, closed = self.dates.day_in(rng, window[0], min(window[1], EXTRACT)), None
        else:
            span = self.dates.span(rng, window, c, (0, 10 if r == c else 260, "quick"))
            if span is None:
                raise RuntimeError(f"cannot date a {kind} received {r} closed {c}")
            received, closed = span
        self._write_simple(kind, d, service, channel, received, closed)

    def _other(self, kind: str, year: str) -> None:
        rng = self.rng
        units = OTHER_FEEDBACK_UNITS[kind]
        d, service, _w = rng.choices(units, cum_weights=UNIT_WEIGHTS[kind])[0]
        if kind == "informal_concern":
            channel = self.channel_urn[(year, kind)].draw(rng)
        else:
            channel = rng.choices(OTHER_CHANNEL_NAMES, cum_weights=OTHER_CHANNEL_WEIGHTS)[0]
        received = self.dates.received_in(rng, year)
        answered = self.cal.add(received, int(rng.expovariate(1 / 4)) + 1)
        closed = answered if answered <= EXTRACT else None
        self._write_simple(kind, d, service, channel, received, closed)

    def _write_simple(
        self, kind: str, d: str, service: str, channel: str, received: int, closed: int | None
    ) -> None:
        rng = self.rng
        year = fy_of(received)
        if kind == "sen_enquiry" and received < RESTRUCTURE_2023:
            service = "Education"
        ack = self.dates.acknowledged(rng, received, closed) if kind != "compliment" else None
        last = closed if closed is not None else min(EXTRACT, received + rng.randint(0, 10))
        self.out.write(
            "cases",
            [
                self._ref(kind, year),
                "",
                kind,
                "",
                "",
                recorded_directorate(d, received, rng),
                recorded_service(service, received, rng),
                "" if channel == "not_recorded" else channel,
                iso(received),
                iso(ack) if ack else "",
                "",
                "",
                iso(closed) if closed is not None else "",
                "closed" if closed is not None else "open",
                "",
                "",
                "",
                "",
                _timestamp(rng, last),
                *NO_EXTRAS,
            ],
        )
        self._tick()


def _timestamp(rng: random.Random, ordinal: int) -> str:
    seconds = rng.randint(8 * 3600, 18 * 3600)
    return f"{iso(ordinal)} {seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
