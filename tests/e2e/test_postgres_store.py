"""Two authorization servers on one PostgreSQL database (issue 3, Storage).

The test starts its own PostgreSQL 15 cluster (initdb -A trust in a temp folder,
as the `postgres` user when we are root, 127.0.0.1 on a free port, socket in
the folder) and stops it at the end. Two `tollgate authz` processes share the
database (--store-url) and the data folder (its keys/ folder: the signing keys
stay files, see src/app/store_open.h). A token from A introspects active at B;
revoking it at B puts it in A's revocations feed and makes it inactive at A;
each one's tokens verify with the other's /jwks.json; the audit chain both
wrote verifies. A database that goes away gives 503, not a crash or a hang.
If PostgreSQL cannot be started the test fails (it never skips)."""
import glob
import json
import os
import pwd
import shutil
import subprocess
import tempfile
import time

import jwt
import pytest
import requests

from conftest import BIN, TollgateProcess, free_port, wait_http


PG_PASSWORD = "pg-secret-4a8e"


def pg_bin():
    for v in ("15", "16", "17"):
        d = f"/usr/lib/postgresql/{v}/bin"
        if os.path.exists(d + "/initdb") and os.path.exists(d + "/pg_ctl"):
            return d
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return os.path.dirname(found[-1]) if found else None


