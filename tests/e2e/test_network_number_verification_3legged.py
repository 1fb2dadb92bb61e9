"""Number Verification v2 through the GATEWAY with real 3-legged tokens from our
authorization server: the authorization code flow with network-based
authentication (this test's HTTP client on 127.0.0.1 is +34600000001's handset,
on 127.0.0.2 +34600000002's), CIBA and the JWT bearer grant with a TS.43 operator
token. Number Verification allows no user interaction (prompt=none implied; the
catalog marks it `authentication: network`), so what would not be network-based is
refused up front by the authorization server: a browser off the mobile network gets
login_required instead of the one-time-code page, a consent purpose without a stored
consent gets consent_required instead of the consent page, prompt=login/consent is
invalid_request, a `tel:` CIBA hint is 400 invalid_request and a `tel:` JWT-bearer
subject invalid_grant. No token with a non-network `amr` can then be obtained for
these scopes, so the API's own 403 USER_NOT_AUTHENTICATED_BY_MOBILE_NETWORK is
checked in src/network/number_verification_test.cc. Every API response is validated
against specs/number-verification.yaml for its status (network_support.Api). Also the
3-legged happy path of SIM Swap v2 (the subject from the token; a phoneNumber in the
body is 422 UNNECESSARY_IDENTIFIER)."""
import base64
import hashlib
import json

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from network_support import Api, error_of
from test_authz_3legged import (CIBA, CONSENT, JWT_BEARER, LEGIT, Callback, SourceAdapter, assertion,
                                authorize_params, claims_of, create_client, exchange, hidden, inbox, pkce,
                                redirect_query)

VERIFY = "number-verification:verify"
READ = "number-verification:device-phone-number:read"
NV_SCOPES = f"{VERIFY} {READ}"


def sha256_hex(number):
    return hashlib.sha256(number.encode()).hexdigest()


@pytest.fixture(scope="module")
def cb():
    c = Callback()
    yield c
    c.server.shutdown()


@pytest.fixture(scope="module")
def app(tg, cb):
    """A partner app allowed both Number Verification scopes and SIM swap, by code flow and CIBA."""
    return create_client(tg, cb, "authorization_code", CIBA,
                         scope=f"{NV_SCOPES} sim-swap:check sim-swap:retrieve-date")


def nv_api(tg, token):
    return Api(tg, "number-verification", "/number-verification/v2", token)


def code_flow_token(tg, app, cb, scope, source=None):
    """The authorization code flow as a plain HTTP client from `source` (a loopback
    address; default 127.0.0.1): network-identified silently; if the consent page
    comes, its Allow form is posted. Returns the token response."""
    s = requests.Session()
    if source:
        s.mount("http://", SourceAdapter(source))
    verifier, challenge = pkce()
    params = authorize_params(app, cb, scope, challenge)
    r = s.get(tg.authz + "/oauth2/authorize", params=params, allow_redirects=False, timeout=5)
    if r.status_code == 200:  # the consent page
        assert 'value="allow"' in r.text, r.text[:500]
        form = {"session": hidden(r.text, "session"), "csrf": hidden(r.text, "csrf"), "decision": "allow"}
        r = s.post(tg.authz + "/oauth2/authorize/consent", data=form, allow_redirects=False, timeout=5)
    _, q = redirect_query(r)
    assert q["state"] == params["state"] and "code" in q, q
    t = exchange(tg, app, cb, q["code"], verifier)
    assert t.status_code == 200, t.text
    return t.json()


def consent_on_the_handset(tg, app, msisdn, scope):
    """The subscriber consents through CIBA (ipport hint of its handset, consent purpose):
    Allow is posted from the message on the handset; the consent is stored."""
    ip = {"+34600000001": "127.0.0.1", "+34600000002": "127.0.0.2"}[msisdn]
    b = requests.post(tg.authz + "/oauth2/bc-authorize", auth=(app["client_id"], app["client_secret"]),
                      data={"login_hint": "ipport:" + ip, "scope": scope}, timeout=5)
    assert b.status_code == 200, b.text
    prompt = [m for m in inbox(tg, msisdn) if m.get("action_url")][-1]
    ok = requests.post(prompt["action_url"], data={"token": prompt["token"], "decision": "allow"}, timeout=5)
    assert ok.status_code == 200, ok.text


