"""Cross-origin use of wsis-gateway's API: none by default (a page of
another origin cannot read an answer, its preflight is refused); with
gateway/cors_origins, the pages of exactly those origins may, checked in
a real browser (headless chromium) from a page another HTTP server
serves; a listed value that is not an origin refuses the start."""
import functools
import http.server
import threading

import pytest

from browser_helpers import browser  # noqa: F401 (a fixture)
from contest_helpers import ok
from gateway_helpers import request, start_ready
from submissions_helpers import stakeholder_body
from wsis_harness import SANITIZER_MARKERS, Cluster

OPEN = "2022-01-10T12:00:00Z"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Another site: an HTTP server with one empty page, on its own port."""
    folder = tmp_path_factory.mktemp("elsewhere")
    (folder / "index.html").write_text("<!doctype html><title>elsewhere</title><p>another site")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_address[1]
    server.shutdown()


def registered(c, email):
    found = ok(c.call("submissions", "stakeholder.list", {"q": email}, role="staff"))["items"]
    return [item["stakeholder_id"] for item in found if item["email"] == email]


def fetch_from(driver, page, url, body):
    """POSTs body as JSON from a page of another origin, as its script
    would: {status, body} of the answer, or {error} when the browser
    would not let the page have it."""
    driver.get(page)
    return driver.execute_async_script("""
        const [url, body, done] = arguments;
        fetch(url, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)})
          .then((r) => r.json().then((b) => done({status: r.status, body: b})))
          .catch((e) => done({error: String(e)}));""", url, body)


def test_no_other_origin_by_default(tmp_path):
    c = start_ready(Cluster(tmp_path), OPEN)
    try:
        status, headers, _ = request(c, "GET", "/api/v1/calls", headers={"Origin": "https://partner.example.org"})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers
        status, headers, reply = request(c, "OPTIONS", "/api/v1/submissions/stakeholder.register",
                                         headers={"Origin": "https://partner.example.org", **PREFLIGHT})
        assert status == 403 and "Access-Control-Allow-Origin" not in headers
        assert "gateway/cors_origins" in reply["error"]["message"]
    finally:
        c.close()


def test_the_listed_origins_pages_may_use_the_api_and_no_other(tmp_path, site, browser):
    allowed = f"http://127.0.0.1:{site}"
    c = start_ready(Cluster(tmp_path, options={"gateway": {"cors_origins": f"https://partner.example.org {allowed}"}}),
                    OPEN)
    try:
        status, headers, _ = request(c, "OPTIONS", "/api/v1/submissions/stakeholder.register",
                                     headers={"Origin": allowed, **PREFLIGHT})
        assert status == 204, headers
        assert headers["Access-Control-Allow-Origin"] == allowed and headers["Vary"] == "Origin"
        assert "POST" in headers["Access-Control-Allow-Methods"]
        assert "Idempotency-Key" in headers["Access-Control-Allow-Headers"]
        assert "Access-Control-Allow-Credentials" not in headers     # sessions are never cookies
        status, headers, _ = request(c, "GET", "/api/v1/calls", headers={"Origin": "https://elsewhere.example.org"})
        assert status == 200 and "Access-Control-Allow-Origin" not in headers

        api = f"http://127.0.0.1:{c.ports['http']}/api/v1/submissions/stakeholder.register"
        # The listed origin's page registers someone and reads the answer
        answer = fetch_from(browser, f"{allowed}/index.html", api, stakeholder_body(email="fromapage@example.org"))
        assert answer.get("status") == 200, answer
        assert registered(c, "fromapage@example.org") == [answer["body"]["stakeholder_id"]]
        # The same server under another name is another origin: the
        # browser's preflight is refused, the request is never sent
        answer = fetch_from(browser, f"http://localhost:{site}/index.html", api,
                            stakeholder_body(email="notlisted@example.org"))
        assert "error" in answer, answer
        assert registered(c, "notlisted@example.org") == []
    finally:
        c.close()


@pytest.mark.parametrize("origins", ["*", "https://partner.example.org/path", "ftp://partner.example.org",
                                     "https://Partner.example.org"])
def test_a_value_that_is_not_an_origin_refuses_the_start(tmp_path, origins):
    c = Cluster(tmp_path, options={"gateway": {"cors_origins": f'"{origins}"'}})
    try:
        code, stderr = c.start_refused("gateway")
        assert code != 0, stderr
        assert not any(marker in stderr for marker in SANITIZER_MARKERS), stderr
        lines = [line for line in stderr.splitlines() if line.startswith(("E: ", "W: "))]
        assert len(lines) == 1 and "gateway/cors_origins" in lines[0] and "is not an origin" in lines[0], stderr
    finally:
        c.close()
