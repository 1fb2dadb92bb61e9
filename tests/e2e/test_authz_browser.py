"""The authorization code flow in a real browser: Debian's Chromium driven by
npm playwright-core (installed here with `npm ci` from tests/e2e/browser's
package-lock.json). The consent page is screenshotted into the test's temp
folder (consent.png)."""
import json
import os
import shutil
import subprocess
import urllib.parse as up
from pathlib import Path

import pytest
import requests

from test_authz_3legged import CONSENT, Callback, claims_of, create_client, exchange, pkce

BROWSER_DIR = Path(__file__).resolve().parent / "browser"


@pytest.fixture(scope="module")
def playwright_installed():
    """`npm ci` once per lock file (node_modules/.package-lock.json mirrors it after an install)."""
    if not Path("/usr/bin/chromium").exists():
        pytest.fail("/usr/bin/chromium is missing: scripts/install-deps.sh test installs it")
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is missing: scripts/install-deps.sh test installs it")
    marker = BROWSER_DIR / "node_modules" / ".package-lock.json"
    lock = (BROWSER_DIR / "package-lock.json").read_text()
    if not marker.exists() or json.loads(marker.read_text()).get("packages", {}).get(
            "node_modules/playwright-core", {}).get("version") != json.loads(lock)["packages"][
            "node_modules/playwright-core"]["version"]:
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=BROWSER_DIR, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stdout + r.stderr
    return BROWSER_DIR


def test_browser_consent_page_allow_issues_a_code(tg, tmp_path, playwright_installed):
    """Chromium on 127.0.0.1 gets the consent page (screenshot), cannot load it in a frame, and Allow lands on the app with a code the app can redeem."""
    cb = Callback()
    try:
        app = create_client(tg, cb, "authorization_code")
        verifier, challenge = pkce()
        params = {"response_type": "code", "client_id": app["client_id"], "redirect_uri": cb.uri,
                  "scope": f"{CONSENT} sim-swap:check sim-swap:retrieve-date", "state": "browser-state",
                  "code_challenge": challenge, "code_challenge_method": "S256"}
        shot = tmp_path / "consent.png"
        env = dict(os.environ, AUTHORIZE_URL=tg.authz + "/oauth2/authorize?" + up.urlencode(params),
                   REDIRECT_URI=cb.uri, SCREENSHOT=str(shot), USER_DATA_DIR=str(tmp_path / "chromium-profile"))
        r = subprocess.run(["node", "consent_flow.mjs"], cwd=playwright_installed, env=env, capture_output=True,
                           text=True, timeout=120)
        assert r.returncode == 0, r.stdout + r.stderr
        out = json.loads(r.stdout.strip().splitlines()[-1])
        assert out["title"] == "Allow demo-partner?"
        assert out["framed_blocked"] is True
        assert shot.exists() and shot.stat().st_size > 5000
        q = dict(up.parse_qsl(up.urlparse(out["final_url"]).query))
        assert q["state"] == "browser-state"
        t = exchange(tg, app, cb, q["code"], verifier)
        assert t.status_code == 200, t.text
        assert claims_of(t.json()["access_token"])["consent_id"].startswith("cns_")
    finally:
        cb.server.shutdown()