@pytest.fixture(scope="module")
def nba_token(tg, app, cb):
    """+34600000001 (handset 127.0.0.1), consent purpose: no consent page for this API, so the
    subscriber consents first on the handset (CIBA); the code flow then finds the stored consent."""
    consent_on_the_handset(tg, app, "+34600000001", f"{CONSENT} {NV_SCOPES}")
    body = code_flow_token(tg, app, cb, f"{CONSENT} {NV_SCOPES}")
    at = claims_of(body["access_token"])
    assert at["amr"] == ["nba"] and at["consent_id"].startswith("cns_"), at
    assert set(at["scope"].split()) == {CONSENT, VERIFY, READ}
    return body["access_token"]


# --- authorization code flow, network-based authentication -----------------------------------

def test_verify_own_number_true_other_false(tg, nba_token):
    """phoneNumber: true for the token's subscriber, false for another (E.164) number; 200 bodies per the spec."""
    nv = nv_api(tg, nba_token)
    r = nv.post("/verify", {"phoneNumber": "+34600000001"}, expect=200)
    assert r.json_body == {"devicePhoneNumberVerified": True}
    r = nv.post("/verify", {"phoneNumber": "+34600000002"}, expect=200)
    assert r.json_body == {"devicePhoneNumberVerified": False}
    r = nv.post("/verify", {"phoneNumber": "+34600000999"}, expect=200)  # not even our subscriber
    assert r.json_body == {"devicePhoneNumberVerified": False}


def test_verify_hashed_number(tg, nba_token):
    """hashedPhoneNumber (SHA-256 hex of the +E.164 string): true for the own number (either hex case), false for another."""
    nv = nv_api(tg, nba_token)
    own = sha256_hex("+34600000001")
    assert nv.post("/verify", {"hashedPhoneNumber": own}, expect=200).json_body == {"devicePhoneNumberVerified": True}
    assert nv.post("/verify", {"hashedPhoneNumber": own.upper()}, expect=200).json_body == \
        {"devicePhoneNumberVerified": True}
    other = sha256_hex("+34600000002")
    assert nv.post("/verify", {"hashedPhoneNumber": other}, expect=200).json_body == \
        {"devicePhoneNumberVerified": False}
    # The hash of the number without its '+' is another string: false, not an error.
    assert nv.post("/verify", {"hashedPhoneNumber": sha256_hex("34600000001")}, expect=200).json_body == \
        {"devicePhoneNumberVerified": False}


@pytest.mark.parametrize("body", [
    {},
    {"phoneNumber": "+34600000001", "hashedPhoneNumber": sha256_hex("+34600000001")},
    {"phoneNumber": "34600000001"},
    {"hashedPhoneNumber": "a" * 63},
    {"hashedPhoneNumber": "g" * 64},
    {"phoneNumber": 34600000001},
    {"phoneNumber": "+34600000001", "device": {"phoneNumber": "+34600000001"}},
])
def test_verify_both_neither_or_malformed_is_400(tg, nba_token, body):
    """Both identifiers, neither, or one outside the schema: 400 INVALID_ARGUMENT (the request body's oneOf), even with a good token."""
    assert error_of(nv_api(tg, nba_token).post("/verify", body)) == (400, "INVALID_ARGUMENT")


def test_verify_without_a_json_body(tg, nba_token):
    """A body that is no JSON: 400 INVALID_ARGUMENT."""
    r = nv_api(tg, nba_token).call("POST", "/verify", raw="{not json")
    assert error_of(r) == (400, "INVALID_ARGUMENT")


def test_device_phone_number_returns_the_subscribers_number(tg, nba_token):
    """GET /device-phone-number: the number of the token's subscriber (the token itself never carries it)."""
    r = nv_api(tg, nba_token).call("GET", "/device-phone-number", expect=200)
    assert r.json_body == {"devicePhoneNumber": "+34600000001"}
    payload = base64.urlsafe_b64decode(nba_token.split(".")[1] + "==").decode()
    assert "600000001" not in payload


