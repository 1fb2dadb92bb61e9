"""Quality on Demand v1 through the gateway, on a Tollgate whose network notifies an
HTTPS test sink (a self-signed certificate the network trusts through
network.notifications.ca_file). Sessions really expire on the wall clock; every answer
and every CloudEvent is validated against quality-on-demand.yaml."""
import time

import pytest

from conftest import Tollgate
from network_support import Api, HttpsSink, client_for, error_of, validate_schema

SCOPES = ["quality-on-demand:sessions:create", "quality-on-demand:sessions:read",
          "quality-on-demand:sessions:delete", "quality-on-demand:sessions:update",
          "quality-on-demand:sessions:retrieve-by-device"]
SINK_TOKEN = "sink-token-8e1f"


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qod")
    sink = HttpsSink(tmp)
    extra = ("  notifications:\n"
             "    allow_private_sinks: true\n"
             f"    ca_file: {sink.cert}\n"
             "    first_retry_ms: 100\n")
    t = Tollgate(tmp, extra_config=extra)
    yield t, sink
    sink.close()
    assert t.stop() == 0, t.logs()[-3000:]


@pytest.fixture(scope="module")
def qod(env):
    t, _ = env
    _, token = client_for(t, SCOPES)
    return Api(t, "quality-on-demand", "/quality-on-demand/v1", token)


@pytest.fixture(scope="module")
def other(env):
    """The same API for another client of the same partner."""
    t, _ = env
    _, token = client_for(t, SCOPES)
    return Api(t, "quality-on-demand", "/quality-on-demand/v1", token)


def session_body(msisdn, sink=None, duration=60, profile="QOS_E", **extra):
    b = {"device": {"phoneNumber": msisdn}, "applicationServer": {"ipv4Address": "198.51.100.0/24"},
         "qosProfile": profile, "duration": duration, **extra}
    if sink:
        b["sink"] = sink
        b["sinkCredential"] = {"credentialType": "ACCESSTOKEN", "accessToken": SINK_TOKEN,
                               "accessTokenExpiresUtc": "2099-01-01T00:00:00Z", "accessTokenType": "bearer"}
    return b


def check_event(event, session_id, status, info=None):
    """A delivered CloudEvent: TLS POST to the sink path, bearer credential, JSON schema."""
    path, headers, body, _ = event
    assert path == "/events/qod"
    assert headers["content-type"] == "application/cloudevents+json"
    assert headers["authorization"] == f"Bearer {SINK_TOKEN}"
    assert headers["x-correlator"]
    validate_schema("quality-on-demand", "EventQosStatusChanged", body)
    assert body["type"] == "org.camaraproject.quality-on-demand.v1.qos-status-changed"
    assert body["data"]["sessionId"] == session_id
    assert body["data"]["qosStatus"] == status
    assert body["data"].get("statusInfo") == info
    return body


def test_session_lifecycle_with_notifications(env, qod):
    """create 201 → AVAILABLE event; get, retrieve-sessions, extend; delete 204 → DELETE_REQUESTED event."""
    _, sink = env
    r = qod.post("/sessions", session_body("+34600000001", sink.url + "/events/qod"), expect=201)
    sid = r.json_body["sessionId"]
    assert r.json_body["qosStatus"] == "AVAILABLE"
    assert r.json_body["device"] == {"phoneNumber": "+34600000001"}
    assert "sinkCredential" not in r.json_body
    first = check_event(sink.events(1)[0], sid, "AVAILABLE")

    got = qod.call("GET", "/sessions/{sessionId}", params={"sessionId": sid}, expect=200)
    assert got.json_body["duration"] == 60
    listed = qod.post("/retrieve-sessions", {"device": {"phoneNumber": "+34600000001"}}, expect=200)
    assert [s["sessionId"] for s in listed.json_body] == [sid]
    ext = qod.post("/sessions/{sessionId}/extend", {"requestedAdditionalDuration": 30},
                   params={"sessionId": sid}, expect=200)
    assert ext.json_body["duration"] == 90

    d = qod.call("DELETE", "/sessions/{sessionId}", params={"sessionId": sid}, expect=204)
    assert d.content == b""
    second = check_event(sink.events(1)[0], sid, "UNAVAILABLE", "DELETE_REQUESTED")
    assert first["id"] != second["id"]
    assert error_of(qod.call("GET", "/sessions/{sessionId}", params={"sessionId": sid})) == (404, "NOT_FOUND")


