"""Helpers for the network e2e tests (tests/e2e/test_network_*.py).

- CAMARA response validation: every response body is checked against the schema the
  spec (../shared/camara/specs/<api>.yaml) gives for that path, method and status, with
  $refs resolved (CAMARA_common.yaml too), OpenAPI `discriminator` mappings followed,
  and the formats the specs use (date-time, date, uuid, ipv4, ipv6, uri) checked.
  Statuses a spec does not document are checked against its ErrorInfo schema.
- `client_for(tg, scopes)`: a partner client with exactly those scopes (CLI) and a
  token for them through the authorization server.
- `call(...)`: a request through the gateway, validated against the spec.
- `HttpsSink`: a notification sink on 127.0.0.1 speaking TLS with a fresh self-signed
  certificate, recording what it receives.
"""
import datetime
import ipaddress
import json
import os
import queue
import re
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import requests
import yaml

from conftest import ROOT

# --- the specs -----------------------------------------------------------------------

def _spec_dir():
    for d in (ROOT / ".." / "shared" / "camara" / "specs", Path("/work/shared/camara/specs")):
        if (d / "CAMARA_common.yaml").exists():
            return d.resolve()
    raise RuntimeError("CAMARA specs not found (../shared/camara/specs)")


SPEC_DIR = _spec_dir()
_specs = {}


class _TolerantLoader(yaml.SafeLoader):
    """CAMARA_common.yaml is a template: some of its example values are placeholders
    like `{ { SPECIFIC_CODE } }` that YAML reads as mappings with mapping keys. Such
    keys become their text; nothing a schema uses is affected."""

    def construct_mapping(self, node, deep=False):
        for i, (k, v) in enumerate(node.value):
            if isinstance(k, yaml.MappingNode):
                node.value[i] = (yaml.ScalarNode("tag:yaml.org,2002:str", str(k.value)), v)
        return super().construct_mapping(node, deep=deep)


def spec(name):
    """The parsed OpenAPI document specs/<name>.yaml (cached)."""
    if name not in _specs:
        _specs[name] = yaml.load((SPEC_DIR / f"{name}.yaml").read_text(), Loader=_TolerantLoader)
    return _specs[name]


FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(v):
    if not isinstance(v, str):
        return True
    if not re.fullmatch(r"\d{4}-\d\d-\d\d[Tt]\d\d:\d\d:\d\d(\.\d+)?([Zz]|[+-]\d\d:\d\d)", v):
        raise ValueError(f"not an RFC 3339 date-time: {v}")
    datetime.datetime.fromisoformat(v.upper().replace("Z", "+00:00"))
    return True


@FORMATS.checks("date", raises=ValueError)
def _date(v):
    if isinstance(v, str):
        if not re.fullmatch(r"\d{4}-\d\d-\d\d", v):
            raise ValueError(v)
        datetime.date.fromisoformat(v)
    return True


@FORMATS.checks("uuid", raises=ValueError)
def _uuid(v):
    if isinstance(v, str):
        if not re.fullmatch(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}", v):
            raise ValueError(v)
    return True


@FORMATS.checks("ipv4", raises=ValueError)
def _ipv4(v):
    if isinstance(v, str):
        ipaddress.IPv4Address(v)
    return True


@FORMATS.checks("ipv6", raises=ValueError)
def _ipv6(v):
    if isinstance(v, str):
        ipaddress.IPv6Address(v)
    return True


@FORMATS.checks("uri", raises=ValueError)
def _uri(v):
    if isinstance(v, str) and not urlsplit(v).scheme:
        raise ValueError(v)
    return True


_following = set()


def _discriminator(validator, discriminator, instance, schema):
    """OpenAPI 3.0 discriminator: validate against the mapped schema too. The mapped
    schema usually extends the base one (allOf), so the same (instance, target) pair is
    never followed twice in one descent."""
    if not isinstance(instance, dict):
        return
    value = instance.get(discriminator.get("propertyName"))
    target = discriminator.get("mapping", {}).get(value)
    if target is None:
        return
    key = (id(instance), target)
    if key in _following:
        return
    _following.add(key)
    try:
        yield from validator.descend(instance, {"$ref": target})
    finally:
        _following.discard(key)


Validator = jsonschema.validators.extend(jsonschema.Draft4Validator, {"discriminator": _discriminator})


def _load_ref(uri):
    """Documents a $ref points into (CAMARA_common.yaml, sibling specs), on demand."""
    path = Path(urlsplit(uri).path)
    assert path.parent == SPEC_DIR, f"$ref outside the specs: {uri}"
    return spec(path.stem)


def _resolver(name):
    return jsonschema.RefResolver(base_uri=(SPEC_DIR / f"{name}.yaml").as_uri(), referrer=spec(name),
                                  handlers={"file": _load_ref})


