"""Device Reachability Status v1 and Device Roaming Status v1 through the gateway with
real tokens; every answer validated against the spec's schema for its status."""
import pytest

from network_support import Api, client_for, error_of

REACH = "device-reachability-status"
ROAM = "device-roaming-status"


@pytest.fixture(scope="module")
def apis(tg):
    _, token = client_for(tg, [f"{REACH}:read", f"{ROAM}:read"])
    return (Api(tg, REACH, "/device-reachability-status/v1", token),
            Api(tg, ROAM, "/device-roaming-status/v1", token))


def dev(msisdn):
    return {"device": {"phoneNumber": msisdn}}


def test_reachable_by_data_and_sms(apis):
    """+34600000001 is reachable by DATA and SMS; the device used is echoed."""
    r = apis[0].post("/retrieve", dev("+34600000001"), expect=200)
    assert r.json_body["reachable"] is True
    assert r.json_body["connectivity"] == ["DATA", "SMS"]
    assert r.json_body["device"] == {"phoneNumber": "+34600000001"}


def test_reachable_by_sms_only_identified_by_ip(apis):
    """+34600000002 (handset 127.0.0.2) is reachable by SMS only; found by its IPv4 address."""
    ip = {"ipv4Address": {"publicAddress": "127.0.0.2", "publicPort": 40000}}
    r = apis[0].post("/retrieve", {"device": ip}, expect=200)
    assert r.json_body["connectivity"] == ["SMS"]
    assert r.json_body["device"] == ip


def test_not_reachable(apis):
    """+34600000003 is not reachable: reachable false and no connectivity."""
    r = apis[0].post("/retrieve", dev("+34600000003"), expect=200)
    assert r.json_body["reachable"] is False
    assert "connectivity" not in r.json_body


def test_roaming_in_france(apis):
    """+34600000003 roams in France: countryCode 208 (the MCC), countryName ["FR"]."""
    r = apis[1].post("/retrieve", dev("+34600000003"), expect=200)
    assert r.json_body["roaming"] is True
    assert (r.json_body["countryCode"], r.json_body["countryName"]) == (208, ["FR"])


def test_not_roaming(apis):
    """+34600000001 is at home: roaming false, no country members."""
    r = apis[1].post("/retrieve", dev("+34600000001"), expect=200)
    assert r.json_body["roaming"] is False
    assert "countryCode" not in r.json_body and "countryName" not in r.json_body


def test_several_identifiers_echo_the_one_used(apis):
    """With a phoneNumber and an ipv4Address of different devices, the phoneNumber is used and only it is echoed."""
    body = {"device": {"phoneNumber": "+34600000003",
                       "ipv4Address": {"publicAddress": "127.0.0.1", "publicPort": 1}}}
    r = apis[1].post("/retrieve", body, expect=200)
    assert r.json_body["device"] == {"phoneNumber": "+34600000003"}
    assert r.json_body["roaming"] is True


@pytest.mark.parametrize("body,expected", [
    ({}, (422, "MISSING_IDENTIFIER")),
    ({"device": {"networkAccessIdentifier": "123456789@domain.com"}}, (422, "UNSUPPORTED_IDENTIFIER")),
    (dev("+34600000999"), (404, "IDENTIFIER_NOT_FOUND")),
    ({"device": {}}, (400, "INVALID_ARGUMENT")),
    (dev("34600000001"), (400, "INVALID_ARGUMENT")),
    ({"device": {"ipv4Address": {"publicAddress": "127.0.0.1"}}}, (400, "INVALID_ARGUMENT")),
])
def test_identification_errors(apis, body, expected):
    """Each identification and schema error has its CAMARA status and code, on both APIs."""
    for api in apis:
        assert error_of(api.post("/retrieve", body)) == expected


def test_malformed_json_and_media_type(apis):
    """A body that is not JSON is 400 INVALID_ARGUMENT; a non-JSON media type 415."""
    assert error_of(apis[0].call("POST", "/retrieve", raw="{")) == (400, "INVALID_ARGUMENT")
    r = apis[0].call("POST", "/retrieve", raw="{}", headers={"Content-Type": "text/plain"})
    assert error_of(r) == (415, "UNSUPPORTED_MEDIA_TYPE")


def test_token_for_another_api_is_refused(tg, apis):
    """A token for roaming only is not addressed to the reachability API (audience): 401 UNAUTHENTICATED."""
    _, token = client_for(tg, [f"{ROAM}:read"])
    r = apis[0].post("/retrieve", dev("+34600000001"), token=token)
    assert error_of(r) == (401, "UNAUTHENTICATED")
    assert apis[1].post("/retrieve", dev("+34600000001"), token=token).status_code == 200


def test_no_token_is_401(apis):
    """Without a token: 401 UNAUTHENTICATED, validated against the spec's Generic401."""
    r = apis[1].post("/retrieve", dev("+34600000001"), token=None)
    assert error_of(r) == (401, "UNAUTHENTICATED")
