#!/usr/bin/python3
"""idle_conns.py HOST PORT PID N TOKEN_FILE [PATH]

Opens N keep-alive connections to the gateway, sends one authorised request on
each and reads its answer, then leaves them all idle and reports the gateway
process's VmRSS (and VmHWM) from /proc/PID/status before and after, as
"key value" lines. Raises RLIMIT_NOFILE for itself first."""
import resource
import socket
import sys
import time


def rss(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                k, v = line.split(":", 1)
                out[k] = int(v.split()[0])  # kB
    return out


def main():
    host, port, pid, n, token_file = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    path = sys.argv[6] if len(sys.argv) > 6 else "/sim-swap/v0/check"
    token = open(token_file).read().strip()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = min(hard, n + 1024)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    request = (f"GET {path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer {token}\r\n\r\n").encode()
    before = rss(pid)
    conns, ok = [], 0
    t0 = time.time()
    for i in range(n):
        s = socket.create_connection((host, port), timeout=10)
        s.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if data.startswith(b"HTTP/1.1 200"):
            ok += 1
        # drain the (small) body so the connection is idle and clean
        head, _, rest = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(rest) < length:
            rest += s.recv(4096)
        conns.append(s)
    opened = time.time() - t0
    time.sleep(2)  # let the gateway settle (buffers returned to its pool)
    after = rss(pid)
    alive = 0
    for s in conns[:: max(1, n // 100)]:  # a sample: still open and usable
        s.sendall(request)
        if s.recv(4096).startswith(b"HTTP/1.1 200"):
            alive += 1
    print(f"connections {n}")
    print(f"answered_200 {ok}")
    print(f"open_seconds {opened:.1f}")
    print(f"rss_before_kb {before['VmRSS']}")
    print(f"rss_idle_kb {after['VmRSS']}")
    print(f"hwm_kb {after['VmHWM']}")
    print(f"per_connection_bytes {int((after['VmRSS'] - before['VmRSS']) * 1024 / n)}")
    print(f"sample_still_served {alive}/{len(conns[:: max(1, n // 100)])}")
    for s in conns:
        s.close()


if __name__ == "__main__":
    main()