def test_session_expires_and_is_notified(env, qod):
    """A 2 s session expires by itself: UNAVAILABLE / DURATION_EXPIRED at the sink and on GET; no extension."""
    _, sink = env
    r = qod.post("/sessions", session_body("+34600000002", sink.url + "/events/qod", duration=2, profile="QOS_S"),
                 expect=201)
    sid = r.json_body["sessionId"]
    check_event(sink.events(1)[0], sid, "AVAILABLE")
    check_event(sink.events(1, timeout=10)[0], sid, "UNAVAILABLE", "DURATION_EXPIRED")
    got = qod.call("GET", "/sessions/{sessionId}", params={"sessionId": sid}, expect=200)
    assert (got.json_body["qosStatus"], got.json_body["statusInfo"]) == ("UNAVAILABLE", "DURATION_EXPIRED")
    assert got.json_body["expiresAt"] == r.json_body["expiresAt"]
    r = qod.post("/sessions/{sessionId}/extend", {"requestedAdditionalDuration": 10}, params={"sessionId": sid})
    assert error_of(r) == (409, "QUALITY_ON_DEMAND.SESSION_EXTENSION_NOT_ALLOWED")
    # The device is free again.
    again = qod.post("/sessions", session_body("+34600000002", profile="QOS_S"), expect=201)
    qod.call("DELETE", "/sessions/{sessionId}", params={"sessionId": again.json_body["sessionId"]}, expect=204)


def test_notification_retried_after_a_503(env, qod):
    """The sink answers 503 once: the same event is delivered again, and accepted."""
    _, sink = env
    sink.fail_next = [503]
    r = qod.post("/sessions", session_body("+34600000003", sink.url + "/events/qod"), expect=201)
    sid = r.json_body["sessionId"]
    a, b = sink.events(2)
    assert (a[3], b[3]) == (503, 204)
    assert a[2] == b[2]  # the same CloudEvent, id included
    check_event(b, sid, "AVAILABLE")
    qod.call("DELETE", "/sessions/{sessionId}", params={"sessionId": sid}, expect=204)
    check_event(sink.events(1)[0], sid, "UNAVAILABLE", "DELETE_REQUESTED")


def test_conflict_and_ownership(env, qod, other):
    """A second session for the device is 409 CONFLICT (any client); another client sees nothing of it."""
    r = qod.post("/sessions", session_body("+34600000001"), expect=201)
    sid = r.json_body["sessionId"]
    try:
        assert error_of(qod.post("/sessions", session_body("+34600000001", profile="QOS_M"))) == (409, "CONFLICT")
        assert error_of(other.post("/sessions", session_body("+34600000001"))) == (409, "CONFLICT")
        p = {"sessionId": sid}
        assert error_of(other.call("GET", "/sessions/{sessionId}", params=p)) == (404, "NOT_FOUND")
        assert error_of(other.call("DELETE", "/sessions/{sessionId}", params=p)) == (404, "NOT_FOUND")
        assert error_of(other.post("/sessions/{sessionId}/extend", {"requestedAdditionalDuration": 5}, params=p)) == \
            (404, "NOT_FOUND")
        assert other.post("/retrieve-sessions", {"device": {"phoneNumber": "+34600000001"}}, expect=200).json_body == []
    finally:
        qod.call("DELETE", "/sessions/{sessionId}", params={"sessionId": sid}, expect=204)


