"""Token governance through the real process: private_key_jwt (RFC 7523 with the
CAMARA rules), revocation and introspection, the revocations feed, client
disable, key rotation while running, lockout, rate limits, and the hash-chained
audit trail (verify, export, tamper detection)."""
import base64
import json
import sqlite3
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import Tollgate

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def ec_jwk(key, private=False):
    """RFC 7518 §6.2 JWK of a P-256 key with full 32-byte coordinates (PyJWT 2.6's to_jwk drops leading
    zero bytes, which a strict verifier rightly refuses about once in 128 keys)."""
    def b64(n):
        return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()
    pub = key.public_key().public_numbers() if private else key.public_numbers()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64(pub.x), "y": b64(pub.y)}
    if private:
        jwk["d"] = b64(key.private_numbers().private_value)
    return jwk


@pytest.fixture(scope="module")
def gov(tmp_path_factory):
    """A Tollgate with a short lockout and a slow default token rate (for partners without a tier)."""
    t = Tollgate(tmp_path_factory.mktemp("governance"), extra_authz=(
        "  lockout_threshold: 5\n"
        "  lockout_base: 2s\n"
        "  default_token_rate: 1/s\n"))
    t.admin_token = (t.data / "admin-token").read_text().strip()
    yield t
    assert t.stop() == 0, t.logs()[-3000:]


def new_client(t, *args, partner="demo-partner", scope="sim-swap:check"):
    r = t.cli("client", "create", "--partner", partner, "--scope", scope, *args)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def token(t, cid, secret, scope="sim-swap:check"):
    return requests.post(t.authz + "/oauth2/token", auth=(cid, secret),
                         data={"grant_type": "client_credentials", "scope": scope}, timeout=5)


def audit(t, event=None):
    r = t.cli("audit", "export")
    assert r.returncode == 0, r.stderr
    recs = [json.loads(line) for line in r.stdout.splitlines()]
    return [x for x in recs if event is None or x["event"] == event]


@pytest.fixture(scope="module")
def pk_client(gov, tmp_path_factory):
    """A private_key_jwt client registered with a JWKS file holding a PyJWT-made EC key."""
    key = ec.generate_private_key(ec.SECP256R1())
    jwk = ec_jwk(key.public_key())
    jwk.update({"kid": "partner-key-1", "use": "sig", "alg": "ES256"})
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    c = new_client(gov, "--jwks", str(path))
    assert c["auth_methods"] == ["private_key_jwt"] and "client_secret" not in c
    return c["client_id"], key


def assertion(gov, cid, key, **over):
    now = int(time.time())
    claims = {"iss": cid, "sub": cid, "aud": gov.authz + "/oauth2/token", "iat": now, "exp": now + 120,
              "jti": str(uuid.uuid4())}
    claims.update(over)
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "partner-key-1"})


def pk_token(gov, a, scope="sim-swap:check"):
    return requests.post(gov.authz + "/oauth2/token", data={
        "grant_type": "client_credentials", "scope": scope,
        "client_assertion_type": ASSERTION_TYPE, "client_assertion": a}, timeout=5)


def test_private_key_jwt_issues_token_and_audits_kid(gov, pk_client):
    """A PyJWT-signed assertion authenticates the client; the audit record names the kid used."""
    cid, key = pk_client
    r = pk_token(gov, assertion(gov, cid, key))
    assert r.status_code == 200, r.text
    claims = jwt.decode(r.json()["access_token"], options={"verify_signature": False})
    assert claims["client_id"] == cid
    ok = [x for x in audit(gov, "client_auth") if x["client_id"] == cid and x["outcome"] == "success"]
    assert ok and ok[-1]["method"] == "private_key_jwt" and ok[-1]["kid"] == "partner-key-1"


def test_private_key_jwt_replayed_jti_refused(gov, pk_client):
    """The same assertion (same jti) is accepted once; the replay is 401 invalid_client, audited as such."""
    cid, key = pk_client
    a = assertion(gov, cid, key)
    assert pk_token(gov, a).status_code == 200
    r = pk_token(gov, a)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"] == 'Basic realm="tollgate"'
    reasons = [x["reason"] for x in audit(gov, "client_auth") if x["client_id"] == cid and x["outcome"] == "failure"]
    assert "assertion_replayed" in reasons


