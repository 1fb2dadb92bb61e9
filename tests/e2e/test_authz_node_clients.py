"""Cross-check with independent clients: npm openid-client drives client
credentials with client_secret_basic, client_secret_post and private_key_jwt,
introspection and revocation; npm jose verifies our tokens against the served
JWKS. Installed here with `npm ci` from tests/e2e/node's package-lock.json."""
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from test_authz_governance import ec_jwk

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="module")
def node_clients():
    """`npm ci` once per lock file (node_modules/.package-lock.json mirrors the lock after an install)."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        pytest.fail("node and npm are needed: scripts/install-deps.sh test installs them")
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    marker = NODE_DIR / "node_modules" / ".package-lock.json"
    installed = json.loads(marker.read_text()).get("packages", {}) if marker.exists() else {}
    if any(installed.get(p, {}).get("version") != lock["packages"][p]["version"]
           for p in ("node_modules/openid-client", "node_modules/jose")):
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, capture_output=True, text=True,
                           timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
    return NODE_DIR


def test_openid_client_flows_and_jose_verification(tg, tmp_path, node_clients):
    """openid-client gets tokens with each client auth method; jose verifies them; revoke makes introspection inactive."""
    key = ec.generate_private_key(ec.SECP256R1())
    private_jwk = ec_jwk(key, private=True)
    private_jwk.update({"kid": "node-key-1", "alg": "ES256"})
    public_jwk = {k: v for k, v in private_jwk.items() if k != "d"}
    (tmp_path / "jwks.json").write_text(json.dumps({"keys": [public_jwk]}))
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:check",
               "--jwks", str(tmp_path / "jwks.json"))
    assert r.returncode == 0, r.stderr
    pk_client = json.loads(r.stdout)["client_id"]
    env = dict(os.environ, ISSUER=tg.authz, CLIENT_ID=tg.client_id, CLIENT_SECRET=tg.client_secret,
               PK_CLIENT_ID=pk_client, PK_JWK=json.dumps(private_jwk), SCOPE="sim-swap:check",
               AUDIENCE="https://api.tollgate.example/sim-swap")
    r = subprocess.run(["node", "client_flows.mjs"], cwd=node_clients, env=env, capture_output=True, text=True,
                       timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["issuer"] == tg.authz
    assert out["basic"]["token_type"].lower() == "bearer" and out["basic"]["scope"] == "sim-swap:check"
    assert out["post"]["sub"] == tg.client_id
    assert out["private_key_jwt"] == {"client_id": pk_client, "alg": "ES256"}
    assert out["introspection"] == {"before": True, "after": False, "foreign": False, "jti": True}
