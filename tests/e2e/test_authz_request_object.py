"""Signed authentication requests (OIDC Core §6.1 / RFC 9101 `request`, CIBA §7.1.1, CAMARA ICM
"Signed Authentication Requests") through a real `tollgate run`: objects signed with PyJWT by a
client registered with a JWKS (private_key_jwt), at /oauth2/authorize and /oauth2/bc-authorize."""
import base64
import json
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from test_authz_3legged import CIBA, LEGIT, Callback, claims_of, pkce, redirect_query  # noqa: F401

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def cb():
    c = Callback()
    yield c
    c.server.shutdown()


def public_jwk(key, kid):
    pub = key.public_key().public_numbers()
    b64 = lambda n: base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()  # noqa: E731
    return {"kty": "EC", "crv": "P-256", "x": b64(pub.x), "y": b64(pub.y), "kid": kid, "alg": "ES256", "use": "sig"}


@pytest.fixture(scope="module")
def signer(tg, cb, tmp_path_factory):
    """A client with a registered JWKS, allowed the code flow and CIBA; and its private key."""
    key = ec.generate_private_key(ec.SECP256R1())
    f = tmp_path_factory.mktemp("ro-jwks") / "jwks.json"
    f.write_text(json.dumps({"keys": [public_jwk(key, "ro1")]}))
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:check sim-swap:retrieve-date",
               "--grant", "authorization_code", "--grant", CIBA, "--auth", "private_key_jwt", "--jwks", str(f),
               "--redirect-uri", cb.uri)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout), key


def sign(claims, key, alg="ES256"):
    if alg == "none":
        return jwt.encode(claims, None, algorithm="none")
    if alg == "HS256":
        return jwt.encode(claims, "a-shared-secret-we-never-accept!", algorithm="HS256")
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": "ro1", "typ": "oauth-authz-req+jwt"})


def base_claims(tg, client, aud, drop=(), **over):
    now = int(time.time())
    c = {"iss": client["client_id"], "aud": aud, "iat": now, "exp": now + 120, "jti": str(uuid.uuid4())}
    c.update(over)
    for k in drop:
        c.pop(k, None)
    return c


def authorize_request(tg, cb, signer, scope=f"{LEGIT} sim-swap:check", drop=(), key=None, alg="ES256",
                      plain_over=None, **over):
    """(plain params with a signed `request`, the PKCE verifier)."""
    client, k = signer
    verifier, challenge = pkce()
    obj = base_claims(tg, client, tg.authz + "/oauth2/authorize", drop=drop,
                      client_id=client["client_id"], response_type="code", redirect_uri=cb.uri, scope=scope,
                      state="object-state", code_challenge=challenge, code_challenge_method="S256")
    obj.update(over)
    for d in drop:
        obj.pop(d, None)
    plain = {"client_id": client["client_id"], "response_type": "code", "redirect_uri": cb.uri, "scope": scope,
             "state": "plain-state", "request": sign(obj, key or k, alg)}
    plain.update(plain_over or {})
    return plain, verifier


def client_assertion(tg, signer, aud):
    client, key = signer
    now = int(time.time())
    return jwt.encode({"iss": client["client_id"], "sub": client["client_id"], "aud": aud, "iat": now,
                       "exp": now + 60, "jti": str(uuid.uuid4())}, key, algorithm="ES256", headers={"kid": "ro1"})


def token_request(tg, signer, data):
    data = dict(data, client_assertion_type=ASSERTION_TYPE,
                client_assertion=client_assertion(tg, signer, tg.authz + "/oauth2/token"))
    return requests.post(tg.authz + "/oauth2/token", data=data, timeout=5)


def get_authorize(tg, params):
    return requests.get(tg.authz + "/oauth2/authorize", params=params, allow_redirects=False, timeout=5)