def test_private_key_jwt_exp_too_far_and_wrong_aud_refused(gov, pk_client):
    """exp more than 300 s ahead, exp - iat over 300 s, and a foreign audience are each refused."""
    cid, key = pk_client
    now = int(time.time())
    cases = {
        "assertion_exp_too_far": assertion(gov, cid, key, iat=now, exp=now + 400),
        "assertion_lifetime_too_long": assertion(gov, cid, key, iat=now - 200, exp=now + 150),
        "assertion_invalid": assertion(gov, cid, key, aud="https://other-as.example/token"),
    }
    for reason, a in cases.items():
        r = pk_token(gov, a)
        assert r.status_code == 401 and r.json() == {"error": "invalid_client",
                                                     "error_description": "client authentication failed"}, reason
    fails = [x for x in audit(gov, "client_auth") if x["client_id"] == cid and x["outcome"] == "failure"]
    seen = {x["reason"] for x in fails}
    assert {"assertion_exp_too_far", "assertion_lifetime_too_long", "assertion_invalid"} <= seen
    assert any(x.get("detail") == "aud_mismatch" for x in fails)


def test_discovery_advertises_methods(gov):
    """Discovery names private_key_jwt, its algorithms, and the revocation and introspection endpoints."""
    d = requests.get(gov.authz + "/.well-known/openid-configuration", timeout=5).json()
    assert "private_key_jwt" in d["token_endpoint_auth_methods_supported"]
    assert "ES256" in d["token_endpoint_auth_signing_alg_values_supported"]
    assert d["revocation_endpoint"] == gov.authz + "/oauth2/revoke"
    assert d["introspection_endpoint"] == gov.authz + "/oauth2/introspect"


def test_revoke_then_introspect_inactive_and_feed(gov):
    """Revoke (RFC 7009) makes introspection (RFC 7662) say active:false; the feed lists the jti."""
    c = new_client(gov)
    cid, secret = c["client_id"], c["client_secret"]
    tok = token(gov, cid, secret).json()["access_token"]
    jti = jwt.decode(tok, options={"verify_signature": False})["jti"]
    intro = requests.post(gov.authz + "/oauth2/introspect", auth=(cid, secret), data={"token": tok}, timeout=5)
    assert intro.status_code == 200 and intro.json()["active"] is True and intro.json()["jti"] == jti
    assert requests.post(gov.authz + "/oauth2/revoke", data={"token": tok}, timeout=5).status_code == 401
    r = requests.post(gov.authz + "/oauth2/revoke", auth=(cid, secret), data={"token": tok}, timeout=5)
    assert r.status_code == 200 and r.text == ""
    intro = requests.post(gov.authz + "/oauth2/introspect", auth=(cid, secret), data={"token": tok}, timeout=5)
    assert intro.json() == {"active": False}
    nope = requests.post(gov.authz + "/oauth2/introspect", data={"token": tok}, timeout=5)
    assert nope.status_code == 401 and nope.json()["error"] == "invalid_client"
    feed = requests.get(gov.authz + "/oauth2/revocations?since=0",
                        headers={"Authorization": "Bearer " + gov.admin_token}, timeout=5)
    assert feed.status_code == 200
    assert {"jti": jti, "exp": jwt.decode(tok, options={"verify_signature": False})["exp"]} in feed.json()["revoked"]
    assert requests.get(gov.authz + "/oauth2/revocations?since=0", timeout=5).status_code == 401


def test_admin_token_file_is_private(gov):
    """The generated admin credential is 0600 and long."""
    st = (gov.data / "admin-token").stat()
    assert st.st_mode & 0o777 == 0o600
    assert len(gov.admin_token) >= 43


def test_client_disable_revokes_what_rests_on_it(gov):
    """`tollgate client disable` while running: tokens go inactive, no new token, the feed names the client."""
    c = new_client(gov)
    cid, secret = c["client_id"], c["client_secret"]
    tok = token(gov, cid, secret).json()["access_token"]
    r = gov.cli("client", "disable", cid)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["newly_disabled"] is True
    admin = {"Authorization": "Bearer " + gov.admin_token}
    intro = requests.post(gov.authz + "/oauth2/introspect", headers=admin, data={"token": tok}, timeout=5)
    assert intro.json() == {"active": False}
    assert token(gov, cid, secret).status_code == 401
    feed = requests.get(gov.authz + "/oauth2/revocations?since=0", headers=admin, timeout=5).json()
    assert {"client_id": cid} in feed["revoked"]
    assert gov.cli("client", "disable", "tg_nobody").returncode == 2


