"""Other subscriber-data APIs through the gateway with a real 3-legged token (the
authorization code flow with network-based authentication from 127.0.0.1, i.e.
+34600000001; from 127.0.0.3, +34600000003): the subject comes from the token.
Device Reachability / Roaming Status: no `device` → the token's subscriber and no
device echoed; a `device` → 422 UNNECESSARY_IDENTIFIER (even the same number). KYC
Match differs (SUMMARY §2.7): the token's own phoneNumber may be sent, another one
is 403 INVALID_TOKEN_CONTEXT. Every body validated against its spec."""
import pytest

from network_support import Api, error_of
from test_authz_3legged import LEGIT, Callback, claims_of, create_client
from test_network_number_verification_3legged import code_flow_token

REACH, ROAM, KYC = "device-reachability-status", "device-roaming-status", "kyc-match"
SCOPES = f"{REACH}:read {ROAM}:read kyc-match:match"


@pytest.fixture(scope="module")
def cb():
    c = Callback()
    yield c
    c.server.shutdown()


@pytest.fixture(scope="module")
def tokens(tg, cb):
    app = create_client(tg, cb, "authorization_code", scope=SCOPES)
    out = {}
    for source, msisdn in (("127.0.0.1", "+34600000001"), ("127.0.0.3", "+34600000003")):
        tok = code_flow_token(tg, app, cb, f"{LEGIT} {SCOPES}", source=source)["access_token"]
        assert claims_of(tok)["amr"] == ["nba"]
        out[msisdn] = tok
    return out


def test_reachability_subject_from_the_token(tg, tokens):
    """+34600000001 by its token: reachable by DATA and SMS, no device in the answer; a device → 422 UNNECESSARY_IDENTIFIER."""
    api = Api(tg, REACH, "/device-reachability-status/v1", tokens["+34600000001"])
    r = api.post("/retrieve", {}, expect=200)
    assert r.json_body["reachable"] is True and r.json_body["connectivity"] == ["DATA", "SMS"]
    assert "device" not in r.json_body
    for device in ({"phoneNumber": "+34600000001"}, {"phoneNumber": "+34600000002"},
                   {"ipv4Address": {"publicAddress": "127.0.0.1", "publicPort": 1}}):
        assert error_of(api.post("/retrieve", {"device": device})) == (422, "UNNECESSARY_IDENTIFIER")
    other = Api(tg, REACH, "/device-reachability-status/v1", tokens["+34600000003"])
    r = other.post("/retrieve", {}, expect=200)
    assert r.json_body["reachable"] is False and "device" not in r.json_body


def test_roaming_subject_from_the_token(tg, tokens):
    """+34600000003 by its token: roaming in France (countryCode 208, ["FR"]); +34600000001: not roaming."""
    api = Api(tg, ROAM, "/device-roaming-status/v1", tokens["+34600000003"])
    r = api.post("/retrieve", {}, expect=200)
    assert r.json_body["roaming"] is True and r.json_body["countryCode"] == 208
    assert r.json_body["countryName"] == ["FR"] and "device" not in r.json_body
    assert error_of(api.post("/retrieve", {"device": {"phoneNumber": "+34600000003"}})) == \
        (422, "UNNECESSARY_IDENTIFIER")
    home = Api(tg, ROAM, "/device-roaming-status/v1", tokens["+34600000001"])
    assert home.post("/retrieve", {}, expect=200).json_body["roaming"] is False


def test_kyc_match_token_number_or_none_and_invalid_token_context(tg, tokens):
    """KYC Match with +34600000001's token: without phoneNumber or with the same one it matches; another number → 403 INVALID_TOKEN_CONTEXT."""
    api = Api(tg, KYC, "/kyc-match/v0.4", tokens["+34600000001"])
    body = {"idDocument": "66666666q", "givenName": "Ana", "birthdate": "1978-08-22"}
    want = {"idDocumentMatch": "true", "givenNameMatch": "true", "birthdateMatch": "true"}
    assert api.post("/match", body, expect=200).json_body == want
    assert api.post("/match", {**body, "phoneNumber": "+34600000001"}, expect=200).json_body == want
    assert error_of(api.post("/match", {**body, "phoneNumber": "+34600000002"})) == (403, "INVALID_TOKEN_CONTEXT")
