"""The gateway against JWT attacks and its policies, on a real `tollgate run`
process: each attack gets its exact status, challenge and CAMARA body; nothing
ever gets a 5xx or hangs. Also: revocation through the authorization server's
feed, per-tier rate limits (429), SIGHUP reload of the block list over a live
connection (a bad file refused), and the admin listener.

Tokens with chosen claims are signed with the authorization server's own key
(read from its data folder), so only the claim under test is wrong."""
import base64
import json
import os
import random
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import hashlib
import hmac

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization

from conftest import BIN, ROOT, TollgateProcess, free_port, wait_http

CHECK = "/sim-swap/v2/check"
BODY = {"phoneNumber": "+34600000001"}
INVALID_TOKEN = 'Bearer realm="tollgate", error="invalid_token"'
UNAUTH = {"status": 401, "code": "UNAUTHENTICATED",
          "message": "Request not authenticated due to missing, invalid, or expired credentials."}


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Gw(TollgateProcess):
    """`tollgate run` with a tiny rate-limit tier, the admin listener on a free port, and a
    config file the tests rewrite before SIGHUP."""

    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.data = tmp / "data"
        self.ports = {k: free_port() for k in ("authz", "gw", "net", "admin")}
        self.authz = f"http://127.0.0.1:{self.ports['authz']}"
        self.gw = f"http://127.0.0.1:{self.ports['gw']}"
        self.admin = f"http://127.0.0.1:{self.ports['admin']}"
        catalog = (ROOT / "examples" / "catalog.yaml").read_text()
        catalog = catalog.replace(
            "tiers:\n", "tiers:\n  tiny:   { rate: 1/m, burst: 3, token_rate: 1/s }\n", 1)
        catalog = catalog.replace(
            "partners:\n", "partners:\n  tiny-partner: { tier: tiny, products: [sim-swap] }\n", 1)
        (tmp / "catalog.yaml").write_text(catalog)
        self.config = tmp / "tollgate.yaml"
        self.write_config("")
        self.log = open(tmp / "tollgate.log", "w+b")
        self.proc = subprocess.Popen([str(BIN), "run", "--config", str(self.config)],
                                     stdout=subprocess.DEVNULL, stderr=self.log, cwd=tmp)
        for url in (self.authz + "/jwks.json", self.gw + "/", self.admin + "/healthz"):
            wait_http(url, proc=self.proc)
        demo = json.loads((self.data / "demo-client.json").read_text())
        self.client = (demo["client_id"], demo["client_secret"])
        self.issuer = requests.get(self.authz + "/.well-known/oauth-authorization-server",
                                   timeout=5).json()["issuer"]
        pem = next((self.data / "keys").glob("*.pem"))
        self.kid = pem.stem
        self.key = pem.read_bytes()

    def write_config(self, gateway_extra):
        self.config.write_text(f"""data_dir: {self.data}
catalog: {self.tmp / 'catalog.yaml'}
authz:
  listen: 127.0.0.1:{self.ports['authz']}
gateway:
  listen: 127.0.0.1:{self.ports['gw']}
  threads: 2
  admin_listen: 127.0.0.1:{self.ports['admin']}
{gateway_extra}network:
  listen: 127.0.0.1:{self.ports['net']}
""")

    def token(self, client=None, scope="sim-swap:check"):
        r = requests.post(self.authz + "/oauth2/token", auth=client or self.client,
                          data={"grant_type": "client_credentials", "scope": scope}, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def claims(self, **over):
        now = int(time.time())
        c = {"iss": self.issuer, "sub": self.client[0], "aud": "https://api.tollgate.example/sim-swap",
             "client_id": self.client[0], "scope": "sim-swap:check", "iat": now, "exp": now + 600,
             "jti": str(uuid.uuid4())}
        c.update(over)
        return c

    def sign(self, claims=None, headers=None, **over):
        h = {"kid": self.kid, "typ": "at+jwt"}
        h.update(headers or {})
        return jwt.encode(claims or self.claims(**over), self.key, algorithm="ES256", headers=h)

    def call(self, token=None, headers=None):
        h = {"Content-Type": "application/json"}
        if token is not None:
            h["Authorization"] = f"Bearer {token}"
        h.update(headers or {})
        return requests.post(self.gw + CHECK, json=BODY, headers=h, timeout=5)

    def raw(self, request: bytes, timeout=5.0):
        """Send raw bytes, return the status line's code (or None on close/timeout)."""
        with socket.create_connection(("127.0.0.1", self.ports["gw"]), timeout=timeout) as s:
            s.sendall(request)
            data = b""
            try:
                while b"\r\n" not in data:
                    chunk = s.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except socket.timeout:
                return None
        m = re.match(rb"HTTP/1\.[01] (\d{3})", data)
        return int(m.group(1)) if m else None


@pytest.fixture(scope="module")
def gw(tmp_path_factory):
    g = Gw(tmp_path_factory.mktemp("gw-attacks"))
    yield g
    assert g.stop() == 0, g.logs()[-3000:]


def assert_401(r):
    assert r.status_code == 401, r.text
    assert r.headers["WWW-Authenticate"] == INVALID_TOKEN
    assert r.json() == UNAUTH


def test_valid_signed_token_passes(gw):
    """The baseline: a token signed with the AS key and correct claims is forwarded."""
    r = gw.call(gw.sign())
    assert r.status_code == 200, r.text


def test_alg_none_any_casing(gw):
    """alg none in any casing, with or without a signature, is 401 invalid_token."""
    payload = b64(json.dumps(gw.claims()))
    for alg in ("none", "None", "NONE", "nOnE"):
        for sig in ("", b64(b"x" * 64)):
            assert_401(gw.call(f"{b64(json.dumps({'alg': alg, 'typ': 'at+jwt'}))}.{payload}.{sig}"))


def test_hs256_signed_with_the_public_key(gw):
    """HS256 'signed' with the AS's public key (PEM of its JWKS entry) is refused."""
    jwk = requests.get(gw.authz + "/jwks.json", timeout=5).json()["keys"][0]
    pub = jwt.algorithms.ECAlgorithm.from_jwk(json.dumps(jwk)).public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "kid": gw.kid, "typ": "at+jwt"}))
    payload = b64(json.dumps(gw.claims()))
    sig = hmac.new(pub, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    assert_401(gw.call(f"{header}.{payload}.{b64(sig)}"))


class CountingServer:
    """A local HTTP server that counts requests: jku/x5u must never be fetched."""

    def __init__(self):
        import http.server
        import threading
        outer = self
        self.hits = 0

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                outer.hits += 1
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b'{"keys":[]}')

            def log_message(self, *a):
                pass

        self.srv = http.server.HTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.srv.server_address[1]}"
        self.t = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.t.start()

    def close(self):
        self.srv.shutdown()