def _deref(name, node):
    """Follows a chain of $ref (responses, schemas) inside the spec `name`."""
    resolver = _resolver(name)
    while isinstance(node, dict) and "$ref" in node:
        _, node = resolver.resolve(node["$ref"])
    return node, resolver


def response_schema(name, path, method, status):
    """The JSON schema of the response body for `status`, or None when that response has
    no JSON body (204). Undocumented error statuses get the spec's ErrorInfo."""
    op = spec(name)["paths"][path][method.lower()]
    resp = op["responses"].get(str(status))
    if resp is None:
        assert status >= 400, f"{name} {method} {path}: undocumented success status {status}"
        return {"$ref": "#/components/schemas/ErrorInfo"}
    resp, _ = _deref(name, resp)
    content = resp.get("content")
    if not content:
        return None
    return content["application/json"]["schema"]


def validate(name, path, method, status, body):
    """Asserts that `body` (parsed JSON, or None) is what the spec allows for `status`."""
    schema = response_schema(name, path, method, status)
    if schema is None:
        assert body is None, f"{status} must have no body, got {body!r}"
        return
    Validator(schema, resolver=_resolver(name), format_checker=FORMATS).validate(body)


def validate_schema(name, schema_name, instance):
    """Validates `instance` against components/schemas/<schema_name> of spec `name`."""
    Validator({"$ref": f"#/components/schemas/{schema_name}"}, resolver=_resolver(name),
              format_checker=FORMATS).validate(instance)


# --- clients and calls ---------------------------------------------------------------

def client_for(tg, scopes):
    """A new demo-partner client allowed exactly `scopes`, and a token for all of them."""
    r = tg.cli("client", "create", "--partner", "demo-partner", "--scope", " ".join(scopes))
    assert r.returncode == 0, r.stderr
    c = json.loads(r.stdout)
    creds = (c["client_id"], c["client_secret"])
    return creds, tg.token(scope=" ".join(scopes), client=creds)


class Api:
    """One CAMARA API behind the gateway: base path, spec name, a token."""

    def __init__(self, tg, name, base, token):
        self.tg, self.name, self.base, self.token = tg, name, base, token

    def call(self, method, template, body=None, params=None, token="default", headers=None,
             raw=None, expect=None):
        """Sends `method base+template` (path params from `params`), validates the answer
        against the spec for its status, checks x-correlator, and returns the response
        with `.json_body` (None without a body)."""
        path = template
        for k, v in (params or {}).items():
            path = path.replace("{" + k + "}", v)
        h = {}
        if body is not None or raw is not None:
            h["Content-Type"] = "application/json"
        tok = self.token if token == "default" else token
        if tok is not None:
            h["Authorization"] = f"Bearer {tok}"
        corr = f"e2e-{uuid.uuid4()}"
        h["x-correlator"] = corr
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        r = requests.request(method, self.tg.gw + self.base + path, data=data, headers=h, timeout=10)
        r.json_body = r.json() if r.content else None
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        assert r.headers.get("x-correlator") == h["x-correlator"], r.headers
        if r.content:
            assert r.headers["Content-Type"].startswith("application/json"), r.headers
        validate(self.name, template, method, r.status_code, r.json_body)
        if r.status_code >= 400:
            assert set(r.json_body) == {"status", "code", "message"}, r.json_body
            assert r.json_body["status"] == r.status_code
        return r

    def post(self, template, body, **kw):
        return self.call("POST", template, body=body, **kw)


def error_of(r):
    return (r.status_code, r.json_body["code"])


# --- an HTTPS notification sink -------------------------------------------------------

def make_cert(directory):
    """A self-signed certificate for 127.0.0.1 (SAN IP) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "tollgate e2e sink")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = Path(directory) / "sink-cert.pem", Path(directory) / "sink-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


class HttpsSink:
    """POST receiver on https://127.0.0.1:<port>/; records (path, headers, body) and
    answers 204, or the statuses queued in `fail_next` first."""

    def __init__(self, directory):
        self.cert, key = make_cert(directory)
        self.received = queue.Queue()
        self.fail_next = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                status = sink.fail_next.pop(0) if sink.fail_next else 204
                sink.received.put((self.path, dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(self.cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self, n, timeout=10.0):
        """The next n deliveries as (path, headers, parsed body, status we answered)."""
        out = []
        for _ in range(n):
            path, headers, body, status = self.received.get(timeout=timeout)
            out.append((path, {k.lower(): v for k, v in headers.items()}, json.loads(body), status))
        return out

    def nothing_within(self, seconds):
        try:
            got = self.received.get(timeout=seconds)
        except queue.Empty:
            return True
        raise AssertionError(f"unexpected delivery: {got!r}")

    def close(self):
        self.server.shutdown()
        self.server.server_close()
