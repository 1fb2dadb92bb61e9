"""A reused (already rotated) refresh token revokes its whole family through a real `tollgate run`:
the refresh tokens AND the access tokens issued from the family — their jti in the revocation
feed (so gateways refuse them), introspection inactive, the gateway 401."""
import time

import requests

from test_authz_3legged import LEGIT, app, cb, claims_of, code_flow, refresh  # noqa: F401


def admin_token(tg):
    return (tg.data / "admin-token").read_text().strip()


def introspect(tg, app, tok):
    return requests.post(tg.authz + "/oauth2/introspect", auth=(app["client_id"], app["client_secret"]),
                         data={"token": tok}, timeout=5).json()


def test_reused_refresh_token_revokes_the_familys_access_tokens(tg, app, cb):
    first = code_flow(tg, app, cb, f"{LEGIT} sim-swap:check offline_access")
    second = refresh(tg, app, first["refresh_token"]).json()
    third = refresh(tg, app, second["refresh_token"]).json()
    bystander = code_flow(tg, app, cb, f"{LEGIT} sim-swap:check offline_access")
    for body in (first, second, third):
        assert introspect(tg, app, body["access_token"])["active"] is True

    reuse = refresh(tg, app, first["refresh_token"])
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"

    feed = requests.get(tg.authz + "/oauth2/revocations?since=0", timeout=5,
                        headers={"Authorization": "Bearer " + admin_token(tg)}).json()
    revoked = {e.get("jti") for e in feed["revoked"]}
    for body in (first, second, third):
        assert claims_of(body["access_token"])["jti"] in revoked
        assert introspect(tg, app, body["access_token"]) == {"active": False}
    assert claims_of(bystander["access_token"])["jti"] not in revoked
    assert introspect(tg, app, bystander["access_token"])["active"] is True
    assert refresh(tg, app, third["refresh_token"]).json()["error"] == "invalid_grant"

    # The gateway learns it from the feed: the latest access token is refused within seconds.
    h = {"Authorization": "Bearer " + third["access_token"]}
    deadline = time.time() + 5
    while True:
        r = requests.post(tg.gw + "/sim-swap/v2/check", headers=h, json={"maxAge": 240}, timeout=5)
        if r.status_code == 401 or time.time() > deadline:
            break
        time.sleep(0.2)
    assert r.status_code == 401, r.text
    ok = requests.post(tg.gw + "/sim-swap/v2/check", json={"maxAge": 240}, timeout=5,
                       headers={"Authorization": "Bearer " + bystander["access_token"]})
    assert ok.status_code == 200, ok.text
