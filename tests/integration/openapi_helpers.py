"""Checks of wsis-gateway's answers against its OpenAPI document
(configs/openapi.json, served at /api/v1/openapi.json): the status is one
the document lists for the route, the content type one it lists for that
status, the headers it says are required are there, and a JSON body (a
success's or an error's) matches the schema, with python3-jsonschema.
The generic route POST /api/v1/{service}/{op} has one schema per
operation, under x-operations."""
import json
import os

import jsonschema

from wsis_harness import ROOT

GENERIC = "/api/v1/{service}/{op}"


def load(path=os.path.join(ROOT, "configs", "openapi.json")):
    with open(path) as f:
        return json.load(f)


def as_json_schema(node):
    """OpenAPI 3.0's schema objects as JSON Schema: `nullable: true` is
    the type or null."""
    if isinstance(node, dict):
        node = {key: as_json_schema(value) for key, value in node.items()}
        if node.pop("nullable", False) and "type" in node:
            node["type"] = [node["type"], "null"]
        return node
    if isinstance(node, list):
        return [as_json_schema(item) for item in node]
    return node


def _validate(document, value, schema):
    resolver = jsonschema.RefResolver.from_schema(as_json_schema(document))
    jsonschema.validate(value, as_json_schema(schema), resolver=resolver)


def _operation_name(url):
    """The op of a generic route's URL (/api/v1/voting/vote.cast -> vote.cast)."""
    return url.split("?")[0].rsplit("/", 1)[1]


def check_response(document, path, method, url, status, headers, body):
    """Asserts that (path, method) lists status, with the response's content
    type, its required headers, and a JSON body that matches the schema.
    Returns (path, method, status): what was covered."""
    operation = document["paths"][path][method]
    assert str(status) in operation["responses"], f"{method} {url} answered {status}, not documented: {body}"
    response = operation["responses"][str(status)]
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].split("/")[-1]]
    media = headers.get("Content-Type", "").split(";")[0]
    assert media in response["content"], f"{method} {url} {status} answered {media!r}, not documented"
    for name, header in response.get("headers", {}).items():
        if "$ref" in header:
            header = document["components"]["headers"][header["$ref"].split("/")[-1]]
        if header.get("required"):
            assert name in headers, f"{method} {url} {status} without its {name} header"
            value = headers[name]
            _validate(document, int(value) if header["schema"]["type"] == "integer" else value,
                      header["schema"])
    if media == "application/json":
        assert body is not None, f"{method} {url} {status}: no body"
        schema = response["content"][media]["schema"]
        if path == GENERIC and status == 200:
            schema = operation["x-operations"].get(_operation_name(url), {}).get("reply", schema)
        _validate(document, body, schema)
    else:
        assert body, f"{method} {url} {status}: an empty {media}"
    return (path, method, status)


def check_request(document, path, method, url, body):
    """Asserts that a body the route took (answered 2xx) matches the
    document's request schema for it."""
    operation = document["paths"][path][method]
    if body is None:
        assert not operation.get("requestBody", {}).get("required"), f"{method} {url} took no body"
        return
    assert "requestBody" in operation, f"{method} {url} took a body the document does not describe"
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if path == GENERIC:
        schema = operation["x-operations"].get(_operation_name(url), {}).get("request", schema)
    _validate(document, body, schema)
