"""Hostile and malformed input never gets a 5xx, never hangs, and gets the
standard error for its endpoint."""
import socket

import requests


def raw(port, data, timeout=5.0):
    """Send raw bytes, return the status line (or '' if the server closed)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        buf = b""
        while b"\r\n" not in buf:
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf.split(b"\r\n", 1)[0].decode(errors="replace")


def test_malformed_form_bodies(tg):
    """Bad %-escapes, duplicate parameters and wrong content types are invalid_request."""
    url = tg.authz + "/oauth2/token"
    auth = (tg.client_id, tg.client_secret)
    cases = [
        ("grant_type=client_credentials&scope=%zz", "application/x-www-form-urlencoded"),
        ("grant_type=client_credentials&grant_type=client_credentials&scope=sim-swap:check",
         "application/x-www-form-urlencoded"),
        ('{"grant_type":"client_credentials"}', "application/json"),
        ("", "application/x-www-form-urlencoded"),
    ]
    for body, ctype in cases:
        r = requests.post(url, data=body, headers={"Content-Type": ctype}, auth=auth, timeout=5)
        assert r.status_code == 400, (body, r.status_code, r.text)
        assert r.json()["error"] == "invalid_request", (body, r.text)


def test_token_endpoint_wrong_method(tg):
    """GET on the token endpoint is 405, not 500."""
    r = requests.get(tg.authz + "/oauth2/token", timeout=5)
    assert r.status_code == 405


def test_garbage_tokens_never_5xx(tg):
    """Garbage bearer values all get 401."""
    for t in ["x", "a.b", "a.b.c", "a.b.c.d", "a.b.c.d.e", "....", "eyJhbGciOiJub25lIn0.e30.",
              "eyJ" + "A" * 3000 + ".e30.sig", "%00%00", "bearer", "é.é.é"]:
        r = requests.post(tg.gw + "/sim-swap/v2/check", json={"phoneNumber": "+34600000001"},
                          headers={"Authorization": "Bearer " + t}, timeout=5)
        assert r.status_code == 401, (t, r.status_code)


def test_oversized_header_is_431(tg):
    """A header block over the limit is refused with 431 on every role."""
    for port in (tg.gw_port, tg.authz_port, tg.net_port):
        req = (b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        status = raw(port, req)
        assert status.startswith("HTTP/1.1 431"), (port, status)


def test_garbage_request_line_is_400(tg):
    """A request line that is not HTTP gets 400, not a crash."""
    for port in (tg.gw_port, tg.authz_port, tg.net_port):
        status = raw(port, b"\x16\x03\x01\x02\x00garbage\r\n\r\n")
        assert status == "" or status.startswith("HTTP/1.1 400"), (port, status)


def test_two_authorization_headers_refused(tg):
    """Two Authorization headers are refused, never merged."""
    tok = tg.token()
    req = (f"POST /sim-swap/v2/check HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {tok}\r\n"
           f"Authorization: Bearer {tok}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}").encode()
    status = raw(tg.gw_port, req)
    assert status.startswith("HTTP/1.1 400") or status.startswith("HTTP/1.1 401"), status


def test_token_in_query_string_not_accepted(tg):
    """access_token in the query string is ignored: still 401."""
    r = requests.post(tg.gw + "/sim-swap/v2/check?access_token=" + tg.token(),
                      json={"phoneNumber": "+34600000001"}, timeout=5)
    assert r.status_code == 401


def test_malformed_json_body_through_gateway(tg):
    """A malformed JSON body is 400 INVALID_ARGUMENT from the API, not 500."""
    r = requests.post(tg.gw + "/sim-swap/v2/check", data='{"phoneNumber": ',
                      headers={"Authorization": "Bearer " + tg.token(), "Content-Type": "application/json"},
                      timeout=5)
    assert r.status_code == 400
    assert r.json()["code"] == "INVALID_ARGUMENT"


def test_unknown_route_is_404(tg):
    """A path no product defines is 404 NOT_FOUND in CAMARA form."""
    r = requests.get(tg.gw + "/nope", timeout=5)
    assert r.status_code == 404
    assert r.json()["code"] == "NOT_FOUND"