@pytest.mark.parametrize("body,expected", [
    (session_body("+34600000001", duration=86401), (400, "QUALITY_ON_DEMAND.DURATION_OUT_OF_RANGE")),
    (session_body("+34600000001", duration=0), (400, "OUT_OF_RANGE")),
    (session_body("+34600000001", profile="QOS_XL"), (400, "INVALID_ARGUMENT")),
    (session_body("+34600000001", sink="http://127.0.0.1:9/events"), (400, "INVALID_SINK")),
    (session_body("+34600000001", sink="https://127.0.0.1:9/e",) | {"sinkCredential": {"credentialType": "PLAIN"}},
     (400, "INVALID_CREDENTIAL")),
    (session_body("+34600000001", sink="https://127.0.0.1:9/e") | {"sinkCredential": {
        "credentialType": "ACCESSTOKEN", "accessToken": "t", "accessTokenExpiresUtc": "2099-01-01T00:00:00Z",
        "accessTokenType": "mac"}}, (400, "INVALID_TOKEN")),
    (session_body("+34600000001", devicePorts={"ports": [70000]}), (400, "OUT_OF_RANGE")),
    ({"device": {"phoneNumber": "+34600000001"}, "qosProfile": "QOS_E", "duration": 60}, (400, "INVALID_ARGUMENT")),
    (session_body("+34600000001", profile="QOS_LEGACY"), (422, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE")),
    (session_body("+34600000003", profile="QOS_S"), (422, "QUALITY_ON_DEMAND.QOS_PROFILE_NOT_APPLICABLE")),
    (session_body("+34600000999"), (404, "IDENTIFIER_NOT_FOUND")),
    ({"applicationServer": {"ipv4Address": "1.2.3.4"}, "qosProfile": "QOS_E", "duration": 60},
     (422, "MISSING_IDENTIFIER")),
    (session_body("+34600000001") | {"device": {"networkAccessIdentifier": "x@y.example"}},
     (422, "UNSUPPORTED_IDENTIFIER")),
])
def test_create_errors(qod, body, expected):
    """Every documented createSession error code the network produces."""
    assert error_of(qod.post("/sessions", body)) == expected


def test_session_id_and_body_errors(qod):
    """A sessionId that is not a UUID is 400; an unknown one 404; a bad extension body 400."""
    assert error_of(qod.call("GET", "/sessions/{sessionId}", params={"sessionId": "not-a-uuid"})) == \
        (400, "INVALID_ARGUMENT")
    unknown = {"sessionId": "3fa85f64-5717-4562-b3fc-2c963f66afa6"}
    assert error_of(qod.call("DELETE", "/sessions/{sessionId}", params=unknown)) == (404, "NOT_FOUND")
    assert error_of(qod.post("/sessions/{sessionId}/extend", {"requestedAdditionalDuration": 0}, params=unknown)) == \
        (400, "OUT_OF_RANGE")
    assert error_of(qod.post("/retrieve-sessions", {})) == (422, "MISSING_IDENTIFIER")


def test_scopes_are_per_operation(env):
    """A token with only sessions:read cannot create: 403 PERMISSION_DENIED from the gateway."""
    t, _ = env
    _, token = client_for(t, ["quality-on-demand:sessions:read"])
    api = Api(t, "quality-on-demand", "/quality-on-demand/v1", token)
    assert error_of(api.post("/sessions", session_body("+34600000001"))) == (403, "PERMISSION_DENIED")


def test_untrusted_sink_gets_nothing(env, qod, tmp_path):
    """A sink whose certificate the network does not trust receives no notification (TLS verified)."""
    untrusted = HttpsSink(tmp_path)
    try:
        r = qod.post("/sessions", session_body("+34600000002", untrusted.url + "/events/qod", profile="QOS_S"),
                     expect=201)
        assert untrusted.nothing_within(1.5)
        qod.call("DELETE", "/sessions/{sessionId}", params={"sessionId": r.json_body["sessionId"]}, expect=204)
        t, _ = env
        deadline = time.time() + 5
        while time.time() < deadline and '"tls: ' not in t.logs():
            time.sleep(0.1)
        assert '"log":"notify"' in t.logs() and "tls: " in t.logs()
        assert SINK_TOKEN not in t.logs()
    finally:
        untrusted.close()
