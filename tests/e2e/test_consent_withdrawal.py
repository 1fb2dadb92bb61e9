"""Consent withdrawal through a real `tollgate run`: a subscriber who allowed a
partner on the consent page withdraws it on the self-care page (GET /consents,
identified by the network like /oauth2/authorize); the gateway then refuses the
3-legged token that rests on the consent (the revocation feed), its refresh
token is invalid_grant, and the JWT bearer grant no longer finds the consent."""
import json
import re
import time

import requests

from test_authz_3legged import (CONSENT, app, assertion, authorize_params, bearer_client, cb,  # noqa: F401
                                claims_of, exchange, hidden, jwt_bearer, pkce, redirect_query)

CHECK = "/sim-swap/v2/check"


def consent_flow(tg, app, cb, scope):
    """The code flow with the consent page (Allow): the token response."""
    verifier, challenge = pkce()
    s = requests.Session()
    page = s.get(tg.authz + "/oauth2/authorize", params=authorize_params(app, cb, scope, challenge, prompt="consent"),
                 allow_redirects=False, timeout=5)
    assert page.status_code == 200, page.text[:300]
    form = {"session": hidden(page.text, "session"), "csrf": hidden(page.text, "csrf"), "decision": "allow"}
    r = s.post(tg.authz + "/oauth2/authorize/consent", data=form, allow_redirects=False, timeout=5)
    _, q = redirect_query(r)
    t = exchange(tg, app, cb, q["code"], verifier)
    assert t.status_code == 200, t.text
    return t.json()


def admin_token(tg):
    return (tg.data / "admin-token").read_text().strip()


def test_withdrawal_on_the_self_care_page_revokes_token_and_refresh(tg, app, cb):
    body = consent_flow(tg, app, cb, f"{CONSENT} sim-swap:check offline_access")
    tok, refresh = body["access_token"], body["refresh_token"]
    consent_id = claims_of(tok)["consent_id"]
    assert consent_id.startswith("cns_")
    h = {"Authorization": "Bearer " + tok}
    r = requests.post(tg.gw + CHECK, headers=h, json={"maxAge": 240}, timeout=5)
    assert r.status_code == 200, r.text

    # The self-care page, from +34600000001's handset (127.0.0.1): the consent is listed with a Withdraw button.
    s = requests.Session()
    page = s.get(tg.authz + "/consents", timeout=5)
    assert page.status_code == 200, page.text[:300]
    assert page.headers["X-Frame-Options"] == "DENY" and page.headers["Cache-Control"] == "no-store"
    assert "demo-partner" in page.text and "check whether your SIM card was changed recently" in page.text
    assert f'value="{consent_id}"' in page.text and ">Withdraw<" in page.text
    assert "+34600000001" not in page.text
    form = {"session": hidden(page.text, "session"), "csrf": hidden(page.text, "csrf"), "consent_id": consent_id}
    # A forged post (no browser cookie) changes nothing.
    forged = requests.post(tg.authz + "/consents/withdraw", data=form, timeout=5)
    assert forged.status_code == 403
    assert requests.post(tg.gw + CHECK, headers=h, json={"maxAge": 240}, timeout=5).status_code == 200

    t0 = time.time()
    done = s.post(tg.authz + "/consents/withdraw", data=form, timeout=5)
    assert done.status_code == 200, done.text[:300]
    assert "You withdrew the permission you gave to demo-partner" in done.text
    assert f'value="{consent_id}"' not in done.text

    # The gateway learns it from the revocation feed within a few seconds: 401, reason consent_revoked.
    while time.time() - t0 < 5:
        r = requests.post(tg.gw + CHECK, headers=h, json={"maxAge": 240}, timeout=5)
        if r.status_code == 401:
            break
        time.sleep(0.2)
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"].startswith("Bearer")
    assert r.json()["code"] == "UNAUTHENTICATED"
    assert '"reason":"consent_revoked"' in tg.wait_log('"reason":"consent_revoked"')

    # The feed names the consent; introspection says inactive.
    feed = requests.get(tg.authz + "/oauth2/revocations?since=0", timeout=5,
                        headers={"Authorization": "Bearer " + admin_token(tg)}).json()
    assert {"consent_id": consent_id} in feed["revoked"]
    intro = requests.post(tg.authz + "/oauth2/introspect", auth=(app["client_id"], app["client_secret"]),
                          data={"token": tok}, timeout=5)
    assert intro.json() == {"active": False}

    # The refresh token rests on the consent: invalid_grant.
    rr = requests.post(tg.authz + "/oauth2/token", auth=(app["client_id"], app["client_secret"]),
                       data={"grant_type": "refresh_token", "refresh_token": refresh}, timeout=5)
    assert rr.status_code == 400 and rr.json()["error"] == "invalid_grant", rr.text

    # Audited, without the subscriber's number.
    lines = [json.loads(x) for x in tg.cli("audit", "export").stdout.splitlines() if x.strip()]
    withdrawn = [x for x in lines if x.get("event") == "consent_withdrawn" and x.get("consent_id") == consent_id]
    assert len(withdrawn) == 1 and withdrawn[0]["by"] == "subscriber"
    assert "34600000001" not in json.dumps(withdrawn[0])

    # A second post of the same form changes nothing more (idempotent) and the consent is not listed again.
    again = s.post(tg.authz + "/consents/withdraw", data=form, timeout=5)
    assert again.status_code == 200
    assert f'value="{consent_id}"' not in s.get(tg.authz + "/consents", timeout=5).text


