"""QoS Profiles v1 through the gateway; answers validated against the spec."""
import pytest

from network_support import Api, client_for, error_of


@pytest.fixture(scope="module")
def qp(tg):
    _, token = client_for(tg, ["qos-profiles:read"])
    return Api(tg, "qos-profiles", "/qos-profiles/v1", token)


def names(r):
    return [p["name"] for p in r.json_body]


def test_list_all(qp):
    """Without filters every profile of the operator is listed."""
    r = qp.post("/retrieve-qos-profiles", {}, expect=200)
    assert names(r) == ["QOS_E", "QOS_S", "QOS_M", "QOS_L", "QOS_LEGACY", "QOS_PREMIUM"]


def test_filters(qp):
    """status and name filter; no match is an empty array."""
    assert names(qp.post("/retrieve-qos-profiles", {"status": "DEPRECATED"}, expect=200)) == ["QOS_LEGACY"]
    assert names(qp.post("/retrieve-qos-profiles", {"name": "QOS_M"}, expect=200)) == ["QOS_M"]
    assert qp.post("/retrieve-qos-profiles", {"name": "QOS_XL"}, expect=200).json_body == []


def test_device_filter(qp):
    """A device roaming in France can use only QOS_E."""
    r = qp.post("/retrieve-qos-profiles", {"device": {"phoneNumber": "+34600000003"}}, expect=200)
    assert names(r) == ["QOS_E"]


def test_get_by_name(qp):
    """GET /qos-profiles/{name} returns the profile."""
    r = qp.call("GET", "/qos-profiles/{name}", params={"name": "QOS_L"}, expect=200)
    assert r.json_body["name"] == "QOS_L"
    assert r.json_body["minDuration"] == {"value": 10, "unit": "Seconds"}


def test_errors(qp):
    """Unknown name 404 NOT_FOUND; malformed filters 400; unknown device 404 IDENTIFIER_NOT_FOUND."""
    assert error_of(qp.call("GET", "/qos-profiles/{name}", params={"name": "QOS_XL"})) == (404, "NOT_FOUND")
    assert error_of(qp.post("/retrieve-qos-profiles", {"status": "active"})) == (400, "INVALID_ARGUMENT")
    assert error_of(qp.post("/retrieve-qos-profiles", {"device": {"phoneNumber": "+34600000999"}})) == \
        (404, "IDENTIFIER_NOT_FOUND")


def test_head_is_served_where_get_is(qp):
    """RFC 9110 §9.3.2: HEAD through the gateway answers like GET, without a body; only on GET routes."""
    import requests
    url = qp.tg.gw + "/qos-profiles/v1/qos-profiles/QOS_L"
    auth = {"Authorization": "Bearer " + qp.token, "x-correlator": "head-1"}
    get = requests.get(url, headers=auth, timeout=5)
    head = requests.head(url, headers=auth, timeout=5)
    assert (get.status_code, head.status_code) == (200, 200)
    assert head.content == b"" and head.headers["x-correlator"] == "head-1"
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers.get("Content-Length") in (None, get.headers.get("Content-Length"))
    post_only = requests.head(qp.tg.gw + "/qos-profiles/v1/retrieve-qos-profiles", headers=auth, timeout=5)
    assert post_only.status_code == 405 and post_only.headers["Allow"] == "POST"
