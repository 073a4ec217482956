"""ElaadNL's openadr3-client (PyPI), unchanged, against a live Curtail as its VTN (OpenADR 3.0.1).

Usage: python openadr_client_check.py API_BASE CLIENT_ID CLIENT_SECRET CA_CERTIFICATE [-v]
Prints one PASS/FAIL line per check and exits non-zero when any fails.
"""

import sys
from pathlib import Path
import traceback
from datetime import UTC, datetime, timedelta

from openadr3_client.bl.http_factory import BusinessLogicHttpClientFactory
from openadr3_client.oadr301._vtn.interfaces.filters import PaginationFilter
from openadr3_client.oadr301.models.event.event import EventUpdate, NewEvent
from openadr3_client.oadr301.models.event.event_payload import EventPayload, EventPayloadDescriptor, EventPayloadType
from openadr3_client.oadr301.models.program.program import IntervalPeriod, NewProgram, ProgramUpdate
from openadr3_client.oadr301.models.report.report import NewReport, ReportResource
from openadr3_client.oadr301.models.report.report_payload import ReportPayload, ReportPayloadType
from openadr3_client.oadr301.models.subscriptions.subscription import NewSubscription, Object, ObjectOperation, Operation
from openadr3_client.oadr301.models.target import Target
from openadr3_client.oadr301.models.ven.resource import NewResource
from openadr3_client.oadr301.models.ven.ven import NewVen
from openadr3_client._models.common.interval import Interval
from openadr3_client.ven.http_factory import VirtualEndNodeHttpClientFactory
from openadr3_client.version import OADRVersion

base, client_id, client_secret, ca = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
vtn = f"{base}/openadr3/3.0.1"
token_url = f"{vtn}/auth/token"
results = []


def check(name, body):
    try:
        detail = body()
        results.append(True)
        print(f"PASS  {name}" + (f"  ({detail})" if detail else ""))
        return True
    except Exception as error:  # noqa: BLE001 - every failure is reported, the run goes on
        results.append(False)
        response = getattr(error, "response", None)
        extra = f" -> HTTP {response.status_code} {response.text[:300]}" if response is not None else ""
        print(f"FAIL  {name}: {type(error).__name__}: {str(error)[:400]}{extra}")
        if "-v" in sys.argv:
            traceback.print_exc()
        return False


bl = BusinessLogicHttpClientFactory.create_http_bl_client(
    vtn_base_url=vtn, client_id=client_id, client_secret=client_secret, token_url=token_url,
    scopes=["read_all", "write_programs", "write_events"], verify_vtn_tls_certificate=ca, version=OADRVersion.OADR_301)
ven = VirtualEndNodeHttpClientFactory.create_http_ven_client(
    vtn_base_url=vtn, client_id=client_id, client_secret=client_secret, token_url=token_url,
    scopes=["read_all", "write_reports", "write_subscriptions", "write_vens"], verify_vtn_tls_certificate=ca, version=OADRVersion.OADR_301)

state = {}
start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)


def create_program():
    program = NewProgram(
        program_name=f"openadr3-client-check-{int(datetime.now().timestamp())}",
        program_long_name="Created by ElaadNL's openadr3-client",
        interval_period=IntervalPeriod(start=start, duration=timedelta(minutes=15)),
        payload_descriptors=(EventPayloadDescriptor(payload_type=EventPayloadType.SIMPLE),),
        targets=(Target(type="GROUP", values=("client-check",)),),
    )
    created = bl.programs.create_program(new_program=program)
    state["program"] = created
    return f"id {created.id}"


def create_event():
    event = NewEvent(
        programID=state["program"].id,
        event_name="client-check-shed",
        priority=10,
        targets=(Target(type="GROUP", values=("client-check",)),),
        payload_descriptors=(EventPayloadDescriptor(payload_type=EventPayloadType.SIMPLE),),
        interval_period=IntervalPeriod(start=start, duration=timedelta(minutes=15)),
        intervals=(
            Interval(id=0, interval_period=None, payloads=(EventPayload(type=EventPayloadType.SIMPLE, values=(1,)),)),
            Interval(id=1, interval_period=None, payloads=(EventPayload(type=EventPayloadType.SIMPLE, values=(2,)),)),
        ),
    )
    created = bl.events.create_event(new_event=event)
    state["event"] = created
    assert len(created.intervals) == 2, created.intervals
    return f"id {created.id}"


def list_programs():
    programs = bl.programs.get_programs(target=None, pagination=PaginationFilter(skip=0, limit=50))
    assert any(p.id == state["program"].id for p in programs), [p.id for p in programs]
    return f"{len(programs)} listed"


def read_program():
    program = bl.programs.get_program_by_id(state["program"].id)
    assert program.program_name == state["program"].program_name
    return None


def update_program():
    updated = bl.programs.update_program_by_id(
        state["program"].id, state["program"].update(ProgramUpdate(program_long_name="Updated by openadr3-client")))
    assert updated.program_long_name == "Updated by openadr3-client", updated.program_long_name
    return None