def test_discovery_advertises_signed_requests(tg):
    for path in ("/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"):
        d = requests.get(tg.authz + path, timeout=5).json()
        assert d["request_parameter_supported"] is True
        assert d["request_uri_parameter_supported"] is False
        for member in ("request_object_signing_alg_values_supported",
                       "backchannel_authentication_request_signing_alg_values_supported"):
            assert set(d[member]) == {"ES256", "RS256", "PS256", "EdDSA"}, member


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_signed_authorize_request_issues_a_code_and_a_token(tg, cb, signer, method):
    """A valid object: a code and the OBJECT's state; the code redeems (private_key_jwt) for a token."""
    params, verifier = authorize_request(tg, cb, signer)
    if method == "GET":
        r = get_authorize(tg, params)
    else:
        r = requests.post(tg.authz + "/oauth2/authorize", data=params, allow_redirects=False, timeout=5)
    _, q = redirect_query(r)
    assert q["state"] == "object-state" and q["iss"] == tg.authz and q["code"]
    t = token_request(tg, signer, {"grant_type": "authorization_code", "code": q["code"], "redirect_uri": cb.uri,
                                   "code_verifier": verifier})
    assert t.status_code == 200, t.text
    assert claims_of(t.json()["access_token"])["purpose"] == LEGIT


def now():
    return int(time.time())


@pytest.mark.parametrize("case", [
    "plain_scope_mismatch", "no_jti", "no_iat", "no_exp", "lifetime_over_300", "iat_in_future", "aud_bc_authorize",
    "aud_elsewhere", "alg_none", "hs256", "other_key", "iss_other",
])
def test_refused_signed_authorize_request_redirects_invalid_request_object(tg, cb, signer, case):
    """Each bad object is invalid_request_object, redirected to the registered URI with the state, no code."""
    other = ec.generate_private_key(ec.SECP256R1())
    kw = {
        "plain_scope_mismatch": dict(plain_over={"scope": f"{LEGIT} sim-swap:check sim-swap:retrieve-date"}),
        "no_jti": dict(drop=("jti",)),
        "no_iat": dict(drop=("iat",)),
        "no_exp": dict(drop=("exp",)),
        "lifetime_over_300": dict(iat=now(), exp=now() + 301),
        "iat_in_future": dict(iat=now() + 200, exp=now() + 260),
        "aud_bc_authorize": dict(aud=tg.authz + "/oauth2/bc-authorize"),
        "aud_elsewhere": dict(aud="https://other-operator.example/oauth2/authorize"),
        "alg_none": dict(alg="none"),
        "hs256": dict(alg="HS256"),
        "other_key": dict(key=other),
        "iss_other": dict(iss="someone-else"),
    }[case]
    params, _ = authorize_request(tg, cb, signer, **kw)
    loc, q = redirect_query(get_authorize(tg, params))
    assert loc.startswith(cb.uri)
    assert q["error"] == "invalid_request_object", q
    assert q["state"] == "plain-state" and "code" not in q
    assert q["error_description"]


def test_replayed_signed_authorize_request_is_refused(tg, cb, signer):
    params, _ = authorize_request(tg, cb, signer)
    _, first = redirect_query(get_authorize(tg, params))
    assert first.get("code")
    _, again = redirect_query(get_authorize(tg, params))
    assert again["error"] == "invalid_request_object" and "code" not in again
    assert "already used" in again["error_description"]


def test_signed_request_for_an_unknown_client_is_never_redirected(tg, cb, signer):
    params, _ = authorize_request(tg, cb, signer, plain_over={"client_id": "no-such-client"})
    r = get_authorize(tg, params)
    assert r.status_code == 400 and "Location" not in r.headers
    params, _ = authorize_request(tg, cb, signer, iss="no-such-client", client_id="no-such-client",
                                  plain_over={"client_id": "no-such-client"})
    r = get_authorize(tg, params)
    assert r.status_code == 400 and "Location" not in r.headers


def test_request_uri_is_not_supported(tg, cb, signer):
    params, _ = authorize_request(tg, cb, signer)
    params["request_uri"] = "urn:ietf:params:oauth:request_uri:abc"
    del params["request"]
    _, q = redirect_query(get_authorize(tg, params))
    assert q["error"] == "request_uri_not_supported"


