"""`tollgate run` with every role in one process loads the subscriber store once: the
network role serves it and the authorization server's network directory (handset IPs,
operator tokens) reads the same store. A generated population of a million is ~240 MiB,
so a second copy doubled the process (bench figures in the commit that fixed it)."""
import json

import requests

from conftest import Tollgate


def loads(logs):
    return [json.loads(line) for line in logs.splitlines() if '"network: subscribers loaded"' in line]


def test_demo_store_loaded_once(tg):
    """The session's process: one load of the three demo subscribers."""
    got = loads(tg.logs())
    assert [e["subscribers"] for e in got] == [3], got


def test_generated_population_loaded_once_and_shared(tmp_path):
    """With a generated population both roles see it from the one load: the network answers for
    a demo subscriber and the authorization server identifies the handset at 127.0.0.1."""
    t = Tollgate(tmp_path, extra_config="  population: { size: 20000, seed: 7 }\n")
    try:
        got = loads(t.logs())
        assert [e["subscribers"] for e in got] == [20003], got
        r = requests.get(f"{t.net}/handset/+34600000001/inbox?format=json", timeout=5)
        assert r.status_code == 200, r.text
        op = requests.post(f"{t.net}/handset/+34600000002/operator-token", timeout=5)
        assert op.status_code == 200, op.text
    finally:
        assert t.stop() == 0, t.logs()[-3000:]