def test_embedded_and_remote_keys_never_used(gw):
    """jwk, jku, x5u and x5c in the header are refused, and the URLs are never fetched."""
    from cryptography.hazmat.primitives.asymmetric import ec
    attacker = ec.generate_private_key(ec.SECP256R1())
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key()))
    srv = CountingServer()
    try:
        for extra in ({"jwk": jwk}, {"jku": srv.url + "/jwks.json"}, {"x5u": srv.url + "/cert.pem"},
                      {"x5c": ["MIIB"]}):
            t = jwt.encode(gw.claims(), attacker, algorithm="ES256", headers={"kid": gw.kid, "typ": "at+jwt", **extra})
            assert_401(gw.call(t))
        time.sleep(0.3)
        assert srv.hits == 0
    finally:
        srv.close()
    assert '"reason":"embedded_key_refused"' in gw.wait_log('"reason":"embedded_key_refused"')


def test_kid_traversal_and_injection(gw):
    """kid shaped as a path, SQL or a URL is just an unknown kid; control bytes are invalid."""
    for kid in ("../../../../etc/passwd", "x' OR '1'='1", "file:///etc/shadow", "/dev/null"):
        assert_401(gw.call(gw.sign(headers={"kid": kid})))
    assert_401(gw.call(gw.sign(headers={"kid": "a\nb"})))