class PgCluster:
    def __init__(self):
        self.bin = pg_bin()
        if not self.bin:
            pytest.fail("PostgreSQL not installed (initdb/pg_ctl): run scripts/install-deps.sh test")
        self.dir = tempfile.mkdtemp(prefix="tollgate_e2e_pg_")
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self._run([self.bin + "/initdb", "-D", self.data, "-A", "trust", "-U", "postgres",
                   "-E", "UTF8", "--locale=C", "--no-sync"])
        opts = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.dir}"
                " -c fsync=off")
        self.start_opts = opts
        self.start()
        # trust authentication ignores the password; it is there to prove it never reaches a log.
        self.url = f"postgresql://postgres:{PG_PASSWORD}@127.0.0.1:{self.port}/tollgate"
        self.psql("postgres", "CREATE DATABASE tollgate")

    def _run(self, cmd):
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--"] + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail(f"{' '.join(cmd)} failed: {r.stdout}{r.stderr}")
        return r

    def start(self):
        self._run([self.bin + "/pg_ctl", "-D", self.data, "-l", os.path.join(self.dir, "log"),
                   "-w", "-t", "30", "-o", self.start_opts, "start"])

    def stop(self):
        self._run([self.bin + "/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop"])

    def psql(self, db, sql):
        return subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                               "-d", db, "-tA", "-c", sql], capture_output=True, text=True,
                              timeout=30, check=True).stdout

    def destroy(self):
        subprocess.run((["runuser", "-u", "postgres", "--"] if self.as_postgres else []) +
                       [self.bin + "/pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)


class Authz(TollgateProcess):
    """`tollgate authz` on its own port, stores on PostgreSQL, data folder shared."""

    def __init__(self, tmp, data, url, name):
        self.tmp = tmp / name
        self.tmp.mkdir()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.config = self.tmp / "tollgate.yaml"
        self.config.write_text(f"data_dir: {data}\nauthz:\n  listen: 127.0.0.1:{self.port}\n"
                               f"  issuer: http://authz.tollgate.test\n")
        self.log = open(self.tmp / "tollgate.log", "w+b")
        self.proc = subprocess.Popen([str(BIN), "authz", "--config", str(self.config), "--store-url", url],
                                     stdout=subprocess.PIPE, stderr=self.log, cwd=self.tmp)
        wait_http(self.base + "/jwks.json", proc=self.proc)


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    if not BIN.exists():
        pytest.fail(f"{BIN} not built")
    tmp = tmp_path_factory.mktemp("pg_store")
    pg = PgCluster()
    data = tmp / "data"
    procs = []
    try:
        a = Authz(tmp, data, pg.url, "a")  # first: creates the keys and the admin token
        procs.append(a)
        b = Authz(tmp, data, pg.url, "b")
        procs.append(b)
        cli = lambda *args: subprocess.run([str(BIN), *args, "--data-dir", str(data), "--store-url", pg.url],
                                           capture_output=True, text=True, timeout=30)
        yield a, b, pg, cli, (data / "admin-token").read_text().strip()
    finally:
        for p in procs:
            rc = p.stop()
            assert rc == 0, f"authz exited with {rc}; log:\n{p.logs()[-3000:]}"
        pg.destroy()


def new_client(cli):
    r = cli("client", "create", "--partner", "demo-partner", "--scope", "sim-swap:check")
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    return c["client_id"], c["client_secret"]


def token(base, creds):
    r = requests.post(base + "/oauth2/token", auth=creds,
                      data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=5)
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def verify_with(base, tok):
    jwks = jwt.PyJWKClient(base + "/jwks.json")
    key = jwks.get_signing_key_from_jwt(tok).key
    return jwt.decode(tok, key, algorithms=["ES256", "RS256", "EdDSA"], options={"verify_aud": False})


def test_token_from_a_is_active_at_b_and_revocation_at_b_reaches_a(pair):
    a, b, pg, cli, admin = pair
    creds = new_client(cli)  # one client registry: the CLI wrote it to PostgreSQL
    tok = token(a.base, creds)
    jti = jwt.decode(tok, options={"verify_signature": False})["jti"]
    intro = requests.post(b.base + "/oauth2/introspect", auth=creds, data={"token": tok}, timeout=5)
    assert intro.status_code == 200 and intro.json()["active"] is True and intro.json()["jti"] == jti
    r = requests.post(b.base + "/oauth2/revoke", auth=creds, data={"token": tok}, timeout=5)
    assert r.status_code == 200
    feed = requests.get(a.base + "/oauth2/revocations?since=0",
                        headers={"Authorization": "Bearer " + admin}, timeout=5)
    assert feed.status_code == 200, feed.text
    assert jti in [x["jti"] for x in feed.json()["revoked"]]
    intro = requests.post(a.base + "/oauth2/introspect", auth=creds, data={"token": tok}, timeout=5)
    assert intro.json() == {"active": False}


def test_each_ones_tokens_verify_with_the_others_jwks(pair):
    a, b, pg, cli, admin = pair
    creds = new_client(cli)
    assert verify_with(b.base, token(a.base, creds))["iss"] == "http://authz.tollgate.test"
    assert verify_with(a.base, token(b.base, creds))["iss"] == "http://authz.tollgate.test"
    assert requests.get(a.base + "/jwks.json", timeout=5).json() == requests.get(b.base + "/jwks.json", timeout=5).json()


def test_audit_chain_written_by_both_verifies(pair):
    a, b, pg, cli, admin = pair
    creds = new_client(cli)
    for _ in range(10):  # interleaved writers: each appends under the transaction lock
        token(a.base, creds)
        token(b.base, creds)
    r = cli("audit", "verify")
    assert r.returncode == 0, r.stdout + r.stderr
    seqs = pg.psql("tollgate", "SELECT count(*), max(seq) FROM audit").strip().split("|")
    assert int(seqs[0]) == int(seqs[1]) and int(seqs[0]) >= 20


def test_database_down_gives_503_then_recovers(pair):
    a, b, pg, cli, admin = pair
    creds = new_client(cli)
    token(a.base, creds)
    pg.stop()
    try:
        start = time.time()
        r = requests.post(a.base + "/oauth2/token", auth=creds,
                          data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=30)
        assert r.status_code == 503, r.text
        assert time.time() - start < 15
        assert a.proc.poll() is None and b.proc.poll() is None
    finally:
        pg.start()
    deadline = time.time() + 15
    while True:
        r = requests.post(a.base + "/oauth2/token", auth=creds,
                          data={"grant_type": "client_credentials", "scope": "sim-swap:check"}, timeout=30)
        if r.status_code == 200 or time.time() > deadline:
            break
        time.sleep(0.5)
    assert r.status_code == 200, r.text
    assert PG_PASSWORD not in a.logs() and PG_PASSWORD not in b.logs()
