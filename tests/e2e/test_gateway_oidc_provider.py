"""Issue 4: any standards-compliant authorization server works as an issuer. The
gateway of a real `tollgate run` trusts a second issuer, npm `oidc-provider` (v9,
installed with `npm ci` from tests/e2e/oidc_provider's package-lock.json), found
by discovery over plain HTTP on loopback; oidc-provider's own RFC 9068 JWT access
tokens (client_credentials + resource indicator; ES256 and RS256) pass the gateway
to SIM Swap, and its tokens with another audience, a missing scope or a changed
byte are refused. Responses are validated against specs/sim-swap.yaml."""
import json
import shutil
import subprocess
from pathlib import Path

import jwt
import pytest
import requests

from conftest import Tollgate, free_port, wait_http
from network_support import Api, error_of

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
SECRET = ("foreign-app", "foreign-app-secret-for-e2e-tests-only")


@pytest.fixture(scope="module")
def oidc_provider_installed():
    """`npm ci` once per lock file (node_modules/.package-lock.json mirrors it after an install)."""
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: scripts/install-deps.sh test installs it")
    marker = PROVIDER_DIR / "node_modules" / ".package-lock.json"
    want = json.loads((PROVIDER_DIR / "package-lock.json").read_text())["packages"]["node_modules/oidc-provider"]
    if not marker.exists() or json.loads(marker.read_text()).get("packages", {}).get(
            "node_modules/oidc-provider", {}).get("version") != want["version"]:
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROVIDER_DIR, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
    return PROVIDER_DIR


@pytest.fixture(scope="module")
def provider(oidc_provider_installed, tmp_path_factory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("oidc-provider") / "provider.log", "w+b")
    proc = subprocess.Popen(["node", "provider.mjs"], cwd=oidc_provider_installed, env={"PORT": str(port),
                            "PATH": "/usr/bin:/bin", "NODE_ENV": "test"}, stdout=subprocess.PIPE, stderr=log)
    line = proc.stdout.readline().decode()
    assert line, "oidc-provider exited: " + (log.seek(0) or log.read().decode(errors="replace"))
    issuer = json.loads(line)["listening"]
    wait_http(issuer + "/.well-known/openid-configuration", proc=proc)
    yield issuer
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def tgp(provider, tmp_path_factory):
    """`tollgate run` whose gateway also trusts oidc-provider, keys by discovery; oidc-provider
    sends typ at+jwt, so the default required_typ stays."""
    t = Tollgate(tmp_path_factory.mktemp("tollgate-oidc-provider"), extra_gateway_issuers=[
        f"    - issuer: {provider}\n      discovery: true\n      algorithms: [ES256, RS256]\n"])
    yield t
    assert t.stop() == 0, t.logs()[-3000:]


def foreign_token(issuer, resource="https://api.tollgate.example/sim-swap", scope="sim-swap:check"):
    r = requests.post(issuer + "/token", auth=SECRET, timeout=5,
                      data={"grant_type": "client_credentials", "scope": scope, "resource": resource})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"].lower() == "bearer"
    return body["access_token"]


def claims(tok):
    return jwt.get_unverified_header(tok), jwt.decode(tok, options={"verify_signature": False})


@pytest.mark.parametrize("resource,alg", [("https://api.tollgate.example/sim-swap", "ES256"),
                                          ("urn:e2e:sim-swap:rs256", "RS256")])
def test_oidc_provider_token_accepted(tgp, provider, resource, alg):
    """oidc-provider's JWT access token (typ at+jwt, its own kid, iss, aud, client_id, scope) passes the gateway."""
    tok = foreign_token(provider, resource)
    header, c = claims(tok)
    assert header["alg"] == alg and header["typ"] == "at+jwt" and header["kid"].startswith("foreign-")
    assert c["iss"] == provider and c["aud"] == "https://api.tollgate.example/sim-swap"
    assert c["client_id"] == "foreign-app" and c["scope"] == "sim-swap:check"
    ss = Api(tgp, "sim-swap", "/sim-swap/v2", tok)
    assert ss.post("/check", {"phoneNumber": "+34600000001"}, expect=200).json_body == {"swapped": True}
    assert ss.post("/check", {"phoneNumber": "+34600000002"}, expect=200).json_body == {"swapped": False}
    # Repeats (token cache) answer the same.
    assert ss.post("/check", {"phoneNumber": "+34600000001"}, expect=200).json_body == {"swapped": True}


def test_oidc_provider_token_for_another_audience_refused(tgp, provider):
    """A token oidc-provider minted for another resource server: 401 UNAUTHENTICATED, logged as aud_mismatch."""
    tok = foreign_token(provider, "https://api.elsewhere.example")
    ss = Api(tgp, "sim-swap", "/sim-swap/v2", tok)
    assert error_of(ss.post("/check", {"phoneNumber": "+34600000001"})) == (401, "UNAUTHENTICATED")
    assert '"reason":"aud_mismatch"' in tgp.wait_log('"reason":"aud_mismatch"')


def test_oidc_provider_token_without_the_scope_refused(tgp, provider):
    """A token for sim-swap:retrieve-date only: /check is 403 PERMISSION_DENIED, /retrieve-date passes."""
    tok = foreign_token(provider, scope="sim-swap:retrieve-date")
    ss = Api(tgp, "sim-swap", "/sim-swap/v2", tok)
    assert error_of(ss.post("/check", {"phoneNumber": "+34600000001"})) == (403, "PERMISSION_DENIED")
    assert ss.post("/retrieve-date", {"phoneNumber": "+34600000002"}, expect=200).json_body["latestSimChange"]


def test_oidc_provider_token_tampered_refused(tgp, provider):
    """The same token with one payload character changed: 401, never a 5xx."""
    tok = foreign_token(provider)
    h, p, s = tok.split(".")
    bad = f"{h}.{p[:-2]}{'A' if p[-2] != 'A' else 'B'}{p[-1]}.{s}"
    ss = Api(tgp, "sim-swap", "/sim-swap/v2", bad)
    assert error_of(ss.post("/check", {"phoneNumber": "+34600000001"})) == (401, "UNAUTHENTICATED")


def test_our_tokens_beside_oidc_provider(tgp):
    """Our own authorization server stays trusted next to the foreign issuer."""
    ss = Api(tgp, "sim-swap", "/sim-swap/v2", tgp.token(scope="sim-swap:check"))
    assert ss.post("/check", {"phoneNumber": "+34600000001"}, expect=200).json_body == {"swapped": True}