def test_another_handset_gets_its_own_number(tg, app, cb):
    """From 127.0.0.2 (+34600000002's handset), legitimate-interest purpose (no page): its own number."""
    tok = code_flow_token(tg, app, cb, f"{LEGIT} {NV_SCOPES}", source="127.0.0.2")["access_token"]
    assert claims_of(tok)["amr"] == ["nba"]
    nv = nv_api(tg, tok)
    assert nv.call("GET", "/device-phone-number", expect=200).json_body == {"devicePhoneNumber": "+34600000002"}
    assert nv.post("/verify", {"phoneNumber": "+34600000002"}, expect=200).json_body == \
        {"devicePhoneNumberVerified": True}
    assert nv.post("/verify", {"phoneNumber": "+34600000001"}, expect=200).json_body == \
        {"devicePhoneNumberVerified": False}


def test_scope_of_one_operation_does_not_open_the_other(tg, app, cb):
    """A token with only number-verification:verify: /verify works, /device-phone-number is 403 PERMISSION_DENIED."""
    tok = code_flow_token(tg, app, cb, f"{LEGIT} {VERIFY}")["access_token"]
    nv = nv_api(tg, tok)
    assert nv.post("/verify", {"phoneNumber": "+34600000001"}, expect=200).json_body == \
        {"devicePhoneNumberVerified": True}
    assert error_of(nv.call("GET", "/device-phone-number")) == (403, "PERMISSION_DENIED")


def test_missing_or_invalid_token_is_401(tg, nba_token):
    """No token, or the 3-legged token with a flipped signature byte: 401 UNAUTHENTICATED."""
    nv = nv_api(tg, nba_token)
    assert error_of(nv.call("GET", "/device-phone-number", token=None)) == (401, "UNAUTHENTICATED")
    h, p, s = nba_token.split(".")
    bad = f"{h}.{p}.{s[:-4]}{'AAAA' if s[-4:] != 'AAAA' else 'BBBB'}"
    assert error_of(nv.post("/verify", {"phoneNumber": "+34600000001"}, token=bad)) == (401, "UNAUTHENTICATED")


# --- tokens that do not stand for a network-authenticated subscriber -------------------------

def test_two_legged_token_is_403_permission_denied(tg):
    """A client-credentials token stands for no subscriber: 403 PERMISSION_DENIED on both operations."""
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", NV_SCOPES)
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    nv = nv_api(tg, tg.token(scope=NV_SCOPES, client=(c["client_id"], c["client_secret"])))
    assert error_of(nv.post("/verify", {"phoneNumber": "+34600000001"})) == (403, "PERMISSION_DENIED")
    assert error_of(nv.post("/verify", {"hashedPhoneNumber": sha256_hex("+34600000001")})) == \
        (403, "PERMISSION_DENIED")
    assert error_of(nv.call("GET", "/device-phone-number")) == (403, "PERMISSION_DENIED")


def refusal(tg, app, cb, scope, source="127.0.0.1", **extra):
    """GET /oauth2/authorize from `source`: the error redirect to the client (no page, no code)."""
    s = requests.Session()
    s.mount("http://", SourceAdapter(source))
    _, challenge = pkce()
    params = authorize_params(app, cb, scope, challenge, **extra)
    r = s.get(tg.authz + "/oauth2/authorize", params=params, allow_redirects=False, timeout=5)
    assert r.status_code == 302, (r.status_code, r.text[:300])
    assert "set-cookie" not in r.headers
    _, q = redirect_query(r)
    assert q["state"] == params["state"] and "code" not in q, q
    return q


def test_off_network_browser_is_login_required_not_the_one_time_code_page(tg, app, cb):
    """A browser not on a handset IP (127.0.0.9): login_required at once (prompt=none implied),
    never the SMS one-time-code page; the same request for SIM swap still gets that page."""
    for extra in ({}, {"prompt": "none"}):
        q = refusal(tg, app, cb, f"{LEGIT} {NV_SCOPES}", source="127.0.0.9", **extra)
        assert q["error"] == "login_required", q
        assert "network-based authentication" in q["error_description"], q
    s = requests.Session()
    s.mount("http://", SourceAdapter("127.0.0.9"))
    page = s.get(tg.authz + "/oauth2/authorize", params=authorize_params(app, cb, f"{LEGIT} sim-swap:check", pkce()[1]),
                 allow_redirects=False, timeout=5)
    assert page.status_code == 200 and 'name="phone_number"' in page.text, page.text[:300]