def test_refusals_are_audited_with_a_reason(tg, cb, signer):
    params, _ = authorize_request(tg, cb, signer, alg="none")
    _, q = redirect_query(get_authorize(tg, params))
    assert q["error"] == "invalid_request_object"
    r = tg.cli("audit", "export", "--since", "0")
    assert r.returncode == 0, r.stderr
    reasons = [json.loads(line) for line in r.stdout.splitlines() if "request_object_alg_none" in line]
    assert reasons, "no audit record with reason request_object_alg_none"


# --- CIBA -------------------------------------------------------------------------------------

def bc_authorize(tg, signer, request=None, **extra):
    data = {"client_assertion_type": ASSERTION_TYPE,
            "client_assertion": client_assertion(tg, signer, tg.authz + "/oauth2/bc-authorize")}
    if request is not None:
        data["request"] = request
    data.update(extra)
    return requests.post(tg.authz + "/oauth2/bc-authorize", data=data, timeout=5)


def ciba_object(tg, signer, drop=(), **over):
    client, _ = signer
    c = base_claims(tg, client, tg.authz + "/oauth2/bc-authorize", drop=drop, nbf=now(),
                    login_hint="tel:+34600000001", scope=f"{LEGIT} sim-swap:check")
    c.update(over)
    for d in drop:
        c.pop(d, None)
    return c


def test_signed_ciba_request_gets_tokens(tg, signer):
    """A signed CIBA request for a legitimate-interest purpose: an auth_req_id, and tokens on the first poll."""
    _, key = signer
    r = bc_authorize(tg, signer, sign(ciba_object(tg, signer), key))
    assert r.status_code == 200, r.text
    t = token_request(tg, signer, {"grant_type": CIBA, "auth_req_id": r.json()["auth_req_id"]})
    assert t.status_code == 200, t.text
    assert claims_of(t.json()["access_token"])["amr"] == ["tel"]


@pytest.mark.parametrize("case", ["aud_authorize", "no_jti", "no_iat", "no_exp", "no_nbf", "lifetime_over_300",
                                  "iat_in_future", "alg_none", "hs256", "other_key"])
def test_refused_signed_ciba_request_is_invalid_request_object(tg, signer, case):
    _, key = signer
    other = ec.generate_private_key(ec.SECP256R1())
    obj_kw, alg, k = {}, "ES256", key
    if case == "aud_authorize":
        obj_kw = {"aud": tg.authz + "/oauth2/authorize"}
    elif case.startswith("no_"):
        obj_kw = {"drop": (case[3:],)}
    elif case == "lifetime_over_300":
        obj_kw = {"iat": now(), "exp": now() + 301}
    elif case == "iat_in_future":
        obj_kw = {"iat": now() + 200, "nbf": now(), "exp": now() + 260}
    elif case == "alg_none":
        alg = "none"
    elif case == "hs256":
        alg = "HS256"
    else:
        k = other
    r = bc_authorize(tg, signer, sign(ciba_object(tg, signer, **obj_kw), k, alg))
    assert r.status_code == 400, r.text
    assert r.json()["error"] == "invalid_request_object", r.text


def test_signed_ciba_replay_and_parameters_outside_the_object(tg, signer):
    _, key = signer
    obj = sign(ciba_object(tg, signer), key)
    assert bc_authorize(tg, signer, obj).status_code == 200
    again = bc_authorize(tg, signer, obj)
    assert again.status_code == 400 and again.json()["error"] == "invalid_request_object"
    outside = bc_authorize(tg, signer, sign(ciba_object(tg, signer), key), login_hint="tel:+34600000002")
    assert outside.status_code == 400 and outside.json()["error"] == "invalid_request"


def test_signed_ciba_request_of_an_unknown_client_is_invalid_client(tg, signer):
    _, key = signer
    obj = ciba_object(tg, signer, iss="no-such-client")
    r = requests.post(tg.authz + "/oauth2/bc-authorize", data={"client_id": "no-such-client",
                                                               "request": sign(obj, key)}, timeout=5)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"
