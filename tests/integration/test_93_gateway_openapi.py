"""The OpenAPI document wsis-gateway serves at /api/v1/openapi.json,
checked twice: as an OpenAPI 3 document (JSON::Validator's OpenAPIv3
schema, Debian's libjson-validator-perl), and against the real
responses: every path and method of the document is called, and every
response's status is one the document lists for it, with a body that
matches its schema (python3-jsonschema)."""
import json
import re
import subprocess

import jsonschema
import pytest

from contest_helpers import ok, set_clock
from notifications_helpers import body_text, outbox
from submissions_helpers import stakeholder_body
from test_90_gateway_api import request
from wsis_harness import Cluster

OPEN = "2022-01-10T12:00:00Z"

PERL_CHECK = r'''
use strict;
use JSON::Validator::Schema::OpenAPIv3;
use Mojo::File qw(path);
use Mojo::JSON qw(decode_json);
my $schema = JSON::Validator::Schema::OpenAPIv3->new(decode_json(path($ARGV[0])->slurp));
print "$_\n" for @{$schema->errors};
'''


@pytest.fixture(scope="module")
def c(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("openapi"), options={"gateway": {"max_body": 4096}})
    cluster.start_all()
    set_clock(cluster, OPEN)
    cluster.wait_until(lambda: request(cluster, "GET", "/readyz")[0] == 200, what="the gateway to be ready")
    yield cluster
    cluster.close()


@pytest.fixture(scope="module")
def document(c):
    status, headers, body = request(c, "GET", "/api/v1/openapi.json")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    return body


def test_it_is_a_valid_openapi_3_document(c, document, tmp_path):
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    result = subprocess.run(["perl", "-e", PERL_CHECK, str(path)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "", result.stdout
    assert document["openapi"].startswith("3.0")


def test_a_broken_document_is_caught(tmp_path):
    """The check above can fail: a response without a description is refused."""
    broken = {"openapi": "3.0.3", "info": {"title": "x", "version": "1"},
              "paths": {"/x": {"get": {"responses": {"200": {}}}}}}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken))
    result = subprocess.run(["perl", "-e", PERL_CHECK, str(path)], capture_output=True, text=True,
                            timeout=120)
    assert "description" in result.stdout, result.stdout + result.stderr


def check(document, path, method, status, body):
    """Asserts that the document lists status for (path, method) and the
    body matches its schema; returns the key of what was covered."""
    operation = document["paths"][path][method]
    assert str(status) in operation["responses"], f"{method} {path} answered {status}, not documented"
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].split("/")[-1]]
    schema = response["content"]["application/json"]["schema"]
    resolver = jsonschema.RefResolver.from_schema(document)
    jsonschema.validate(body, schema, resolver=resolver)
    return (path, method)


def test_every_route_answers_as_documented(c, document):
    covered = set()

    def call(path, method, url, body=None, headers=None, raw=None):
        status, _, reply = request(c, method.upper(), url, body, headers, raw)
        covered.add(check(document, path, method, status, reply))
        return status, reply

    assert call("/healthz", "get", "/healthz")[0] == 200
    assert call("/readyz", "get", "/readyz")[0] == 200
    assert call("/api/v1/openapi.json", "get", "/api/v1/openapi.json")[0] == 200

    op = "/api/v1/{service}/{op}"
    status, reply = call(op, "post", "/api/v1/submissions/stakeholder.register",
                         stakeholder_body(email="open@example.org"))
    assert status == 200
    ada = reply["stakeholder_id"]
    for url, body, expected in [
        ("/api/v1/submissions/stakeholder.register", {"name": "x"}, 422),
        ("/api/v1/submissions/stakeholder.list", {}, 403),
        ("/api/v1/submissions/no.such.op", {}, 404),
        ("/api/v1/submissions/stakeholder.register", stakeholder_body(email="open@example.org"), 409),
        ("/api/v1/reporting/report.summary", {"call": "prizes-2022"}, 200),
    ]:
        assert call(op, "post", url, body)[0] == expected, url
    assert call(op, "post", "/api/v1/voting/sys.ping", raw=b"[1]")[0] == 400
    assert call(op, "post", "/api/v1/voting/sys.ping", raw=json.dumps({"x": "y" * 5000}).encode())[0] == 413
    assert call(op, "post", "/api/v1/voting/sys.ping", {}, {"Authorization": "Bearer nope"})[0] == 401

    assert call("/api/v1/auth/code", "post", "/api/v1/auth/code", {"email": "open@example.org"})[0] == 202
    assert call("/api/v1/auth/code", "post", "/api/v1/auth/code", {"email": "no"})[0] == 422
    c.wait_until(lambda: any(k.startswith("sign-in/open@example.org/") for k in outbox(c)),
                 what="the code in the outbox")
    message = next(m for k, m in outbox(c).items() if k.startswith("sign-in/open@example.org/"))
    code = re.search(r"^\s+(\d{6})\s*$", body_text(message), re.M).group(1)
    session = "/api/v1/auth/session"
    wrong = "000000" if code != "000000" else "111111"
    assert call(session, "post", session, {"email": "open@example.org", "code": wrong})[0] == 401
    assert call(session, "post", session, {"email": "open@example.org", "code": "1"})[0] == 422
    status, reply = call(session, "post", session, {"email": "open@example.org", "code": code})
    assert status == 201 and reply["stakeholder_id"] == ada
    bearer = {"Authorization": f"Bearer {reply['token']}"}
    assert call(op, "post", "/api/v1/voting/sys.ping", {}, bearer)[0] == 200
    assert call(session, "delete", session, headers=bearer)[0] == 200
    assert call(session, "delete", session, headers=bearer)[0] == 401

    documented = {(path, method) for path, methods in document["paths"].items() for method in methods}
    assert covered == documented, documented - covered
