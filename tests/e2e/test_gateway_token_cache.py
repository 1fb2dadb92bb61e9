"""Issue 4, the verified-token cache: a cached entry never outlives what would have
made the token invalid. On a real `tollgate run` whose gateway trusts, besides our
authorization server, an issuer whose JWKS this test serves and changes (clock_skew
0 s, jwks_refresh 10 s), each case first proves the token is served from the cache
(tollgate_gateway_token_cache_hits_total grows on the admin listener), then:
  - exp: every 200 was sent before exp, every answer after exp is 401 token_expired;
  - key removal: the signing key leaves the issuer's JWKS → 401 kid_unknown at the
    next fetch, while tokens of the remaining key pass;
  - revocation (RFC 7009 at our authorization server), and client disable → 401
    through the revocation feed within seconds;
  - block list (SIGHUP) → 403 at once, and the token passes again when unblocked.
Unit-level: src/gateway/token_cache_test.cc (validity window, epoch clears, LRU)."""
import base64
import json
import re
import signal
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import ec

from conftest import Tollgate, free_port

ISSUER = "https://idp.cache-test.example"
AUD = "https://api.tollgate.example/sim-swap"
CHECK = "/sim-swap/v2/check"
BODY = {"phoneNumber": "+34600000001"}


def b64u(n):
    return base64.urlsafe_b64encode(n.to_bytes(32, "big")).rstrip(b"=").decode()


def public_jwk(key, kid):
    pub = key.public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "x": b64u(pub.x), "y": b64u(pub.y), "kid": kid, "alg": "ES256",
            "use": "sig"}