def list_events():
    events = bl.events.get_events(target=None, pagination=None, program_id=state["program"].id)
    assert [e.id for e in events] == [state["event"].id], [e.id for e in events]
    return f"{len(events)} in the program"


def read_event():
    event = bl.events.get_event_by_id(state["event"].id)
    assert event.program_id == state["program"].id and event.intervals[1].payloads[0].values == (2,)
    assert event.interval_period.start == start, event.interval_period
    return None


def update_event():
    updated = bl.events.update_event_by_id(
        state["event"].id, state["event"].update(EventUpdate(event_name="client-check-shed-updated", priority=5)))
    assert updated.event_name == "client-check-shed-updated" and updated.priority == 5
    return None


def ven_reads_events():
    events = ven.events.get_events(target=None, pagination=None, program_id=state["program"].id)
    assert len(events) == 1
    return None


def create_subscription():
    subscription = NewSubscription(
        client_name="openadr3-client-check",
        programID=state["program"].id,
        object_operations=(
            ObjectOperation(
                objects=(Object.EVENT, Object.PROGRAM), operations=(Operation.POST, Operation.PUT, Operation.DELETE),
                callback_url="https://ven.example.net/openadr/callbacks", bearer_token="client-check-callback-token"),
        ),
    )
    created = ven.subscriptions.create_subscription(new_subscription=subscription)
    state["subscription"] = created
    return f"id {created.id}"


def list_subscriptions():
    subscriptions = ven.subscriptions.get_subscriptions(
        pagination=None, program_id=state["program"].id, client_name=None, target=None, objects=None)
    assert [s.id for s in subscriptions] == [state["subscription"].id], [s.id for s in subscriptions]
    one = ven.subscriptions.get_subscription_by_id(state["subscription"].id)
    assert str(one.object_operations[0].callback_url) == "https://ven.example.net/openadr/callbacks"
    return None


def create_report():
    report = NewReport(
        programID=state["program"].id,
        eventID=state["event"].id,
        client_name="openadr3-client-check",
        report_name="client-check-usage",
        resources=(
            ReportResource(
                resource_name="client-check-resource",
                interval_period=IntervalPeriod(start=start, duration=timedelta(minutes=15)),
                intervals=(
                    Interval(id=0, interval_period=None,
                             payloads=(ReportPayload(type=ReportPayloadType.USAGE, values=(4.2,)),)),
                ),
            ),
        ),
    )
    created = ven.reports.create_report(new_report=report)
    state["report"] = created
    return f"id {created.id}"


def read_reports():
    reports = bl.reports.get_reports(
        pagination=None, program_id=state["program"].id, event_id=state["event"].id, client_name=None)
    assert [r.id for r in reports] == [state["report"].id], [r.id for r in reports]
    one = bl.reports.get_report_by_id(state["report"].id)
    assert one.resources[0].intervals[0].payloads[0].values == (4.2,)
    return None


def register_ven():
    ven_object = ven.vens.create_ven(new_ven=NewVen(ven_name=f"client-check-ven-{int(datetime.now().timestamp())}"))
    state["ven"] = ven_object
    listed = ven.vens.get_vens(ven_name=ven_object.ven_name, target=None, pagination=None)
    assert [v.id for v in listed] == [ven_object.id], [v.id for v in listed]
    resource = ven.vens.create_ven_resource(
        ven_object.id, NewResource(resource_name="client-check-charger", venID=ven_object.id))
    resources = ven.vens.get_ven_resources(ven_object.id, resource_name=None, target=None, pagination=None)
    assert [r.id for r in resources] == [resource.id], [r.id for r in resources]
    return f"ven {ven_object.id}, resource {resource.id}"


def delete_all():
    ven.vens.delete_ven_by_id(state["ven"].id)
    ven.subscriptions.delete_subscription_by_id(state["subscription"].id)
    deleted = bl.events.delete_event_by_id(state["event"].id)
    assert deleted.id == state["event"].id
    bl.programs.delete_program_by_id(state["program"].id)
    return None


steps = [
    ("BL: create program", create_program),
    ("BL: create event", create_event),
    ("BL: list programs", list_programs),
    ("BL: read program", read_program),
    ("BL: update program", update_program),
    ("BL: list events by program", list_events),
    ("BL: read event", read_event),
    ("BL: update event", update_event),
    ("VEN: list events", ven_reads_events),
    ("VEN: create subscription", create_subscription),
    ("VEN: list and read subscriptions", list_subscriptions),
    ("VEN: create report", create_report),
    ("BL: list and read reports", read_reports),
    ("VEN: register a VEN and a resource, list them", register_ven),
    ("BL/VEN: delete VEN, subscription, event, program", delete_all),
]
for name, body in steps:
    check(name, body)

passed, failed = results.count(True), results.count(False)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
