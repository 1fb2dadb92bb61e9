"""The admin REST API (/admin/v1/) of a real `tollgate run`, guarded by the
admin token of the data folder as a Bearer credential: clients, partners,
consents, token revocation, key rotation and audit verification, with their
effect seen by the running gateway."""
import json
import time

import requests

from test_authz_3legged import CONSENT, app, cb, claims_of  # noqa: F401
from test_consent_withdrawal import consent_flow

CHECK = "/sim-swap/v2/check"


def jwt_kid(tok):
    import jwt
    return jwt.get_unverified_header(tok)["kid"]


def admin(tg):
    return {"Authorization": "Bearer " + (tg.data / "admin-token").read_text().strip()}


def call(tg, tok):
    """SIM swap check: a 3-legged token names the subscriber itself, a 2-legged one needs phoneNumber."""
    body = {"maxAge": 240} if "consent_id" in claims_of(tok) else {"phoneNumber": "+34600000001", "maxAge": 240}
    return requests.post(tg.gw + CHECK, headers={"Authorization": "Bearer " + tok}, json=body, timeout=5)


def wait_401(tg, tok, reason):
    deadline = time.time() + 5
    while time.time() < deadline:
        r = call(tg, tok)
        if r.status_code == 401:
            break
        time.sleep(0.2)
    assert r.status_code == 401, r.text
    assert f'"reason":"{reason}"' in tg.wait_log(f'"reason":"{reason}"')


def test_credential_is_required(tg):
    for h in ({}, {"Authorization": "Bearer " + "x" * 43}, {"Authorization": "Basic YTpi"}):
        r = requests.get(tg.authz + "/admin/v1/clients", headers=h, timeout=5)
        assert r.status_code == 401
        assert r.headers["WWW-Authenticate"].startswith("Bearer")
        assert r.json()["error"] == "invalid_token" and r.json()["error_description"]
    r = requests.get(tg.authz + "/admin/v1/nothing", headers=admin(tg), timeout=5)
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_create_client_then_disable_it(tg):
    r = requests.post(tg.authz + "/admin/v1/clients", headers=admin(tg), timeout=5,
                      json={"partner": "demo-partner", "scope": "sim-swap:check"})
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["client_secret"] and c["partner"] == "demo-partner"
    for bad in ({"partner": "demo-partner", "scope": "sim-swap:check", "admin": True},
                {"partner": "demo-partner", "scope": "not-a:scope"}, {"scope": "sim-swap:check"}):
        r = requests.post(tg.authz + "/admin/v1/clients", headers=admin(tg), json=bad, timeout=5)
        assert r.status_code == 400 and r.json()["error"] == "invalid_request", bad
    shown = requests.get(tg.authz + f"/admin/v1/clients/{c['client_id']}", headers=admin(tg), timeout=5).json()
    assert shown["client_id"] == c["client_id"] and "client_secret" not in shown
    listed = requests.get(tg.authz + "/admin/v1/clients", headers=admin(tg), timeout=5).json()["clients"]
    assert c["client_id"] in [x["client_id"] for x in listed]
    assert requests.get(tg.authz + "/admin/v1/clients/tg_nope", headers=admin(tg), timeout=5).status_code == 404

    tok = tg.token(scope="sim-swap:check", client=(c["client_id"], c["client_secret"]))
    assert call(tg, tok).status_code == 200
    r = requests.post(tg.authz + f"/admin/v1/clients/{c['client_id']}/disable", headers=admin(tg), timeout=5)
    assert r.status_code == 200 and r.json()["newly_disabled"] is True
    wait_401(tg, tok, "client_revoked")


def test_revoke_token(tg):
    tok = tg.token(scope="sim-swap:check")
    assert call(tg, tok).status_code == 200
    r = requests.post(tg.authz + "/admin/v1/tokens/revoke", headers=admin(tg), json={"token": tok}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["jti"] == claims_of(tok)["jti"] and r.json()["newly_revoked"] is True
    wait_401(tg, tok, "token_revoked")
    r = requests.post(tg.authz + "/admin/v1/tokens/revoke", headers=admin(tg), json={"token": "a.b.c"}, timeout=5)
    assert r.status_code == 400
    r = requests.post(tg.authz + "/admin/v1/tokens/revoke", headers=admin(tg), data="jti=x", timeout=5)
    assert r.status_code == 400


def test_consents_and_partners(tg, app, cb):
    body = consent_flow(tg, app, cb, f"{CONSENT} sim-swap:check")
    tok = body["access_token"]
    cid = claims_of(tok)["consent_id"]
    r = requests.get(tg.authz + "/admin/v1/consents", params={"subscriber": "tel:+34600000001"},
                     headers=admin(tg), timeout=5)
    assert r.status_code == 200
    assert cid in [c["consent_id"] for c in r.json()["consents"] if c["active"]]
    assert requests.get(tg.authz + "/admin/v1/consents?subscriber=123", headers=admin(tg), timeout=5).status_code == 400
    assert call(tg, tok).status_code == 200
    r = requests.post(tg.authz + f"/admin/v1/consents/{cid}/withdraw", headers=admin(tg), timeout=5)
    assert r.status_code == 200 and r.json()["active"] is False
    wait_401(tg, tok, "consent_revoked")
    assert requests.post(tg.authz + "/admin/v1/consents/cns_nope/withdraw", headers=admin(tg),
                         timeout=5).status_code == 404
    partners = requests.get(tg.authz + "/admin/v1/partners", headers=admin(tg), timeout=5).json()["partners"]
    assert "demo-partner" in [p["name"] for p in partners]


def test_rotate_key_and_verify_audit(tg):
    # Published now, signing in an hour: the gateways of this session keep verifying meanwhile.
    r = requests.post(tg.authz + "/admin/v1/keys/rotate", headers=admin(tg), json={"activate_in": 3600}, timeout=5)
    assert r.status_code == 201, r.text
    assert r.json()["activate_at"] >= time.time() + 3500
    bad = requests.post(tg.authz + "/admin/v1/keys/rotate", headers=admin(tg), json={"activate_in": -1}, timeout=5)
    assert bad.status_code == 400
    kid = r.json()["kid"]
    deadline = time.time() + 6
    while time.time() < deadline:
        if kid in [k["kid"] for k in requests.get(tg.authz + "/jwks.json", timeout=5).json()["keys"]]:
            break
        time.sleep(0.3)
    else:
        raise AssertionError("the new key was not published")
    tok = tg.token(scope="sim-swap:check")
    assert jwt_kid(tok) != kid  # the current key still signs
    v = requests.get(tg.authz + "/admin/v1/audit/verify", headers=admin(tg), timeout=5)
    assert v.status_code == 200 and v.json()["ok"] is True and v.json()["records"] > 0
    assert requests.get(tg.authz + "/admin/v1/audit/verify", timeout=5).status_code == 401
    assert tok
    # Every call is in the audit trail, with its action.
    lines = [json.loads(x) for x in tg.cli("audit", "export").stdout.splitlines() if x.strip()]
    actions = {x.get("action") for x in lines if x.get("event") == "admin_call"}
    assert {"keys.rotate", "audit.verify"} <= actions
    assert any(x.get("event") == "admin_auth_failed" for x in lines)