def metric(gw, name, labels=""):
    text = requests.get(gw.admin + "/metrics", timeout=5).text
    m = re.search(rf"^{re.escape(name)}{re.escape(labels)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else None


def test_unknown_kid_flood_costs_one_fetch(gw):
    """200 tokens with random kids: all 401, and at most one extra JWKS fetch."""
    issuer = f'{{issuer="{gw.issuer}"}}'
    before = metric(gw, "tollgate_gateway_jwks_fetches_total", f'{{issuer="{gw.issuer}",outcome="ok"}}')
    s = requests.Session()
    for i in range(200):
        r = s.post(gw.gw + CHECK, json=BODY, timeout=5,
                   headers={"Authorization": "Bearer " + gw.sign(headers={"kid": f"flood-{i}-{random.random()}"})})
        assert r.status_code == 401
    time.sleep(1.5)
    after = metric(gw, "tollgate_gateway_jwks_fetches_total", f'{{issuer="{gw.issuer}",outcome="ok"}}')
    assert before is not None and after is not None
    assert after - before <= 1
    assert metric(gw, "tollgate_gateway_jwks_refresh_rate_limited_total", issuer) >= 198


def test_ecdsa_zero_der_truncated_bitflipped(gw):
    """r=s=0, DER-encoded, truncated and bit-flipped signatures are all 401."""
    good = gw.sign()
    head, sig = good.rsplit(".", 1)
    raw = base64.urlsafe_b64decode(sig + "==")
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")

    def der_int(v):
        b = v.to_bytes((v.bit_length() + 8) // 8 or 1, "big")
        return b"\x02" + bytes([len(b)]) + b
    der = der_int(r) + der_int(s)
    der = b"\x30" + bytes([len(der)]) + der
    for bad in (b64(b"\0" * 64), b64(der), sig[:-4], sig[:10]):
        assert_401(gw.call(f"{head}.{bad}"))
    for i in range(0, 64 * 8, 37):
        flipped = bytearray(raw)
        flipped[i // 8] ^= 1 << (i % 8)
        assert_401(gw.call(f"{head}.{b64(bytes(flipped))}"))


def test_crit_duplicate_alg_nonobject_padding_segments(gw):
    """crit, duplicate alg members, non-object headers, padding, 4 and 5 segments: 401."""
    good = gw.sign()
    h, p, s = good.split(".")
    duplicate_alg = b64('{"alg":"ES256","alg":"none","kid":"%s"}' % gw.kid)
    cases = [
        gw.sign(headers={"crit": ["exp"]}),
        f"{duplicate_alg}.{p}.{s}",
        f"{b64('[]')}.{p}.{s}", f"{b64('42')}.{p}.{s}",
        f"{h}.{p}.{s}=", f"{good}.x", f"{good}.x.y",
    ]
    for t in cases:
        assert_401(gw.call(t))


def test_huge_token_nul_and_non_ascii(gw):
    """A 64 KiB token is 431; a NUL byte is 400; non-ASCII bytes are 400 or 401 — never 5xx."""
    assert gw.raw(b"POST " + CHECK.encode() + b" HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
                  + b"A" * 65536 + b"\r\nContent-Length: 0\r\n\r\n") == 431
    assert gw.raw(b"POST " + CHECK.encode() + b" HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer a\0b\r\n"
                  b"Content-Length: 0\r\n\r\n") == 400
    code = gw.raw(b"POST " + CHECK.encode() + b" HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer "
                  + gw.sign().encode() + "\u00e9".encode() + b"\r\nContent-Length: 0\r\n\r\n")
    assert code in (400, 401)


def test_two_authorization_headers(gw):
    """Two Authorization headers are 400 with error="invalid_request", even both valid."""
    t = gw.sign().encode()
    with socket.create_connection(("127.0.0.1", gw.ports["gw"]), timeout=5) as s:
        s.sendall(b"POST " + CHECK.encode() + b" HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer " + t +
                  b"\r\nAuthorization: Bearer " + t + b"\r\nContent-Length: 0\r\n\r\n")
        data = s.recv(65536)
    assert data.startswith(b"HTTP/1.1 400 ")
    assert b'WWW-Authenticate: Bearer realm="tollgate", error="invalid_request"' in data


def test_audience_arrays_and_scope_superstrings(gw):
    """aud arrays pass only with our audience; scope superstrings and prefixes are 403."""
    ours = "https://api.tollgate.example/sim-swap"
    assert gw.call(gw.sign(aud=["https://other.example", ours])).status_code == 200
    assert_401(gw.call(gw.sign(aud=["https://other.example", ours + "/"])))
    for scope in ("sim-swap:check-extra", "sim-swap:chec", "SIM-SWAP:CHECK"):
        r = gw.call(gw.sign(scope=scope))
        assert r.status_code == 403, scope
        assert r.json()["code"] == "PERMISSION_DENIED"
        assert 'error="insufficient_scope"' in r.headers["WWW-Authenticate"]


def test_mutations_never_5xx_never_hang(gw):
    """500 random mutations of a valid token: answered within the timeout, never 5xx."""
    good = gw.sign()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/"
    rnd = random.Random(7)
    s = requests.Session()
    for _ in range(500):
        t = list(good)
        for _ in range(rnd.randint(1, 4)):
            i = rnd.randrange(len(t))
            op = rnd.randrange(3)
            if op == 0:
                t[i] = rnd.choice(alphabet)
            elif op == 1:
                t.insert(i, rnd.choice(alphabet))
            else:
                del t[i]
        token = "".join(t)
        r = s.post(gw.gw + CHECK, json=BODY, headers={"Authorization": "Bearer " + token}, timeout=5)
        assert r.status_code < 500, (r.status_code, token)
        if token != good:
            assert r.status_code in (400, 401), (r.status_code, token)


def test_revoked_token_refused_within_seconds(gw):
    """RFC 7009 revocation at the AS reaches the gateway through the feed: 401 token_revoked."""
    tok = gw.token()
    assert gw.call(tok).status_code == 200
    r = requests.post(gw.authz + "/oauth2/revoke", auth=gw.client, data={"token": tok}, timeout=5)
    assert r.status_code == 200, r.text
    deadline = time.time() + 5
    while time.time() < deadline:
        r = gw.call(tok)
        if r.status_code == 401:
            break
        time.sleep(0.2)
    assert_401(r)
    assert '"reason":"token_revoked"' in gw.wait_log('"reason":"token_revoked"')
    assert gw.call(gw.token()).status_code == 200  # a new token of the same client passes


def tiny_client(gw):
    out = subprocess.run([str(BIN), "client", "create", "--partner", "tiny-partner", "--scope",
                          "sim-swap:check", "--data-dir", str(gw.data), "--catalog", str(gw.tmp / "catalog.yaml")],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    c = json.loads(out.stdout)
    return c["client_id"], c["client_secret"]


def test_rate_limit_by_tier(gw):
    """The tiny tier (burst 3, 1/min): the 4th call is 429 with Retry-After and the CAMARA body."""
    tok = gw.token(client=tiny_client(gw))
    for _ in range(3):
        assert gw.call(tok).status_code == 200
    r = gw.call(tok)
    assert r.status_code == 429, r.text
    assert r.json() == {"status": 429, "code": "TOO_MANY_REQUESTS", "message": "Rate limit reached."}
    assert 1 <= int(r.headers["Retry-After"]) <= 60
    assert metric(gw, "tollgate_gateway_rate_limited_total") >= 1


def test_sighup_reload_block_list_and_bad_file(gw):
    """SIGHUP applies a new block list over a live keep-alive connection; a bad file is refused,
    logged, and the running policy stays."""
    client = tiny_client(gw)
    tok = gw.token(client=client)
    s = requests.Session()  # one keep-alive connection throughout
    h = {"Authorization": "Bearer " + tok}
    assert s.post(gw.gw + CHECK, json=BODY, headers=h, timeout=5).status_code == 200
    gen = requests.get(gw.admin + "/policy", timeout=5).json()["generation"]
    gw.write_config(f"  blocked_clients: [{client[0]}]\n")
    gw.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while requests.get(gw.admin + "/policy", timeout=5).json()["generation"] == gen and time.time() < deadline:
        time.sleep(0.05)
    r = s.post(gw.gw + CHECK, json=BODY, headers=h, timeout=5)
    assert r.status_code == 403, r.text
    assert r.json()["code"] == "PERMISSION_DENIED"
    version = requests.get(gw.admin + "/policy", timeout=5).json()["version"]
    gw.write_config("  no_such_setting: 1\n")
    gw.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while "reload refused" not in gw.logs() and time.time() < deadline:
        time.sleep(0.05)
    assert "reload refused" in gw.logs()
    assert "unknown key 'no_such_setting'" in gw.logs()
    assert requests.get(gw.admin + "/policy", timeout=5).json()["version"] == version
    assert s.post(gw.gw + CHECK, json=BODY, headers=h, timeout=5).status_code == 403
    gw.write_config("")
    gw.proc.send_signal(signal.SIGHUP)
    deadline = time.time() + 5
    while s.post(gw.gw + CHECK, json=BODY, headers=h, timeout=5).status_code == 403 and time.time() < deadline:
        time.sleep(0.05)
    assert gw.proc.poll() is None


def test_admin_listener(gw):
    """/metrics, /readyz and /policy on the admin listener."""
    text = requests.get(gw.admin + "/metrics", timeout=5).text
    assert 'tollgate_gateway_requests_total{product="sim-swap",status="200",reason="ok"}' in text
    assert "tollgate_gateway_token_cache_hit_ratio" in text
    assert "tollgate_gateway_revocation_fresh 1" in text
    r = requests.get(gw.admin + "/readyz", timeout=5)
    assert r.status_code == 200 and r.json()["ready"] is True
    p = requests.get(gw.admin + "/policy", timeout=5).json()
    assert re.fullmatch(r"[0-9a-f]{12}-[0-9a-f]{12}", p["version"])