class KeyServer:
    """Serves {"keys": [...]} at /jwks.json from a list the test changes; counts fetches."""

    def __init__(self):
        self.keys = {}
        self.fetches = 0
        ks = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                ks.fetches += 1
                body = json.dumps({"keys": list(ks.keys.values())}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    ks = KeyServer()
    signing = {kid: ec.generate_private_key(ec.SECP256R1()) for kid in ("cache-k1", "cache-k2")}
    for kid, key in signing.items():
        ks.keys[kid] = public_jwk(key, kid)
    admin_port = free_port()
    # The last issuer entry is followed by gateway-level settings (same indentation as
    # `issuers:`): the admin listener for the cache metrics.
    issuer = (f"    - issuer: {ISSUER}\n      jwks_uri: {ks.url}\n      algorithms: [ES256]\n"
              f"      clock_skew: 0s\n      jwks_refresh: 10s\n"
              f"  admin_listen: 127.0.0.1:{admin_port}\n")
    t = Tollgate(tmp_path_factory.mktemp("token-cache"), extra_gateway_issuers=[issuer])
    t.admin = f"http://127.0.0.1:{admin_port}"
    deadline = time.time() + 10
    while time.time() < deadline:  # the first JWKS fetch
        if ks.fetches:
            break
        time.sleep(0.05)
    yield t, ks, signing
    ks.server.shutdown()
    assert t.stop() == 0, t.logs()[-3000:]


def mint(signing, kid, **over):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUD, "sub": "cache-app", "client_id": "cache-app", "scope": "sim-swap:check",
              "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    claims.update(over)
    return jwt.encode(claims, signing[kid], algorithm="ES256", headers={"kid": kid, "typ": "at+jwt"})


# One keep-alive connection: the caches are per gateway thread, and a connection stays on
# its thread, so the repeats meet the entry the first request left.
_conn = requests.Session()


def call(t, token):
    return _conn.post(t.gw + CHECK, json=BODY, headers={"Authorization": "Bearer " + token}, timeout=5)


def counter(t, name):
    text = requests.get(t.admin + "/metrics", timeout=5).text
    m = re.search(rf"^{name} (\S+)$", text, re.M)
    assert m, f"no metric {name}"
    return float(m.group(1))


def hits(t):
    return counter(t, "tollgate_gateway_token_cache_hits_total")


def assert_cached(t, token):
    """Two passes of `token`: the second (at least) is a cache hit."""
    before = hits(t)
    assert call(t, token).status_code == 200
    r = call(t, token)
    assert r.status_code == 200, r.text
    assert hits(t) >= before + 1, "the repeat request was not served from the token cache"


def reason_logged(t, reason):
    return f'"reason":"{reason}"' in t.wait_log(f'"reason":"{reason}"')


def test_cached_token_never_outlives_exp(env):
    """A token expiring in 3 s, cached: each 200 was sent before exp, each answer after exp is 401 token_expired."""
    t, _, signing = env
    exp = int(time.time()) + 3
    tok = mint(signing, "cache-k1", exp=exp)
    assert_cached(t, tok)
    seen_401 = False
    while time.time() < exp + 1.5:
        sent = time.time()
        r = call(t, tok)
        got = time.time()
        if r.status_code == 200:
            assert not seen_401, "a 200 after a 401: the cache resurrected an expired token"
            assert sent < exp, f"served {sent - exp:.3f} s after exp"
        else:
            assert r.status_code == 401, r.text
            assert got >= exp, f"refused {exp - got:.3f} s before exp"
            seen_401 = True
        time.sleep(0.1)
    assert seen_401
    assert reason_logged(t, "token_expired")


def test_key_removal_clears_cached_tokens(env):
    """The signing key leaves the issuer's JWKS: the cached token is 401 kid_unknown after the next
    fetch (periodic, or the one an unknown kid triggers); the other key's tokens still pass."""
    t, ks, signing = env
    gone = mint(signing, "cache-k2")
    stays = mint(signing, "cache-k1")
    assert_cached(t, gone)
    assert_cached(t, stays)
    del ks.keys["cache-k2"]
    fetches, clears = ks.fetches, counter(t, "tollgate_gateway_token_cache_clears_total")
    # A token with a kid the gateway does not know asks for an early refetch.
    unknown = mint(signing, "cache-k1")
    unknown = jwt.encode(jwt.decode(unknown, options={"verify_signature": False}), signing["cache-k1"],
                         algorithm="ES256", headers={"kid": "cache-k9", "typ": "at+jwt"})
    r = requests.post(t.gw + CHECK, json=BODY, headers={"Authorization": "Bearer " + unknown}, timeout=5)
    assert r.status_code == 401  # (on its own connection: ours stays on the thread that cached `gone`)
    deadline = time.time() + 15
    r = call(t, gone)
    while r.status_code == 200 and time.time() < deadline:
        time.sleep(0.2)
        r = call(t, gone)
    assert r.status_code == 401, "the removed key's token is still accepted"
    assert ks.fetches > fetches
    assert counter(t, "tollgate_gateway_token_cache_clears_total") > clears
    assert reason_logged(t, "kid_unknown")
    assert call(t, stays).status_code == 200
    for _ in range(3):  # and it stays refused
        assert call(t, gone).status_code == 401


def until_status(t, token, status, seconds=6.0):
    deadline = time.time() + seconds
    r = call(t, token)
    while r.status_code != status and time.time() < deadline:
        time.sleep(0.1)
        r = call(t, token)
    return r


def test_revoked_token_is_not_served_from_the_cache(env):
    """Our token, cached, then revoked at the authorization server (RFC 7009): 401 token_revoked within seconds."""
    t, _, _ = env
    tok = t.token(scope="sim-swap:check")
    assert_cached(t, tok)
    r = requests.post(t.authz + "/oauth2/revoke", auth=(t.client_id, t.client_secret), data={"token": tok}, timeout=5)
    assert r.status_code == 200, r.text
    r = until_status(t, tok, 401)
    assert r.status_code == 401, r.text
    assert reason_logged(t, "token_revoked")
    assert call(t, t.token(scope="sim-swap:check")).status_code == 200  # the client's new tokens pass


def new_client(t):
    r = t.cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:check")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    return c["client_id"], c["client_secret"]


def test_disabled_client_tokens_are_not_served_from_the_cache(env):
    """`tollgate client disable` while running: the client's cached token is 401 within seconds."""
    t, _, _ = env
    creds = new_client(t)
    tok = t.token(scope="sim-swap:check", client=creds)
    assert_cached(t, tok)
    r = t.cli("client", "disable", creds[0])
    assert r.returncode == 0, r.stderr
    r = until_status(t, tok, 401)
    assert r.status_code == 401, r.text


def test_blocked_client_is_refused_despite_the_cache(env):
    """A block list applied by SIGHUP refuses the cached token at once (403); unblocked, it passes again."""
    t, _, _ = env
    creds = new_client(t)
    tok = t.token(scope="sim-swap:check", client=creds)
    assert_cached(t, tok)
    original = t.config.read_text()
    assert "  threads: 2\n" in original
    try:
        t.config.write_text(original.replace("  threads: 2\n", f"  threads: 2\n  blocked_clients: [{creds[0]}]\n", 1))
        t.proc.send_signal(signal.SIGHUP)
        r = until_status(t, tok, 403)
        assert r.status_code == 403 and r.json()["code"] == "PERMISSION_DENIED", r.text
    finally:
        t.config.write_text(original)
        t.proc.send_signal(signal.SIGHUP)
    assert until_status(t, tok, 200).status_code == 200