def test_consent_purpose_without_a_stored_consent_is_consent_required(tg, app, cb):
    """From +34600000002's handset, consent purpose, no stored consent: consent_required instead of the consent page."""
    q = refusal(tg, app, cb, f"{CONSENT} {VERIFY}", source="127.0.0.2")
    assert q["error"] == "consent_required", q


@pytest.mark.parametrize("prompt", ["login", "consent", "none consent"])
def test_prompt_login_or_consent_is_invalid_request(tg, app, cb, prompt):
    """prompt=login / prompt=consent ask for the interaction this API excludes: invalid_request, even from the handset."""
    q = refusal(tg, app, cb, f"{LEGIT} {NV_SCOPES}", prompt=prompt)
    assert q["error"] == "invalid_request", q


# --- CIBA ------------------------------------------------------------------------------------

def bc_token(tg, app, hint, scope):
    """CIBA with a legitimate-interest purpose: approved at once, the first poll gets the token."""
    b = requests.post(tg.authz + "/oauth2/bc-authorize", auth=(app["client_id"], app["client_secret"]),
                      data={"login_hint": hint, "scope": scope}, timeout=5)
    assert b.status_code == 200, b.text
    t = requests.post(tg.authz + "/oauth2/token", auth=(app["client_id"], app["client_secret"]),
                      data={"grant_type": CIBA, "auth_req_id": b.json()["auth_req_id"]}, timeout=5)
    assert t.status_code == 200, t.text
    return t.json()["access_token"]


def operator_token(tg, msisdn):
    r = requests.post(f"{tg.net}/handset/{msisdn}/operator-token", timeout=5)
    assert r.status_code == 200, r.text
    return r.json()["operator_token"]


def test_ciba_with_an_operator_token(tg, app):
    """CIBA login_hint=operatortoken:<TS.43 token of +34600000003's handset>: amr nba, the number is shared and verifies."""
    tok = bc_token(tg, app, "operatortoken:" + operator_token(tg, "+34600000003"), f"{LEGIT} {NV_SCOPES}")
    assert claims_of(tok)["amr"] == ["nba"]
    nv = nv_api(tg, tok)
    assert nv.call("GET", "/device-phone-number", expect=200).json_body == {"devicePhoneNumber": "+34600000003"}
    assert nv.post("/verify", {"hashedPhoneNumber": sha256_hex("+34600000003")}, expect=200).json_body == \
        {"devicePhoneNumberVerified": True}
    assert nv.post("/verify", {"phoneNumber": "+34600000001"}, expect=200).json_body == \
        {"devicePhoneNumberVerified": False}


def test_ciba_with_an_ipport_hint(tg, app):
    """CIBA login_hint=ipport:127.0.0.2:<port> (the handset's address): amr nba, +34600000002."""
    tok = bc_token(tg, app, "ipport:127.0.0.2:40000", f"{LEGIT} {NV_SCOPES}")
    assert nv_api(tg, tok).call("GET", "/device-phone-number", expect=200).json_body == \
        {"devicePhoneNumber": "+34600000002"}


def test_ciba_with_a_tel_hint_is_refused(tg, app):
    """CIBA login_hint=tel:+E164 proves nothing about the device: 400 invalid_request at
    /bc-authorize (ours or not), naming the hints that are network-based; tel: for SIM swap still works."""
    for hint in ("tel:+34600000001", "tel:+34699999999"):
        b = requests.post(tg.authz + "/oauth2/bc-authorize", auth=(app["client_id"], app["client_secret"]),
                          data={"login_hint": hint, "scope": f"{LEGIT} {NV_SCOPES}"}, timeout=5)
        assert b.status_code == 400, b.text
        assert b.json()["error"] == "invalid_request", b.text
        assert "ipport:" in b.json()["error_description"] and "operatortoken:" in b.json()["error_description"]
    assert claims_of(bc_token(tg, app, "tel:+34600000001", f"{LEGIT} sim-swap:check"))["amr"] == ["tel"]