def test_self_care_one_time_code_fallback(tg, app, cb):
    """From an address that is no handset: the number, the code from the handset's SMS inbox, then the list
    (amr otp: the withdrawal does not need the handset's IP). A wrong code is refused; the page is GET only."""
    from test_authz_3legged import SourceAdapter, inbox
    body = consent_flow(tg, app, cb, f"{CONSENT} sim-swap:check")
    cid = claims_of(body["access_token"])["consent_id"]
    s = requests.Session()
    s.mount("http://", SourceAdapter("127.0.0.9"))
    page = s.get(tg.authz + "/consents", timeout=5)
    assert page.status_code == 200 and 'name="phone_number"' in page.text
    form = {"session": hidden(page.text, "session"), "csrf": hidden(page.text, "csrf")}
    otp_page = s.post(tg.authz + "/consents/login", data={**form, "phone_number": "+34600000001"}, timeout=5)
    assert otp_page.status_code == 200 and 'name="otp"' in otp_page.text
    sms = next(m for m in inbox(tg, "+34600000001") if "permissions you gave" in m["text"])
    code = re.search(r"\b(\d{6})\b", sms["text"]).group(1)
    wrong = s.post(tg.authz + "/consents/otp", data={**form, "otp": "%06d" % ((int(code) + 1) % 10**6)}, timeout=5)
    assert wrong.status_code == 200 and "not right" in wrong.text
    listed = s.post(tg.authz + "/consents/otp", data={**form, "otp": code}, timeout=5)
    assert listed.status_code == 200 and f'value="{cid}"' in listed.text
    done = s.post(tg.authz + "/consents/withdraw", data={**form, "consent_id": cid}, timeout=5)
    assert done.status_code == 200 and f'value="{cid}"' not in done.text
    assert requests.put(tg.authz + "/consents", timeout=5).status_code == 405


def test_jwt_bearer_no_longer_finds_a_withdrawn_consent(tg, app, cb, bearer_client):
    """A consent belongs to the partner: given on the consent page, the JWT bearer grant of another client of the
    partner rests on it; once withdrawn (CLI), the same request is invalid_grant."""
    client, key = bearer_client
    scope = f"{CONSENT} sim-swap:check"
    cid = claims_of(consent_flow(tg, app, cb, scope)["access_token"])["consent_id"]
    r = jwt_bearer(tg, assertion(tg, client, key, "tel:+34600000001", scope))
    assert r.status_code == 200, r.text
    assert claims_of(r.json()["access_token"])["consent_id"] == cid
    listed = json.loads(tg.cli("consent", "list", "--subscriber", "tel:+34600000001", "--partner", "demo-partner").stdout)
    for c in listed:
        if c["active"] and c["purpose"] == CONSENT:
            assert tg.cli("consent", "withdraw", c["consent_id"]).returncode == 0
    r = jwt_bearer(tg, assertion(tg, client, key, "tel:+34600000001", scope))
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant", r.text
