"""Number Verification v2: 2-legged tokens through the gateway (refused), and the network
role called directly with the identity headers the gateway sends for a 3-legged token
(x-tollgate-*, gateway/subject.h), including amr values the authorization server never
issues for these scopes (it refuses non-network authentication up front), so that the
API's own 403 USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK stays tested end to end. Real
3-legged tokens through the gateway: test_network_number_verification_3legged.py;
unit tests: src/network/number_verification_test.cc."""
import hashlib
import json

import pytest
import requests

from network_support import Api, client_for, error_of, validate


@pytest.fixture(scope="module")
def nv(tg):
    _, token = client_for(tg, ["number-verification:verify", "number-verification:device-phone-number:read"])
    return Api(tg, "number-verification", "/number-verification/v2", token)


def test_verify_refuses_a_2_legged_token(nv):
    """A client-credentials token stands for no subscriber: 403 PERMISSION_DENIED."""
    assert error_of(nv.post("/verify", {"phoneNumber": "+34600000001"})) == (403, "PERMISSION_DENIED")
    hashed = hashlib.sha256(b"+34600000001").hexdigest()
    assert error_of(nv.post("/verify", {"hashedPhoneNumber": hashed})) == (403, "PERMISSION_DENIED")


def test_device_phone_number_refuses_a_2_legged_token(nv):
    """GET /device-phone-number with a 2-legged token: 403 PERMISSION_DENIED."""
    assert error_of(nv.call("GET", "/device-phone-number")) == (403, "PERMISSION_DENIED")


@pytest.mark.parametrize("body", [{}, {"phoneNumber": "+34600000001", "hashedPhoneNumber": "a" * 64},
                                  {"phoneNumber": "34600000001"}, {"foo": "bar"}])
def test_verify_validates_before_the_token(nv, body):
    """A body outside the schema is 400 INVALID_ARGUMENT, before the token is considered."""
    assert error_of(nv.post("/verify", body)) == (400, "INVALID_ARGUMENT")


def test_identity_headers_cannot_be_forged(nv):
    """x-tollgate-* headers sent by a partner are stripped by the gateway: still 2-legged, still 403."""
    r = nv.call("GET", "/device-phone-number", headers={"x-tollgate-token-type": "3-legged",
                                                      "x-tollgate-subscriber": "+34600000001",
                                                      "x-tollgate-amr": "nba"})
    assert error_of(r) == (403, "PERMISSION_DENIED")


def gateway_key(tg):
    """The key `tollgate run` made for its gateway and network roles (data folder, 0600)."""
    return (tg.data / "gateway-key").read_text().strip()


def direct(tg, method, path, body=None, amr="nba", subscriber="+34600000001"):
    """A call straight to the network role with the identity headers the gateway sends
    for a 3-legged token (x-tollgate-*), the gateway's key included; validated against the spec."""
    h = {"x-tollgate-token-type": "3-legged", "x-tollgate-client-id": "e2e", "x-correlator": "nv-direct",
         "x-tollgate-gateway-key": gateway_key(tg)}
    if subscriber:
        h["x-tollgate-subscriber"] = subscriber
    if amr is not None:
        h["x-tollgate-amr"] = amr
    if body is not None:
        h["Content-Type"] = "application/json"
    r = requests.request(method, tg.net + "/number-verification/v2" + path,
                         data=json.dumps(body) if body is not None else None, headers=h, timeout=5)
    assert r.headers["x-correlator"] == "nv-direct"
    validate("number-verification", path, method, r.status_code, r.json())
    return r


def test_network_role_believes_identity_headers_only_from_the_gateway(tg):
    """A local caller that reaches the network listener directly cannot pose as the gateway:
    without the gateway's key (or with a wrong or repeated one) 401 UNAUTHENTICATED, before any
    x-tollgate-* header is read; the key file is private to the operator."""
    key_file = tg.data / "gateway-key"
    assert key_file.stat().st_mode & 0o077 == 0 and len(gateway_key(tg)) >= 32
    forged = {"x-tollgate-token-type": "3-legged", "x-tollgate-subscriber": "+34600000001",
              "x-tollgate-amr": "nba", "Content-Type": "application/json"}
    url = tg.net + "/number-verification/v2/verify"
    body = json.dumps({"phoneNumber": "+34600000001"})
    for extra in ({}, {"x-tollgate-gateway-key": "not-the-key-0123456789abcdef"}):
        r = requests.post(url, data=body, headers={**forged, **extra}, timeout=5)
        assert (r.status_code, r.json()["code"]) == (401, "UNAUTHENTICATED"), r.text
        assert "devicePhoneNumberVerified" not in r.text
    # The same request with the key is answered (the gateway's path).
    r = requests.post(url, data=body, headers={**forged, "x-tollgate-gateway-key": gateway_key(tg)}, timeout=5)
    assert (r.status_code, r.json()) == (200, {"devicePhoneNumberVerified": True})


def test_three_legged_at_the_network_role(tg):
    """With network-based authentication the number verifies (plain and hashed) and is shared."""
    r = direct(tg, "POST", "/verify", {"phoneNumber": "+34600000001"})
    assert (r.status_code, r.json()) == (200, {"devicePhoneNumberVerified": True})
    hashed = hashlib.sha256(b"+34600000002").hexdigest()
    r = direct(tg, "POST", "/verify", {"hashedPhoneNumber": hashed})
    assert (r.status_code, r.json()) == (200, {"devicePhoneNumberVerified": False})
    r = direct(tg, "GET", "/device-phone-number", amr="mnba", subscriber="+34600000003")
    assert (r.status_code, r.json()) == (200, {"devicePhoneNumber": "+34600000003"})


def test_three_legged_without_network_authentication(tg):
    """An SMS one-time-code token (amr otp/sms), or none: 403 USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK."""
    for amr in ("otp sms", None):
        r = direct(tg, "GET", "/device-phone-number", amr=amr)
        assert (r.status_code, r.json()["code"]) == \
            (403, "NUMBER_VERIFICATION.USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK")
