"""The CLI works while `tollgate run` is running, and the gateway verifies
tokens that an independent signer (PyJWT) produced."""
import json
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import Tollgate


def test_client_create_while_running(tg):
    """`tollgate client create` registers a client the running server accepts at once."""
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:retrieve-date")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    assert c["client_id"] and c["client_secret"]
    assert len(c["client_secret"]) >= 43  # 256 bits, base64url
    tok = tg.token(scope="sim-swap:retrieve-date", client=(c["client_id"], c["client_secret"]))
    assert tok
    # the secret is stored only as a hash
    db = (tg.data / "tollgate.db").read_bytes()
    for f in tg.data.glob("tollgate.db*"):
        assert c["client_secret"].encode() not in f.read_bytes()
    assert db


def test_client_create_refuses_unknown_scope(tg):
    """An unknown scope is refused with a clear message and exit code 2."""
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", "no-such:scope")
    assert r.returncode == 2
    assert "no-such:scope" in r.stderr


@pytest.fixture(scope="module")
def foreign(tmp_path_factory):
    """A second Tollgate whose gateway also trusts an issuer keyed by a local PEM file."""
    tmp = tmp_path_factory.mktemp("foreign")
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp / "ext.pem").write_bytes(pem)
    issuer = f"""    - issuer: https://idp.partner.example
      pem_keys: [{{ kid: ext-1, path: {tmp / 'ext.pem'} }}]
      algorithms: [ES256]
"""
    t = Tollgate(tmp, extra_gateway_issuers=[issuer])
    yield t, key
    assert t.stop() == 0


def mint(key, **over):
    now = int(time.time())
    claims = {"iss": "https://idp.partner.example", "aud": "https://api.tollgate.example/sim-swap",
              "sub": "partner-app", "client_id": "partner-app", "scope": "sim-swap:check",
              "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    claims.update(over)
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "ext-1", "typ": "at+jwt"})


def test_pyjwt_signed_token_accepted(foreign):
    """A token PyJWT signed is verified by our core through the gateway."""
    t, key = foreign
    r = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000002"},
                      headers={"Authorization": "Bearer " + mint(key)}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json() == {"swapped": False}


def test_pyjwt_expired_and_wrong_audience_refused(foreign):
    """The same signer's expired or wrong-audience tokens are refused."""
    t, key = foreign
    now = int(time.time())
    for tok in (mint(key, exp=now - 120, iat=now - 600), mint(key, aud="https://other.example")):
        r = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000002"},
                          headers={"Authorization": "Bearer " + tok}, timeout=5)
        assert r.status_code == 401


def test_our_tokens_still_accepted_beside_foreign_issuer(foreign):
    """Adding an issuer keeps our own authorization server trusted."""
    t, _ = foreign
    r = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000001"},
                      headers={"Authorization": "Bearer " + t.token()}, timeout=5)
    assert r.status_code == 200, r.text



def mint_without(key, *names, **over):
    """mint() with the claims `names` left out."""
    claims = jwt.decode(mint(key, **over), options={"verify_signature": False})
    for n in names:
        claims.pop(n)
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": "ext-1", "typ": "at+jwt"})


def test_foreign_token_without_jti_or_client_refused(foreign):
    """RFC 9068 §2.2 requires jti and client_id: a token without a jti could not be
    revoked, one naming no client (no client_id, no azp) would escape the block list,
    the per-client rate limit and QoD session ownership. Both are 401 invalid_token
    (reasons jti_missing / client_id_missing in the access log); azp alone is enough."""
    t, key = foreign
    for tok, reason in ((mint_without(key, "jti"), "jti_missing"),
                        (mint_without(key, "client_id"), "client_id_missing")):
        r = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000002"},
                          headers={"Authorization": "Bearer " + tok}, timeout=5)
        assert r.status_code == 401, r.text
        assert 'error="invalid_token"' in r.headers["WWW-Authenticate"]
        assert r.json()["code"] == "UNAUTHENTICATED"
        assert f'"reason":"{reason}"' in t.wait_log(f'"reason":"{reason}"')
    r = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000002"},
                      headers={"Authorization": "Bearer " + mint_without(key, "client_id", azp="partner-app")},
                      timeout=5)
    assert r.status_code == 200, r.text
