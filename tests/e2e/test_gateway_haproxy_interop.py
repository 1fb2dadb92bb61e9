"""Issue 4: our access tokens validate in HAProxy's `jwt_verify` unchanged. Debian's
HAProxy 2.6 (apt-installed here if missing; scripts/install-deps.sh test lists it)
is started on a free loopback port as a JWT-checking proxy in front of our network
role, configured like ../shared/bench/peers/gateway/haproxy_jwt.cfg: alg allow-list,
signature with the public key our authorization server publishes in /jwks.json
(converted to PEM), exp, iss, aud and a space-delimited scope word. Tokens from our
token endpoint, ES256 (the default) and RS256, pass it byte for byte; a changed
byte, another product's audience, a missing scope, an expired token and a token
signed by another key are refused."""
import json
import shutil
import signal
import subprocess
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import Tollgate, free_port

SIM_SWAP_AUD = "https://api.tollgate.example/sim-swap"


def haproxy_binary():
    path = shutil.which("haproxy") or (shutil.which("haproxy", path="/usr/sbin:/sbin"))
    if path is None:
        r = subprocess.run(["apt-get", "install", "-y", "-q", "--no-install-recommends", "haproxy"],
                           capture_output=True, text=True, timeout=600,
                           env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        assert r.returncode == 0, "apt-get install haproxy failed (scripts/install-deps.sh test):\n" + r.stderr
        path = shutil.which("haproxy", path="/usr/sbin:/usr/bin:/sbin:/bin")
    assert path, "haproxy not found after install"
    return path


CONFIG = """global
    nbthread 1
    pidfile {run}/haproxy.pid

defaults
    mode http
    timeout connect 2s
    timeout client  10s
    timeout server  10s

frontend fe_jwt
    bind 127.0.0.1:{port}
    http-request deny deny_status 401 unless {{ http_auth_bearer -m found }}
    http-request set-var(txn.alg)   http_auth_bearer,jwt_header_query('$.alg')
    http-request set-var(txn.iss)   http_auth_bearer,jwt_payload_query('$.iss')
    http-request set-var(txn.aud)   http_auth_bearer,jwt_payload_query('$.aud')
    http-request set-var(txn.exp)   http_auth_bearer,jwt_payload_query('$.exp','int')
    http-request set-var(txn.scope) http_auth_bearer,jwt_payload_query('$.scope')
    http-request deny deny_status 401 unless {{ var(txn.alg) -m str {alg} }}
    http-request set-var(txn.sig) http_auth_bearer,jwt_verify(txn.alg,"{run}/pub.pem")
    http-request deny deny_status 401 unless {{ var(txn.sig) -m int 1 }}
    http-request set-var(txn.now) date()
    http-request deny deny_status 401 unless {{ var(txn.exp) -m found }}
    http-request deny deny_status 401 if {{ var(txn.exp),sub(txn.now) -m int le 0 }}
    http-request deny deny_status 401 unless {{ var(txn.iss) -m str {issuer} }}
    http-request deny deny_status 401 unless {{ var(txn.aud) -m str {aud} }}
    http-request deny deny_status 403 unless {{ var(txn.scope) -m reg (^|\\ )sim-swap:check(\\ |$) }}
    http-request return status 200 content-type text/plain string "sig-ok" if {{ path /probe }}
    default_backend be_network

backend be_network
    # The operator gives a foreign gateway the key the network role believes (data folder).
    http-request set-header x-tollgate-gateway-key {gateway_key}
    server net {upstream}
"""


class HaproxyJwt:
    """HAProxy checking tokens with `key_pem` (alg `alg`, issuer `issuer`) before the network role."""

    def __init__(self, binary, run, key_pem, alg, issuer, upstream, gateway_key):
        self.run = run
        (run / "pub.pem").write_bytes(key_pem)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cfg = run / "haproxy.cfg"
        cfg.write_text(CONFIG.format(run=run, port=self.port, alg=alg, issuer=issuer, aud=SIM_SWAP_AUD,
                                     upstream=upstream, gateway_key=gateway_key))
        check = subprocess.run([binary, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        self.log = open(run / "haproxy.log", "w+b")
        self.proc = subprocess.Popen([binary, "-db", "-f", str(cfg)], stdout=self.log, stderr=self.log)
        deadline = time.time() + 10
        while True:
            try:
                requests.get(self.url + "/", timeout=0.5)
                break
            except requests.RequestException:
                assert self.proc.poll() is None and time.time() < deadline, self.logs()
                time.sleep(0.05)

    def logs(self):
        self.log.flush()
        return (self.run / "haproxy.log").read_text(errors="replace")

    def check(self, token, body=None):
        return requests.post(self.url + "/sim-swap/v2/check", json=body or {"phoneNumber": "+34600000001"},
                             headers={"Authorization": "Bearer " + token}, timeout=5)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture(scope="module", params=["ES256", "RS256"])
def setup(request, tmp_path_factory):
    """Our `tollgate run` signing with the parameter's algorithm, and HAProxy keyed by its published JWKS."""
    alg = request.param
    binary = haproxy_binary()
    tmp = tmp_path_factory.mktemp(f"haproxy-{alg}")
    t = Tollgate(tmp, extra_authz=f"  signing_alg: {alg}\n")
    jwks = requests.get(t.authz + "/jwks.json", timeout=5).json()["keys"]
    assert len(jwks) >= 1 and all(k["alg"] == alg for k in jwks), jwks
    key = jwt.PyJWK(jwks[0]).key
    pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    issuer = requests.get(t.authz + "/.well-known/oauth-authorization-server", timeout=5).json()["issuer"]
    h = HaproxyJwt(binary, tmp, pem, alg, issuer, f"127.0.0.1:{t.net_port}",
                   (t.data / "gateway-key").read_text().strip())
    yield t, h, alg, jwks[0]["kid"], issuer
    h.stop()
    assert t.stop() == 0, t.logs()[-3000:]


def test_our_token_passes_haproxy_jwt_verify(setup):
    """A token from our token endpoint, unchanged, passes jwt_verify and reaches the network role: 200 {swapped: true}."""
    t, h, alg, kid, issuer = setup
    tok = t.token(scope="sim-swap:check")
    header = jwt.get_unverified_header(tok)
    assert header["alg"] == alg and header["kid"] == kid and header["typ"] == "at+jwt"
    claims = jwt.decode(tok, options={"verify_signature": False})
    assert claims["aud"] == SIM_SWAP_AUD and claims["iss"] == issuer  # a string aud, as jwt_payload_query reads it
    r = h.check(tok)
    assert r.status_code == 200, (r.status_code, r.text, h.logs()[-2000:])
    assert r.json() == {"swapped": True}
    assert h.check(tok, {"phoneNumber": "+34600000002"}).json() == {"swapped": False}
    # And the same token through our own gateway, for comparison.
    g = requests.post(t.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000001"},
                      headers={"Authorization": "Bearer " + tok}, timeout=5)
    assert (g.status_code, g.json()) == (200, {"swapped": True})


def test_haproxy_refuses_changed_or_foreign_tokens(setup):
    """HAProxy really checks: a flipped signature byte, another key, another audience or issuer → 401; a missing scope → 403."""
    t, h, alg, kid, issuer = setup
    tok = t.token(scope="sim-swap:check")
    head, payload, sig = tok.split(".")
    flipped = f"{head}.{payload}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    assert h.check(flipped).status_code == 401
    now = int(time.time())
    claims = {"iss": issuer, "aud": SIM_SWAP_AUD, "sub": "x", "client_id": "x", "scope": "sim-swap:check",
              "iat": now, "exp": now + 300, "jti": str(uuid.uuid4())}
    if alg == "ES256":
        other = ec.generate_private_key(ec.SECP256R1())
    else:
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})
    assert h.check(forged).status_code == 401
    # Signed with our own key (from the data folder) but expired: the signature passes, exp does not.
    ours = (t.data / "keys" / f"{kid}.pem").read_bytes()
    expired = jwt.encode({**claims, "iat": now - 600, "exp": now - 5}, ours, algorithm=alg,
                         headers={"kid": kid, "typ": "at+jwt"})
    assert h.check(expired).status_code == 401
    assert h.check(jwt.encode(claims, ours, algorithm=alg, headers={"kid": kid, "typ": "at+jwt"})).status_code == 200
    # Our own tokens that HAProxy's claim rules must refuse.
    r = t.cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:retrieve-date location-verification:verify")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    creds = (c["client_id"], c["client_secret"])
    assert h.check(t.token(scope="sim-swap:retrieve-date", client=creds)).status_code == 403  # scope word
    assert h.check(t.token(scope="location-verification:verify", client=creds)).status_code == 401  # aud
    # The probe path answers from HAProxy itself once the token passed: jwt_verify returned 1.
    p = requests.get(h.url + "/probe", headers={"Authorization": "Bearer " + tok}, timeout=5)
    assert (p.status_code, p.text) == (200, "sig-ok")
