"""The supervisor's API in front of the real routing core: what it shows, who may change what."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from ivr.api.app import create_app
from ivr.errors import ConfigInvalidError, Problem
from ivr.model.events import CallEnded, CallEnqueued, SeatAnswered, SeatLoggedIn
from ivr.model.facts import CallStarted, NodeEntered, SeatState
from ivr.secret import Secret

from .conftest import SEAT_1001, START, SUPERVISOR, WALLBOARD, Floorplan, auth, build, tokens

BOSS = auth(SUPERVISOR)


async def test_queues_show_waiting_longest_wait_and_no_open_seat(plan: Floorplan) -> None:
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    plan.clock.advance(20)
    response = await plan.client.get("/api/queues/billing", headers=auth(WALLBOARD))
    assert response.status_code == 200
    billing = response.json()
    assert billing["waiting"] == 1
    assert billing["longest_wait_s"] == 20.0
    assert billing["seats_open"] == 0
    assert billing["alarm_level"] == 2
    assert billing["today"]["offered"] == 1


async def test_an_answer_past_the_limit_counts_against_the_service_level(plan: Floorplan) -> None:
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    plan.clock.advance(20)  # past billing's 15 s answer-time limit
    plan.send(SeatLoggedIn(seat_id="1001"))
    plan.send(SeatAnswered(call_id="c1", seat_id="1001"))
    plan.send(CallEnqueued(call_id="c2", queue="billing"))
    plan.send(SeatLoggedIn(seat_id="1002"))
    plan.send(SeatAnswered(call_id="c2", seat_id="1002"))
    billing = (await plan.client.get("/api/queues/billing", headers=BOSS)).json()
    assert billing["waiting"] == 0
    assert billing["seats_open"] == 2
    assert billing["seats_by_state"] == {"on_call": 2, "logged_out": 1}  # 1003: general
    for period in ("today", "interval"):
        assert billing[period]["answered"] == 2
        assert billing[period]["answered_in_limit"] == 1
        assert billing[period]["service_level"] == 0.5
        assert billing[period]["connection_rate"] == 1.0


async def test_a_missing_or_unknown_token_is_401_and_asks_for_a_bearer(plan: Floorplan) -> None:
    missing = await plan.client.get("/api/queues")
    wrong = await plan.client.get("/api/queues", headers=auth("not-a-token-at-all-0000"))
    for response in (missing, wrong):
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.json()["error_id"] == "api-unauthorized"


async def test_a_wallboard_token_may_read_queues_but_not_calls_or_seats(plan: Floorplan) -> None:
    wb = auth(WALLBOARD)
    assert (await plan.client.get("/api/queues", headers=wb)).status_code == 200
    calls = await plan.client.get("/api/calls", headers=wb)
    assert calls.status_code == 403
    assert "read_calls" in calls.json()["message"]
    assert (await plan.client.post("/api/seats/1001/login", headers=wb)).status_code == 403


async def test_logging_a_seat_in_reaches_the_routing_core_and_is_audited(plan: Floorplan) -> None:
    response = await plan.client.post("/api/seats/1001/login", headers=BOSS)
    assert response.status_code == 200
    body = response.json()
    assert body["seat"]["state"] == "available"
    assert body["seat"]["since"] == START
    assert body["audit"]["who"] == "team-leader"
    assert plan.core.seats["1001"].state is SeatState.AVAILABLE
    line = json.loads(plan.audit_path.read_text().splitlines()[-1])
    assert (line["who"], line["action"], line["target"], line["outcome"]) == (
        "team-leader",
        "seat_login",
        "1001",
        "ok",
    )
    assert line["time"] == "2026-09-21T14:13:20.000Z"


async def test_a_seat_pauses_itself_with_a_reason_and_is_ready_again(plan: Floorplan) -> None:
    seat = auth(SEAT_1001)
    assert (await plan.client.post("/api/seats/1001/login", headers=seat)).status_code == 200
    paused = await plan.client.post("/api/seats/1001/pause", headers=seat, json={"reason": "lunch"})
    assert paused.json()["seat"]["state"] == "paused"
    assert paused.json()["seat"]["reason"] == "lunch"
    ready = await plan.client.post("/api/seats/1001/ready", headers=seat)
    assert ready.json()["seat"]["state"] == "available"
    out = await plan.client.post("/api/seats/1001/logout", headers=seat)
    assert out.json()["seat"]["state"] == "logged_out"


async def test_a_log_out_or_pause_of_a_seat_on_a_call_says_it_waits_for_the_call(
    plan: Floorplan,
) -> None:
    seat = auth(SEAT_1001)
    assert (await plan.client.post("/api/seats/1001/login", headers=seat)).status_code == 200
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    plan.send(SeatAnswered(call_id="c1", seat_id="1001"))
    paused = await plan.client.post("/api/seats/1001/pause", headers=seat, json={"reason": "tea"})
    assert paused.status_code == 200
    assert paused.json()["seat"]["state"] == "on_call"
    assert paused.json()["deferred"] == "paused when its call ends"
    out = await plan.client.post("/api/seats/1001/logout", headers=seat)
    assert out.status_code == 200
    assert (out.json()["seat"]["state"], out.json()["deferred"]) == (
        "on_call",
        "logged out when its call and wrap-up end",
    )
    ready = await plan.client.post("/api/seats/1001/ready", headers=seat)
    assert ready.json()["deferred"] is None
    plan.send(CallEnded(call_id="c1", by="seat"))
    # Ready during the call undid both: the seat is not logged out behind the supervisor's back.
    assert plan.core.seats["1001"].state is not SeatState.LOGGED_OUT


async def test_a_seat_token_may_not_act_for_another_seat_and_the_attempt_is_audited(
    plan: Floorplan,
) -> None:
    response = await plan.client.post("/api/seats/1002/login", headers=auth(SEAT_1001))
    assert response.status_code == 403
    assert "its own seat" in response.json()["message"]
    assert plan.core.seats["1002"].state is SeatState.LOGGED_OUT
    entry = plan.audit.recent(1)[0]
    assert (entry.who, entry.target, entry.outcome) == ("li", "1002", "refused")


async def test_a_pause_without_a_reason_is_422_naming_the_field(plan: Floorplan) -> None:
    await plan.client.post("/api/seats/1001/login", headers=BOSS)
    response = await plan.client.post("/api/seats/1001/pause", headers=BOSS, json={})
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == ["body", "reason"]


async def test_pausing_a_logged_out_seat_is_409_with_the_cores_advice(plan: Floorplan) -> None:
    response = await plan.client.post("/api/seats/1001/pause", headers=BOSS, json={"reason": "x"})
    assert response.status_code == 409
    assert "log it in before pausing it" in response.json()["message"]
    assert plan.audit.recent(1)[0].outcome == "failed"


async def test_an_unknown_seat_is_404(plan: Floorplan) -> None:
    response = await plan.client.post("/api/seats/9999/login", headers=BOSS)
    assert response.status_code == 404
    assert response.json()["error_id"] == "api-unknown-seat"


async def test_changed_skills_take_effect_for_the_next_offer(plan: Floorplan) -> None:
    changed = await plan.client.put(
        "/api/seats/1001/skills", headers=BOSS, json={"skills": {"faults": 7}}
    )
    assert changed.status_code == 200
    plan.send(SeatLoggedIn(seat_id="1001"))
    plan.send(CallEnqueued(call_id="c1", queue="faults"))
    call = (await plan.client.get("/api/calls/c1", headers=BOSS)).json()
    assert (call["state"], call["seat_id"]) == ("ringing", "1001")
    faults = (await plan.client.get("/api/queues/faults", headers=BOSS)).json()
    assert faults["seats_by_state"] == {"ringing": 1, "logged_out": 2}


async def test_a_seat_may_not_change_its_own_skills(plan: Floorplan) -> None:
    response = await plan.client.put(
        "/api/seats/1001/skills", headers=auth(SEAT_1001), json={"skills": {"faults": 7}}
    )
    assert response.status_code == 403


async def test_an_unknown_skill_or_a_level_out_of_range_is_422_naming_it(plan: Floorplan) -> None:
    unknown = await plan.client.put(
        "/api/seats/1001/skills", headers=BOSS, json={"skills": {"biling": 5}}
    )
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0]["loc"] == ["body", "skills", "biling"]
    too_high = await plan.client.put(
        "/api/seats/1001/skills", headers=BOSS, json={"skills": {"billing": 11}}
    )
    assert too_high.status_code == 422
    assert too_high.json()["fields"][0]["loc"] == ["body", "skills", "billing"]


async def test_calls_show_menu_node_queue_position_and_never_a_password(plan: Floorplan) -> None:
    plan.hub.observe(
        [
            CallStarted(
                call_id="m1",
                caller="13800000001",
                dnis="10000",
                flow="main",
                flow_version="v1",
                at=START,
            ),
            NodeEntered(call_id="m1", flow="main", node="ask_password", at=START),
        ]
    )
    context = {"account": "A-7", "password": Secret("654321")}
    plan.send(CallEnqueued(call_id="c1", queue="billing", context=context))
    plan.send(CallEnqueued(call_id="c2", queue="billing", context=context))
    plan.send(SeatLoggedIn(seat_id="1001"))  # takes c1: c2 is now first in line
    plan.send(CallEnqueued(call_id="c3", queue="billing"))
    response = await plan.client.get("/api/calls", headers=BOSS)
    calls = {c["call_id"]: c for c in response.json()}
    assert (calls["m1"]["state"], calls["m1"]["node"]) == ("menu", "ask_password")
    assert (calls["c1"]["state"], calls["c1"]["seat_id"]) == ("ringing", "1001")
    assert calls["c1"]["context"]["account"] == "A-7"
    assert (calls["c2"]["queue"], calls["c2"]["position"]) == ("billing", 1)
    assert calls["c3"]["position"] == 2
    assert "654321" not in response.text


async def test_a_supervisor_transfer_sends_the_call_on_with_top_priority(plan: Floorplan) -> None:
    plan.send(SeatLoggedIn(seat_id="1001"))
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    plan.send(SeatAnswered(call_id="c1", seat_id="1001"))
    plan.send(CallEnqueued(call_id="c2", queue="faults"))  # already waiting in faults
    response = await plan.client.post(
        "/api/calls/c1/transfer", headers=BOSS, json={"queue": "faults", "note": "line down"}
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["call"]["queue"], body["call"]["position"]) == ("faults", 1)
    assert body["audit"]["action"] == "call_transfer"
    await plan.client.post("/api/seats/1002/login", headers=BOSS)
    assert plan.hub.floor.calls["c1"].seat_id == "1002"


async def test_a_transfer_names_exactly_one_known_target(plan: Floorplan) -> None:
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    both = await plan.client.post(
        "/api/calls/c1/transfer", headers=BOSS, json={"queue": "faults", "seat_id": "1002"}
    )
    assert both.status_code == 422
    unknown = await plan.client.post("/api/calls/c1/transfer", headers=BOSS, json={"queue": "x"})
    assert unknown.status_code == 422
    assert unknown.json()["fields"][0]["loc"] == ["body", "queue"]
    gone = await plan.client.post("/api/calls/zz/transfer", headers=BOSS, json={"queue": "faults"})
    assert gone.status_code == 404


async def test_a_broken_flow_file_is_refused_and_the_running_version_stays(
    tmp_path: Path,
) -> None:
    versions = ["v1"]
    broken = True

    async def reload() -> str:
        if broken:
            problem = Problem(
                file="flows/main.yaml",
                line=12,
                column=5,
                field="nodes.menu.next",
                message="no node 'mnu'",
            )
            raise ConfigInvalidError([problem])
        versions.append("v2")
        return versions[-1]

    _clock, _core, hub, control, audit, _ = build(tmp_path, reload=reload)
    app = create_app(hub=hub, control=control, tokens=tokens(), audit=audit)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ivr.test") as client:
        refused = await client.post("/api/flows/reload", headers=BOSS)
        assert refused.status_code == 422
        problems = refused.json()["problems"]
        assert problems == ["flows/main.yaml:12:5: nodes.menu.next: no node 'mnu'"]
        assert versions == ["v1"]
        broken = False
        accepted = await client.post("/api/flows/reload", headers=BOSS)
        assert accepted.json()["version"] == "v2"
    actions = [(e.action, e.outcome) for e in audit.recent()]
    assert actions == [("flows_reload", "ok"), ("flows_reload", "failed")]


async def test_the_audit_log_is_for_supervisors(plan: Floorplan) -> None:
    await plan.client.post("/api/seats/1001/login", headers=auth(SEAT_1001))
    assert (await plan.client.get("/api/audit", headers=auth(SEAT_1001))).status_code == 403
    entries = (await plan.client.get("/api/audit", headers=BOSS)).json()
    assert [(e["who"], e["action"]) for e in entries] == [("li", "seat_login")]


async def test_metrics_count_calls_per_queue_and_read_the_floor(plan: Floorplan) -> None:
    plan.send(CallEnqueued(call_id="c1", queue="billing"))
    plan.send(CallEnqueued(call_id="c2", queue="billing"))
    plan.send(SeatLoggedIn(seat_id="1001"))
    plan.send(SeatAnswered(call_id="c1", seat_id="1001"))
    text = (await plan.client.get("/metrics")).text
    assert 'ivr_calls_offered_total{queue="billing"} 2.0' in text
    assert 'ivr_calls_answered_total{queue="billing"} 1.0' in text
    assert 'ivr_queue_waiting{queue="billing"} 1.0' in text
    assert 'ivr_seats{state="on_call"} 1.0' in text
    assert 'ivr_event_handling_seconds_count{event="CallEnqueued"} 2.0' in text
    assert "ivr_ami_reconnects_total 0.0" in text
    assert "ivr_db_buffer_depth 0.0" in text


async def test_the_openapi_document_lists_every_endpoint_with_bearer_auth(plan: Floorplan) -> None:
    doc = (await plan.client.get("/openapi.json")).json()
    assert doc["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert {
        "/api/queues",
        "/api/queues/{name}",
        "/api/seats",
        "/api/seats/{seat_id}/pause",
        "/api/seats/{seat_id}/skills",
        "/api/calls",
        "/api/calls/{call_id}/transfer",
        "/api/flows/reload",
        "/api/events",
        "/api/audit",
        "/metrics",
    } <= set(doc["paths"])
    pause = doc["paths"]["/api/seats/{seat_id}/pause"]["post"]
    assert {"401", "403", "404", "409", "422"} <= set(pause["responses"])


async def test_the_centre_shows_everyone_waiting_and_its_own_alarm(plan: Floorplan) -> None:
    plan.send(SeatLoggedIn(seat_id="1003"))
    for i in range(4):
        plan.send(CallEnqueued(call_id=f"c{i}", queue="billing" if i % 2 else "faults"))
    centre = (await plan.client.get("/api/centre", headers=auth(WALLBOARD))).json()
    assert centre["waiting"] == 4  # one of them rings 1003, the general seat
    assert centre["alarm_level"] == 2  # 4 callers against 1 open seat: past 3.5 ×
    assert centre["seats_by_state"] == {"logged_out": 2, "ringing": 1}
    assert centre["today"]["offered"] == 4


async def test_healthz_is_503_naming_the_part_that_fails(plan: Floorplan) -> None:
    from ivr.ami.connection import LinkState

    link = LinkState(up=True)
    plan.hub.health.watch(link=lambda: link)
    ok = await plan.client.get("/healthz")  # no token: a load balancer asks it
    assert ok.status_code == 200 and ok.json()["ami"]["up"] is True
    link.went(up=False)
    failing = await plan.client.get("/healthz")
    assert failing.status_code == 503
    assert failing.json()["status"] == "failing"
    assert failing.json()["problems"][0].startswith("ami: not logged in to Asterisk")
