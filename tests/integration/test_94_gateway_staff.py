"""wsis-gateway's staff listener: off by default; when on, staff
operations for the holders of a staff token only (the token file made by
scripts/make-keys.sh), forwarded as {id: <the token's name>, role: staff}
and recorded under that name; never on the public listener; a tokens
file that is wrong refuses the start with one line, and one changed while
running counts from the next request."""
import hashlib
import os
import secrets
import sqlite3
import subprocess

import pytest

from contest_helpers import IN_REVIEW, OPEN, caught_up, ok, set_clock
from gateway_helpers import bearer, request, sign_in, start_ready
from submissions_helpers import prize_body, stakeholder_body
from wsis_harness import ROOT, SANITIZER_MARKERS, Cluster, free_ports

SECURITY_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer",
                    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
                    "Cache-Control": "no-store"}


def make_token(keys, name):
    """A staff token for the tool name, made as an operator makes one
    (scripts/make-keys.sh --staff-token): (the tokens file, the token)."""
    subprocess.run([os.path.join(ROOT, "scripts/make-keys.sh"), str(keys), "--staff-token", name],
                   check=True, capture_output=True, cwd=ROOT, timeout=60)
    token = (keys / "secret" / f"{name}.staff_token").read_text().strip()
    return keys / "secret" / "gateway.staff_tokens", token


def staff_cluster(tmp_path, tokens_file, **gateway):
    """A cluster whose gateway has the staff listener on, with tokens_file.
    Not started."""
    port = free_ports(1)[0]
    c = Cluster(tmp_path, options={"gateway": {"staff_port": port, "staff_tokens": tokens_file, **gateway}})
    c.ports["staff"] = port
    return c


def started(c):
    """c with every service started and the gateway ready; stopped again
    when that fails (the harness forgets a cluster nobody holds)."""
    try:
        return start_ready(c, OPEN)
    except BaseException:
        c.close()
        raise


