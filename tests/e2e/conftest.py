"""End-to-end fixtures: real `tollgate` processes on free loopback ports.

Each test session starts `build/tollgate run` with a config file that puts
authz, gateway and network on free ports and the data folder in a temp dir,
waits until all three answer, and stops it with SIGTERM at the end (asserting
a clean exit). Run with Debian's /usr/bin/python3 (pytest, requests, PyJWT).
"""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(os.environ.get("TOLLGATE_SOURCE_DIR", Path(__file__).resolve().parents[2]))
BIN = Path(os.environ.get("TOLLGATE_BIN", ROOT / "build" / "tollgate"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url, timeout=20.0, proc=None):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"tollgate exited early with {proc.returncode}")
        try:
            requests.get(url, timeout=0.5)
            return
        except requests.RequestException:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up within {timeout}s")


class TollgateProcess:
    """A `tollgate` process started by a test: self.proc (Popen), self.log (the open
    log file, stderr) and self.tmp (its folder, holding tollgate.log)."""

    def logs(self):
        self.log.flush()
        return (self.tmp / "tollgate.log").read_text(errors="replace")

    def wait_log(self, needle, timeout=5.0):
        """The log once it holds needle (the access log is written by its own thread, a
        moment after the response); the whole log if the timeout passes first."""
        deadline = time.time() + timeout
        text = self.logs()
        while needle not in text and time.time() < deadline:
            time.sleep(0.05)
            text = self.logs()
        return text

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("tollgate did not stop within 15 s of SIGTERM")
        return self.proc.returncode


class Tollgate(TollgateProcess):
    """A running `tollgate run` process and how to reach it."""

    def __init__(self, tmp: Path, extra_gateway_issuers=None, extra_config="", extra_authz=""):
        self.tmp = tmp
        self.data = tmp / "data"
        self.authz_port, self.gw_port, self.net_port = free_port(), free_port(), free_port()
        self.authz = f"http://127.0.0.1:{self.authz_port}"
        self.gw = f"http://127.0.0.1:{self.gw_port}"
        self.net = f"http://127.0.0.1:{self.net_port}"
        issuers = ""
        for iss in extra_gateway_issuers or []:
            issuers += iss
        self.config = tmp / "tollgate.yaml"
        self.config.write_text(
            f"""data_dir: {self.data}
authz:
  listen: 127.0.0.1:{self.authz_port}
{extra_authz}gateway:
  listen: 127.0.0.1:{self.gw_port}
  threads: 2
{('  issuers:' + chr(10) + issuers) if issuers else ''}network:
  listen: 127.0.0.1:{self.net_port}
{extra_config}"""
        )
        self.log = open(tmp / "tollgate.log", "w+b")
        self.proc = subprocess.Popen(
            [str(BIN), "run", "--config", str(self.config)],
            stdout=subprocess.PIPE, stderr=self.log, cwd=tmp)
        for url in (self.authz + "/jwks.json", self.net + "/", self.gw + "/"):
            wait_http(url, proc=self.proc)
        demo = json.loads((self.data / "demo-client.json").read_text())
        self.client_id, self.client_secret = demo["client_id"], demo["client_secret"]

    def token(self, scope="sim-swap:check sim-swap:retrieve-date", client=None):
        cid, secret = client or (self.client_id, self.client_secret)
        r = requests.post(self.authz + "/oauth2/token", auth=(cid, secret),
                          data={"grant_type": "client_credentials", "scope": scope}, timeout=5)
        assert r.status_code == 200, r.text
        return r.json()["access_token"]

    def cli(self, *args):
        return subprocess.run([str(BIN), *args, "--data-dir", str(self.data)],
                              capture_output=True, text=True, timeout=30)



@pytest.fixture(scope="session")
def tg(tmp_path_factory):
    if not BIN.exists():
        pytest.fail(f"{BIN} not built")
    t = Tollgate(tmp_path_factory.mktemp("tollgate"))
    yield t
    rc = t.stop()
    assert rc == 0, f"tollgate exited with {rc}; log:\n{t.logs()[-4000:]}"