def test_lockout_after_repeated_failures(gov):
    """Five wrong secrets: 401 each; then even the right secret gets 429 + Retry-After; audited; it expires."""
    c = new_client(gov)
    cid, secret = c["client_id"], c["client_secret"]
    for _ in range(5):
        assert token(gov, cid, "wrong-secret").status_code == 401
    r = token(gov, cid, secret)
    assert r.status_code == 429
    assert r.json()["error"] == "temporarily_unavailable"
    assert int(r.headers["Retry-After"]) in (1, 2)
    locked = [x for x in audit(gov, "client_locked") if x["client_id"] == cid]
    assert locked and locked[0]["duration_s"] == 2 and locked[0]["failures"] == 5
    time.sleep(2.2)
    assert token(gov, cid, secret).status_code == 200


def test_rate_limit_429_with_retry_after(gov):
    """A partner without a catalog tier gets default_token_rate (1/s, burst 10): quick requests past 10 get 429."""
    c = new_client(gov, partner="no-tier-partner")
    answers = [token(gov, c["client_id"], c["client_secret"]) for _ in range(25)]
    assert [a.status_code for a in answers[:10]] == [200] * 10
    limited = [a for a in answers if a.status_code == 429]
    assert limited, [a.status_code for a in answers]
    r = limited[0]
    assert int(r.headers["Retry-After"]) >= 1
    assert r.json()["error"] == "temporarily_unavailable"


def test_key_rotate_while_running(gov):
    """`tollgate key rotate` while running: within seconds the JWKS holds both keys and new tokens use the new kid."""
    c = new_client(gov)
    old_kid = jwt.get_unverified_header(token(gov, c["client_id"], c["client_secret"]).json()["access_token"])["kid"]
    r = gov.cli("key", "rotate", "--json")
    assert r.returncode == 0, r.stderr
    new_kid = json.loads(r.stdout)["kid"]
    assert new_kid != old_kid
    deadline = time.time() + 10
    while time.time() < deadline:
        kids = [k["kid"] for k in requests.get(gov.authz + "/jwks.json", timeout=5).json()["keys"]]
        if new_kid in kids:
            break
        time.sleep(0.2)
    assert old_kid in kids and new_kid in kids
    tok = token(gov, c["client_id"], c["client_secret"]).json()["access_token"]
    assert jwt.get_unverified_header(tok)["kid"] == new_kid
    listed = json.loads(gov.cli("key", "list", "--json").stdout)
    status = {k["kid"]: k["status"] for k in listed}
    assert status[new_kid] == "signing" and status[old_kid] == "previous"
    assert any(x["event"] == "key_generated" and x["kid"] == new_kid for x in audit(gov))


def test_audit_verify_then_tamper_names_the_record(gov):
    """audit verify proves the chain; editing one row with sqlite3 makes it fail naming that record."""
    r = gov.cli("audit", "verify", "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    report = json.loads(r.stdout)
    assert report["ok"] is True and report["records"] > 10
    since = gov.cli("audit", "export", "--since", "2000-01-01T00:00:00Z")
    assert since.returncode == 0 and len(since.stdout.splitlines()) == report["records"]
    db = sqlite3.connect(gov.data / "tollgate.db")
    target = db.execute("SELECT seq FROM audit WHERE event = 'token_issued' ORDER BY seq LIMIT 1").fetchone()[0]
    db.execute("DROP TRIGGER audit_no_update")
    db.execute("UPDATE audit SET record = replace(record, '\"lifetime\":900', '\"lifetime\":90000') WHERE seq = ?",
               (target,))
    db.commit()
    db.close()
    r = gov.cli("audit", "verify", "--json")
    assert r.returncode == 1
    broken = json.loads(r.stdout)
    assert broken["ok"] is False and broken["first_broken"] == target
    assert broken["reason"] == "its content does not match its stored hash"
    text = gov.cli("audit", "verify")
    assert f"BROKEN at record {target}" in text.stdout