def listening_ports(pid):
    """The TCP ports process pid listens on (from /proc: asked of the
    kernel, not tried by connecting)."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        with open(f"/proc/{pid}/net/{table}") as lines:
            next(lines)
            for line in lines:
                fields = line.split()
                if fields[3] == "0A" and fields[9] in inodes:     # LISTEN
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


@pytest.fixture
def staff(tmp_path):
    """Every service, the staff listener on with the staff tool's token and
    review-desk's (sign-in limited to 5 a minute): (cluster, token of
    staff-tool, token of review-desk)."""
    make_token(tmp_path / "deploy-keys", "staff-tool")
    tokens_file, desk = make_token(tmp_path / "deploy-keys", "review-desk")
    tool = (tmp_path / "deploy-keys" / "secret" / "staff-tool.staff_token").read_text().strip()
    c = started(staff_cluster(tmp_path, tokens_file, sign_in_per_minute=5))
    yield c, tool, desk
    c.close()


def staff_call(c, op_path, body, token, **kwargs):
    headers = bearer(token) if token else {}
    return request(c, "POST", op_path, body, {**headers, **kwargs.pop("headers", {})},
                   port=c.ports["staff"], **kwargs)


def test_off_by_default_nothing_listens(tmp_path):
    c = started(Cluster(tmp_path))
    try:
        # The gateway listens on its command port and the public HTTP port only.
        assert listening_ports(c.processes["gateway"].pid) == {c.ports["gateway"], c.ports["http"]}
        status, _, body = request(c, "POST", "/api/v1/submissions/stakeholder.list", {})
        assert status == 403 and body["error"]["code"] == "forbidden"
        assert "staff" not in c.log("gateway")
    finally:
        c.close()


def test_a_staff_operation_is_done_and_recorded_under_the_tokens_name(staff):
    c, tool, desk = staff
    assert listening_ports(c.processes["gateway"].pid) == {c.ports["gateway"], c.ports["http"], c.ports["staff"]}
    registered = stakeholder_body()
    stakeholder = ok(c.call("submissions", "stakeholder.register", registered, role="public"))["stakeholder_id"]
    submission = ok(c.call("submissions", "submission.create", prize_body(stakeholder),
                           role="gateway"))["submission_id"]

    # stakeholder.list: the staff side, email addresses included; the
    # public listener refuses it as ever.
    status, headers, body = staff_call(c, "/api/v1/submissions/stakeholder.list", {}, tool)
    assert status == 200, body
    assert [(s["stakeholder_id"], s["email"]) for s in body["items"]] == [(stakeholder, registered["email"])]
    for name, value in SECURITY_HEADERS.items():
        assert headers[name] == value
    assert "Access-Control-Allow-Origin" not in headers
    status, _, body = request(c, "POST", "/api/v1/submissions/stakeholder.list", {})
    assert status == 403 and body["error"]["code"] == "forbidden"

    # review.decide once the submission phase closed: done by review-desk,
    # and nominations keeps that name as who decided.
    set_clock(c, IN_REVIEW)
    c.wait_until(lambda: caught_up(c, "nominations", "submissions"), what="nominations to learn the project")
    decision = {"submission_id": submission, "decision": "nominate"}
    status, _, body = request(c, "POST", "/api/v1/nominations/review.decide", decision)
    assert status == 403 and body["error"]["code"] == "forbidden"
    status, _, body = staff_call(c, "/api/v1/nominations/review.decide", decision, desk,
                                 headers={"Idempotency-Key": "desk-decision-1"})
    assert status == 200, body
    assert body["decision"] == "nominate" and body["changed"] is True
    db = sqlite3.connect(f"file:{c.data_dir / 'nominations.db'}?mode=ro", uri=True)
    try:
        assert db.execute("SELECT decision, decided_by FROM review WHERE submission_id = ?",
                          (submission,)).fetchall() == [("nominate", "review-desk")]
    finally:
        db.close()
    # The same Idempotency-Key again: the first reply, nothing done twice
    again = staff_call(c, "/api/v1/nominations/review.decide", decision, desk,
                       headers={"Idempotency-Key": "desk-decision-1"})
    assert again[0] == 200 and again[2] == body
    assert [e["type"] for e in c.events("nominations")].count("review.decided") == 1
    # The services' own errors come through with their status
    status, _, body = staff_call(c, "/api/v1/nominations/review.decide",
                                 {"submission_id": submission, "decision": "reject"}, tool)
    assert status == 422 and body["error"]["field"] == "reason"


def test_no_staff_token_no_staff_operation(staff):
    c, tool, _ = staff
    email = stakeholder_body()["email"]
    ok(c.call("submissions", "stakeholder.register", stakeholder_body(email=email), role="public"))
    c.wait_until(lambda: caught_up(c, "gateway", "submissions"), what="the gateway to learn the address")
    session = sign_in(c, email)
    path = "/api/v1/submissions/stakeholder.list"
    # Health is open: it tells nothing
    assert request(c, "GET", "/healthz", port=c.ports["staff"])[0] == 200
    for headers in ({}, bearer(tool + "x"), {"Authorization": f"Basic {tool}"}, session):
        status, _, body = staff_call(c, path, {}, None, headers=headers)
        assert status == 401 and body["error"]["code"] == "forbidden", (headers, body)
    # A staff token is no session on the public listener either
    status, _, body = request(c, "POST", path, {}, bearer(tool))
    assert status == 401
    # Only the generic route is served, to staff only
    assert staff_call(c, "/api/v1/calls", {}, tool)[0] == 404
    assert staff_call(c, "/api/v1/nowhere/stakeholder.list", {}, tool)[0] == 404
    assert request(c, "GET", path, headers=bearer(tool), port=c.ports["staff"])[0] == 405
    # Wrong tokens take from the client's sign-in bucket (5 a minute here,
    # three taken above): then 429, while the right token still works.
    assert staff_call(c, path, {}, "guess-1")[0] == 401
    assert staff_call(c, path, {}, "guess-2")[0] == 401
    status, headers, body = staff_call(c, path, {}, "guess-3")
    assert status == 429 and body["error"]["code"] == "rate_limited" and int(headers["Retry-After"]) >= 1
    assert staff_call(c, path, {}, tool)[0] == 200

def test_a_token_is_revoked_by_removing_its_line(tmp_path):
    keys = tmp_path / "deploy-keys"
    make_token(keys, "staff-tool")
    tokens_file, desk = make_token(keys, "review-desk")
    tool = (keys / "secret" / "staff-tool.staff_token").read_text().strip()
    c = started(staff_cluster(tmp_path, tokens_file, staff_host="0.0.0.0"))
    try:
        assert "the staff listener is on every interface" in c.log("gateway")
        path = "/api/v1/submissions/stakeholder.list"
        assert staff_call(c, path, {}, desk)[0] == 200
        lines = tokens_file.read_text().splitlines()
        tokens_file.write_text("\n".join(line for line in lines if not line.startswith("review-desk ")) + "\n")
        assert staff_call(c, path, {}, desk)[0] == 401
        assert staff_call(c, path, {}, tool)[0] == 200
        # A file gone wrong refuses everyone until it is fixed, and says why once
        tokens_file.write_text("staff-tool\n")
        for _ in range(2):
            status, _, body = staff_call(c, path, {}, tool)
            assert status == 503 and body["error"]["code"] == "unavailable"
        assert c.log("gateway").count("refuses every request until it is fixed") == 1
        digest = hashlib.sha256(tool.encode()).hexdigest()
        tokens_file.write_text(f"# the staff tool\nstaff-tool {digest}\n")
        assert staff_call(c, path, {}, tool)[0] == 200
    finally:
        c.close()


def digest_line(name="desk"):
    return f"{name} {hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()}\n"


REFUSED = [
    # (why, the tokens file's text (None: none named), its mode, the gateway's options, what the line says)
    ("no tokens file", None, 0o600, {}, ["gateway/staff_tokens", "make-keys.sh"]),
    ("a line of one field", "desk\n", 0o600, {}, ["line 1", "<name> <SHA-256"]),
    ("not hex", digest_line()[:-2] + "zz\n", 0o600, {}, ["line 1", "<name> <SHA-256"]),
    ("a name with a space", "# tools\n\nreview desk " + "ab" * 32 + "\n", 0o600, {}, ["line 3"]),
    ("the same name twice", digest_line() + digest_line(), 0o600, {}, ["line 2", "the name is on line 1"]),
    ("no token at all", "# none yet\n", 0o600, {}, ["holds no token"]),
    ("writable by others", digest_line(), 0o666, {}, ["writable by group or others"]),
    ("the public port", digest_line(), 0o600, {"staff_port": "PUBLIC"}, ["is gateway/http_port too"]),
    ("not an address", digest_line(), 0o600, {"staff_host": "internal.example"},
     ["gateway/staff_host = internal.example", "an IPv4 address"]),
]


@pytest.mark.parametrize("why,text,mode,options,says", REFUSED, ids=[r[0] for r in REFUSED])
def test_a_wrong_setting_refuses_the_start_with_one_line(tmp_path, why, text, mode, options, says):
    tokens_file = tmp_path / "staff_tokens"
    if text is not None:
        tokens_file.write_text(text)
        tokens_file.chmod(mode)
    c = staff_cluster(tmp_path, tokens_file if text is not None else None, **options)
    if options.get("staff_port") == "PUBLIC":
        c.config.write_text(c.config.read_text().replace("staff_port = PUBLIC", f"staff_port = {c.ports['http']}"))
    try:
        code, stderr = c.start_refused("gateway")
        assert code != 0, stderr
        assert not any(marker in stderr for marker in SANITIZER_MARKERS), stderr
        lines = [line for line in stderr.splitlines() if line.startswith(("E: ", "W: "))]
        assert len(lines) == 1 and lines[0].startswith("E: "), stderr
        for part in says:
            assert part in lines[0], lines[0]
    finally:
        c.close()
