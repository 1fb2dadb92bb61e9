"""The authorization server's sweeper (authz/purge.h) runs in a real `tollgate run`: it sweeps at
start-up and logs how many rows each table lost."""
import json


def test_the_sweeper_logs_rows_removed_per_table(tg):
    text = tg.wait_log('"log":"purge"', timeout=10)
    sweeps = [json.loads(line) for line in text.splitlines()
              if line.startswith("{") and '"log":"purge"' in line and '"msg":"sweep"' in line]
    assert sweeps, "no purge sweep logged"
    s = sweeps[0]
    for table in ("auth_codes", "authorize_sessions", "ciba_requests", "refresh_tokens", "assertion_jti",
                  "revocations"):
        assert isinstance(s[table], int) and s[table] >= 0, (table, s)
    assert s["removed"] == sum(s[t] for t in ("auth_codes", "authorize_sessions", "ciba_requests",
                                              "refresh_tokens", "assertion_jti", "revocations"))
    assert s["failures"] == 0
