"""The gateway validates our tokens locally and forwards to the simulated
network's CAMARA SIM Swap API; refusals carry the RFC 6750 header and the
CAMARA error body."""
import base64
import re

import requests

UNAUTH_BODY_CODE = "UNAUTHENTICATED"


def call(tg, path, body, token=None, headers=None):
    h = {"Content-Type": "application/json"}
    if token is not None:
        h["Authorization"] = f"Bearer {token}"
    h.update(headers or {})
    return requests.post(tg.gw + path, json=body, headers=h, timeout=5)


def test_check_swapped_number(tg):
    """+34600000001 was swapped 48 h ago: swapped within the default 240 h."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tg.token())
    assert r.status_code == 200, r.text
    assert r.json() == {"swapped": True}
    assert r.headers["Content-Type"].startswith("application/json")


def test_check_with_short_max_age(tg):
    """A 24 h window does not include a swap 48 h ago."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001", "maxAge": 24}, tg.token())
    assert r.status_code == 200, r.text
    assert r.json() == {"swapped": False}


def test_check_never_swapped(tg):
    """+34600000002 was never swapped."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000002", "maxAge": 2400}, tg.token())
    assert r.status_code == 200, r.text
    assert r.json() == {"swapped": False}


def test_retrieve_date(tg):
    """retrieve-date returns an RFC 3339 date-time for a known number."""
    r = call(tg, "/sim-swap/v2/retrieve-date", {"phoneNumber": "+34600000001"}, tg.token())
    assert r.status_code == 200, r.text
    d = r.json()["latestSimChange"]
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$", d), d


def test_unknown_number_is_404(tg):
    """A number unknown to the operator is 404 IDENTIFIER_NOT_FOUND."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000999"}, tg.token())
    assert r.status_code == 404
    assert r.json()["code"] == "IDENTIFIER_NOT_FOUND"
    assert r.json()["status"] == 404


def test_no_token_is_401(tg):
    """No Authorization header: 401 UNAUTHENTICATED with a Bearer challenge."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"})
    assert r.status_code == 401
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    b = r.json()
    assert b["status"] == 401 and b["code"] == UNAUTH_BODY_CODE and b["message"]


def tamper(token):
    h, p, s = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(s + "=" * (-len(s) % 4)))
    raw[10] ^= 0x01
    return f"{h}.{p}." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()


def test_tampered_signature_is_401_invalid_token(tg):
    """A flipped signature bit: 401, error="invalid_token", the generic CAMARA body."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tamper(tg.token()))
    assert r.status_code == 401
    assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
    b = r.json()
    assert b["code"] == UNAUTH_BODY_CODE
    # the same generic message whatever the reason
    r2 = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, "garbage.token.here")
    assert r2.status_code == 401 and r2.json()["message"] == b["message"]


def test_tampered_payload_is_401(tg):
    """Changing the payload (e.g. widening scope) breaks the signature."""
    h, p, s = tg.token(scope="sim-swap:retrieve-date").split(".")
    payload = base64.urlsafe_b64decode(p + "=" * (-len(p) % 4)).replace(b"sim-swap:retrieve-date", b"sim-swap:check")
    forged = f"{h}.{base64.urlsafe_b64encode(payload).rstrip(b'=').decode()}.{s}"
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, forged)
    assert r.status_code == 401


def test_missing_scope_is_403(tg):
    """A token without a scope the route accepts: 403 PERMISSION_DENIED, error="insufficient_scope"."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tg.token(scope="sim-swap:retrieve-date"))
    assert r.status_code == 403
    assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]
    assert r.json()["code"] == "PERMISSION_DENIED"


def test_correlator_echoed_and_generated(tg):
    """x-correlator is echoed when sent (errors too) and generated when absent."""
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tg.token(),
             headers={"x-correlator": "abc-123"})
    assert r.headers["x-correlator"] == "abc-123"
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, None, headers={"x-correlator": "err-1"})
    assert r.status_code == 401 and r.headers["x-correlator"] == "err-1"
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tg.token())
    assert r.headers.get("x-correlator")
    r = call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tg.token(),
             headers={"x-correlator": "bad value!"})
    assert r.status_code == 400 and r.json()["code"] == "INVALID_ARGUMENT"


def test_access_log_never_has_the_token(tg):
    """The access log names the refusal reason and jti but never contains a token."""
    tok = tg.token()
    call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tok)
    call(tg, "/sim-swap/v2/check", {"phoneNumber": "+34600000001"}, tamper(tok))
    logs = tg.wait_log('"signature_invalid"')
    assert tok.split(".")[2] not in logs
    assert tok not in logs
    assert tg.client_secret not in logs
    assert '"signature_invalid"' in logs
