"""The authorization server issues RFC 9068 access tokens that an independent
verifier (PyJWT) accepts against our JWKS, and refuses bad requests with the
RFC 6749 error body, status and headers."""
import time

import jwt
import requests


def jwks_key(tg, kid):
    jwks = requests.get(tg.authz + "/jwks.json", timeout=5).json()
    for k in jwks["keys"]:
        if k["kid"] == kid:
            return jwt.PyJWK(k)
    raise AssertionError(f"kid {kid} not in JWKS {jwks}")


def test_client_credentials_basic_token_verifies_with_pyjwt(tg):
    """A token from client_secret_basic verifies with PyJWT and carries the RFC 9068 claims."""
    r = requests.post(tg.authz + "/oauth2/token", auth=(tg.client_id, tg.client_secret),
                      data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert body["token_type"] == "Bearer"
    assert body["scope"] == "sim-swap:check"
    assert 0 < body["expires_in"] <= 3600
    tok = body["access_token"]
    header = jwt.get_unverified_header(tok)
    assert header["alg"] == "ES256"
    assert header["typ"] == "at+jwt"
    key = jwks_key(tg, header["kid"])
    claims = jwt.decode(tok, key.key, algorithms=["ES256"], audience="https://api.tollgate.example/sim-swap",
                        issuer=tg.authz)
    for c in ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope"):
        assert c in claims, c
    assert claims["sub"] == tg.client_id
    assert claims["client_id"] == tg.client_id
    assert claims["scope"] == "sim-swap:check"
    assert claims["exp"] - claims["iat"] == body["expires_in"]
    assert abs(claims["iat"] - time.time()) < 60


def test_client_secret_post_works(tg):
    """client_secret_post is accepted as well as Basic."""
    r = requests.post(tg.authz + "/oauth2/token", data={
        "grant_type": "client_credentials", "scope": "sim-swap:retrieve-date",
        "client_id": tg.client_id, "client_secret": tg.client_secret}, timeout=5)
    assert r.status_code == 200, r.text
    assert r.json()["scope"] == "sim-swap:retrieve-date"


def test_each_token_has_a_fresh_jti(tg):
    """Two tokens never share a jti."""
    a, b = tg.token(), tg.token()
    ja = jwt.decode(a, options={"verify_signature": False})["jti"]
    jb = jwt.decode(b, options={"verify_signature": False})["jti"]
    assert ja != jb


def test_wrong_secret_is_401_with_basic_challenge(tg):
    """A bad Basic secret gets 401 invalid_client and a WWW-Authenticate: Basic challenge."""
    r = requests.post(tg.authz + "/oauth2/token", auth=(tg.client_id, "wrong"),
                      data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=5)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"
    assert r.headers["WWW-Authenticate"].lower().startswith("basic")
    assert r.headers["Cache-Control"] == "no-store"


def test_unknown_client_is_401(tg):
    """An unknown client id is invalid_client, like a wrong secret."""
    r = requests.post(tg.authz + "/oauth2/token", auth=("nobody", "x"),
                      data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=5)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_client"


def test_scope_not_allowed_is_invalid_scope(tg):
    """Asking for a scope the client was not given is invalid_scope."""
    r = requests.post(tg.authz + "/oauth2/token", auth=(tg.client_id, tg.client_secret),
                      data={"grant_type": "client_credentials", "scope": "sim-swap"}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"] == "invalid_scope"


def test_unknown_grant_type(tg):
    """An unknown grant type is unsupported_grant_type."""
    r = requests.post(tg.authz + "/oauth2/token", auth=(tg.client_id, tg.client_secret),
                      data={"grant_type": "password", "username": "a", "password": "b"}, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"] == "unsupported_grant_type"
    # The description names what the discovery document advertises, not client_credentials only.
    advertised = requests.get(tg.authz + "/.well-known/oauth-authorization-server", timeout=5).json()
    assert r.json()["error_description"] == "supported grant types: " + ", ".join(
        advertised["grant_types_supported"])


def test_oversized_body_gets_an_rfc6749_error_body(tg):
    """A body over the listener's limit is refused before routing, still with {"error": ...} (RFC 6749 §5.2)."""
    for path in ("/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"):
        r = requests.post(tg.authz + path, auth=(tg.client_id, tg.client_secret),
                          data=b"grant_type=client_credentials&x=" + b"a" * 200_000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
        assert r.status_code == 413, path
        assert r.json()["error"] == "invalid_request", r.text
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache"


def test_head_is_served_where_get_is(tg):
    """HEAD on the JWKS and discovery documents: 200 with GET's headers and no body (RFC 9110 §9.3.2)."""
    for path in ("/jwks.json", "/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        get = requests.get(tg.authz + path, timeout=5)
        head = requests.head(tg.authz + path, timeout=5)
        assert head.status_code == 200, path
        assert head.content == b""
        assert head.headers["Content-Length"] == get.headers["Content-Length"]
        assert requests.post(tg.authz + path, timeout=5).headers["Allow"] == "GET, HEAD"


def test_discovery_documents(tg):
    """RFC 8414 and OpenID discovery name our issuer, token endpoint and JWKS."""
    for path in ("/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"):
        r = requests.get(tg.authz + path, timeout=5)
        assert r.status_code == 200
        d = r.json()
        assert d["issuer"] == tg.authz
        assert d["token_endpoint"] == tg.authz + "/oauth2/token"
        assert d["jwks_uri"] == tg.authz + "/jwks.json"
        assert "client_credentials" in d["grant_types_supported"]


def test_jwks_has_only_public_members(tg):
    """The JWKS never exposes private key material."""
    for k in requests.get(tg.authz + "/jwks.json", timeout=5).json()["keys"]:
        assert "d" not in k and "p" not in k and "q" not in k
        assert k["kid"]


def test_key_file_is_private(tg):
    """The signing key lives in the data folder with mode 0600."""
    keys = list((tg.data / "keys").glob("*"))
    assert keys
    for k in keys:
        assert (k.stat().st_mode & 0o077) == 0, oct(k.stat().st_mode)


def test_empty_credential_parameters_count_as_omitted(tg):
    """RFC 6749 §3.2: parameters without a value are treated as omitted — an empty client_secret
    or client_id next to Basic is neither a second method nor a mismatch."""
    for extra in (b"&client_secret=", b"&client_id=", b"&client_assertion=&client_assertion_type="):
        r = requests.post(tg.authz + "/oauth2/token", auth=(tg.client_id, tg.client_secret),
                          data=b"grant_type=client_credentials&scope=sim-swap:check" + extra,
                          headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=5)
        assert r.status_code == 200, (extra, r.text)
