"""The operator's CLI groups against the data folder of a RUNNING `tollgate run`
(SQLite WAL): partner list/show, client show, consent list/withdraw, token
revoke/introspect, and --json on every group. Changes made by the CLI reach the
running gateway through the revocation feed."""
import json
import time

import requests

from test_authz_3legged import CONSENT, LEGIT, app, cb, claims_of, code_flow, create_client, refresh  # noqa: F401
from test_consent_withdrawal import consent_flow

CHECK = "/sim-swap/v2/check"


def cli_json(tg, *args, code=0):
    r = tg.cli(*args)
    assert r.returncode == code, (r.returncode, r.stdout, r.stderr)
    return json.loads(r.stdout) if code == 0 else r


def wait_401(tg, tok, reason):
    deadline = time.time() + 5
    while time.time() < deadline:
        r = requests.post(tg.gw + CHECK, headers={"Authorization": "Bearer " + tok},
                          json={"phoneNumber": "+34600000001", "maxAge": 240}, timeout=5)
        if r.status_code == 401:
            break
        time.sleep(0.2)
    assert r.status_code == 401, r.text
    assert f'"reason":"{reason}"' in tg.wait_log(f'"reason":"{reason}"')


def test_every_group_accepts_json(tg):
    for args in (["client", "list"], ["key", "list"], ["audit", "verify"], ["partner", "list"],
                 ["consent", "list"]):
        out = cli_json(tg, *args, "--json")
        assert isinstance(out, (list, dict)), args


def test_partner_list_and_show(tg, app):
    partners = cli_json(tg, "partner", "list")
    demo = next(p for p in partners if p["name"] == "demo-partner")
    assert demo["tier"] and demo["products"] and app["client_id"] in demo["clients"]
    assert tg.client_id in demo["clients"]
    shown = cli_json(tg, "partner", "show", "demo-partner", "--json")
    ids = [c["client_id"] for c in shown["clients"]]
    assert app["client_id"] in ids
    assert all("client_secret" not in c and "secret_hash" not in c for c in shown["clients"])
    r = cli_json(tg, "partner", "show", "no-such-partner", code=2)
    assert "no partner" in r.stderr


def test_client_show(tg, app):
    c = cli_json(tg, "client", "show", app["client_id"])
    assert c["client_id"] == app["client_id"] and c["partner"] == "demo-partner"
    assert "client_secret" not in c
    cli_json(tg, "client", "show", "tg_nope", code=2)


def test_consent_list_and_withdraw_while_running(tg, app, cb):
    body = consent_flow(tg, app, cb, f"{CONSENT} sim-swap:check offline_access")
    tok = body["access_token"]
    cid = claims_of(tok)["consent_id"]
    listed = cli_json(tg, "consent", "list", "--subscriber", "tel:+34600000001", "--partner", "demo-partner")
    mine = next(c for c in listed if c["consent_id"] == cid)
    assert mine["active"] and mine["purpose"] == CONSENT and mine["subscriber"] == "tel:+34600000001"
    assert cli_json(tg, "consent", "list", "--subscriber", "tel:+34600000003") == []
    cli_json(tg, "consent", "list", "--subscriber", "34600", code=2)
    assert requests.post(tg.gw + CHECK, headers={"Authorization": "Bearer " + tok},
                         json={"maxAge": 240}, timeout=5).status_code == 200

    out = cli_json(tg, "consent", "withdraw", cid)
    assert out["consent_id"] == cid and out["active"] is False and out["newly_withdrawn"] is True
    wait_401(tg, tok, "consent_revoked")
    rr = requests.post(tg.authz + "/oauth2/token", auth=(app["client_id"], app["client_secret"]),
                       data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]}, timeout=5)
    assert rr.json()["error"] == "invalid_grant"
    again = cli_json(tg, "consent", "withdraw", cid)
    assert again["newly_withdrawn"] is False and again["revocation_seq"] == out["revocation_seq"]
    cli_json(tg, "consent", "withdraw", "cns_nope", code=2)
    audit = [json.loads(x) for x in tg.cli("audit", "export").stdout.splitlines() if x.strip()]
    assert [a["by"] for a in audit if a.get("event") == "consent_withdrawn" and a.get("consent_id") == cid] == ["cli"]


def test_token_introspect_and_revoke(tg):
    tok = tg.token(scope="sim-swap:check")
    claims = claims_of(tok)
    info = cli_json(tg, "token", "introspect", tok)
    assert info["active"] is True and info["reason"] == "ok" and info["jti"] == claims["jti"]
    assert info["claims"]["client_id"] == tg.client_id
    assert cli_json(tg, "token", "introspect", "a.b.c") == {"active": False, "reason": "not_ours"}
    # A token signed by someone else is not ours.
    forged = tok.rsplit(".", 1)[0] + "." + "A" * 86
    assert cli_json(tg, "token", "introspect", forged)["active"] is False

    out = cli_json(tg, "token", "revoke", tok)
    assert out["jti"] == claims["jti"] and out["newly_revoked"] is True
    wait_401(tg, tok, "token_revoked")
    info = cli_json(tg, "token", "introspect", tok)
    assert info["active"] is False and info["reason"] == "token_revoked"
    cli_json(tg, "token", "revoke", forged, code=2)

    # By jti and exp (a token we do not hold).
    other = tg.token(scope="sim-swap:check")
    oc = claims_of(other)
    out = cli_json(tg, "token", "revoke", "--jti", oc["jti"], "--exp", str(oc["exp"]), "--client-id", tg.client_id)
    assert out["newly_revoked"] is True
    wait_401(tg, other, "token_revoked")
    assert tg.cli("token", "revoke", "--jti", "x").returncode == 2  # --exp is required with --jti
    audit = [json.loads(x) for x in tg.cli("audit", "export").stdout.splitlines() if x.strip()]
    assert any(a.get("event") == "token_revoked" and a.get("jti") == oc["jti"] and a.get("by") == "cli" for a in audit)


def test_client_disable_revokes_its_refresh_tokens(tg, cb):
    """`tollgate client disable` (the admin API's code path): the client's refresh token no longer refreshes."""
    c = create_client(tg, cb, "authorization_code", "refresh_token")
    tokens = code_flow(tg, c, cb, f"{LEGIT} sim-swap:check offline_access")
    assert "refresh_token" in tokens
    out = cli_json(tg, "client", "disable", c["client_id"])
    assert out["disabled"] is True and out["newly_disabled"] is True
    r = refresh(tg, c, tokens["refresh_token"])
    assert r.status_code in (400, 401) and r.json()["error"] in ("invalid_grant", "invalid_client"), r.text
    assert cli_json(tg, "client", "disable", c["client_id"])["newly_disabled"] is False
    cli_json(tg, "client", "disable", "tg_nobody", code=2)