# --- JWT bearer ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def bearer(tg, tmp_path_factory):
    """A private_key_jwt client allowed the JWT bearer grant and the Number Verification scopes."""
    key = ec.generate_private_key(ec.SECP256R1())
    pub = key.public_key().public_numbers()
    b64 = lambda n: base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()  # noqa: E731
    jwk = {"kty": "EC", "crv": "P-256", "x": b64(pub.x), "y": b64(pub.y), "kid": "k1", "alg": "ES256", "use": "sig"}
    f = tmp_path_factory.mktemp("nv-jwks") / "jwks.json"
    f.write_text(json.dumps({"keys": [jwk]}))
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", NV_SCOPES,
               "--grant", JWT_BEARER, "--auth", "private_key_jwt", "--jwks", str(f))
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), key


def bearer_grant(tg, client, key, sub, scope):
    return requests.post(tg.authz + "/oauth2/token",
                         data={"grant_type": JWT_BEARER, "assertion": assertion(tg, client, key, sub, scope)},
                         timeout=5)


def test_jwt_bearer_with_an_operator_token(tg, bearer):
    """JWT bearer with sub operatortoken:<TS.43 token of +34600000002's handset>: amr nba, the number is shared and verifies."""
    client, key = bearer
    r = bearer_grant(tg, client, key, "operatortoken:" + operator_token(tg, "+34600000002"), f"{LEGIT} {NV_SCOPES}")
    assert r.status_code == 200, r.text
    tok = r.json()["access_token"]
    assert claims_of(tok)["amr"] == ["nba"]
    nv = nv_api(tg, tok)
    assert nv.call("GET", "/device-phone-number", expect=200).json_body == {"devicePhoneNumber": "+34600000002"}
    assert nv.post("/verify", {"phoneNumber": "+34600000002"}, expect=200).json_body == \
        {"devicePhoneNumberVerified": True}


def test_jwt_bearer_with_a_tel_subject_is_refused(tg, bearer):
    """JWT bearer with sub tel:+E164 is the client's assertion, not network authentication: invalid_grant, no token."""
    client, key = bearer
    r = bearer_grant(tg, client, key, "tel:+34600000001", f"{LEGIT} {NV_SCOPES}")
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_grant", r.text
    assert "operatortoken:" in r.json()["error_description"], r.text
    assert "access_token" not in r.json()


# --- SIM swap with a 3-legged token ----------------------------------------------------------

def sim_swap_api(tg, token):
    return Api(tg, "sim-swap", "/sim-swap/v2", token)


def test_sim_swap_three_legged_subject_from_the_token(tg, app, cb):
    """SIM Swap v2 with a code-flow token: no phoneNumber → the token's subscriber (+34600000001, swapped 48 h ago);
    a phoneNumber in the body, even the same one → 422 UNNECESSARY_IDENTIFIER; all bodies per the spec."""
    tok = code_flow_token(tg, app, cb, f"{LEGIT} sim-swap:check sim-swap:retrieve-date")["access_token"]
    ss = sim_swap_api(tg, tok)
    assert ss.post("/check", {}, expect=200).json_body == {"swapped": True}
    assert ss.post("/check", {"maxAge": 240}, expect=200).json_body == {"swapped": True}
    assert ss.post("/check", {"maxAge": 24}, expect=200).json_body == {"swapped": False}
    r = ss.post("/retrieve-date", {}, expect=200)
    assert r.json_body["latestSimChange"] is not None
    for body in ({"phoneNumber": "+34600000001"}, {"phoneNumber": "+34600000002", "maxAge": 240}):
        assert error_of(ss.post("/check", body)) == (422, "UNNECESSARY_IDENTIFIER")
    assert error_of(ss.post("/retrieve-date", {"phoneNumber": "+34600000001"})) == (422, "UNNECESSARY_IDENTIFIER")
    assert error_of(ss.post("/check", {"maxAge": 2401})) == (400, "OUT_OF_RANGE")  # beyond the schema maximum 2400


def test_sim_swap_three_legged_other_subscriber_by_ciba(tg, app):
    """The same through CIBA for +34600000002 (never swapped): swapped false, latestSimChange is the activation."""
    tok = bc_token(tg, app, "ipport:127.0.0.2", f"{LEGIT} sim-swap:check sim-swap:retrieve-date")
    ss = sim_swap_api(tg, tok)
    assert ss.post("/check", {"maxAge": 2400}, expect=200).json_body == {"swapped": False}
    assert ss.post("/retrieve-date", {}, expect=200).json_body["latestSimChange"] is not None
