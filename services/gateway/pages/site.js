// What every public page shares: elements made from text (nothing the API
// returns is ever read as HTML), the API with the visitor's session, the 18
// categories of the WSIS Prizes, Geneva wall times, and the site's
// navigation with the sign-in state. Loaded before each page's own script.
"use strict";

const WSIS = (() => {
  // The WSIS Action Lines as the Prizes' 18 categories, in the matrix's order.
  const CATEGORIES = [
    ["C1", "The role of public governance authorities and all stakeholders in the promotion of ICTs for development"],
    ["C2", "Information and communication infrastructure"],
    ["C3", "Access to information and knowledge"],
    ["C4", "Capacity building"],
    ["C5", "Building confidence and security in the use of ICTs"],
    ["C6", "Enabling environment"],
    ["e-gov", "ICT applications: e-government"],
    ["e-bus", "ICT applications: e-business"],
    ["e-lea", "ICT applications: e-learning"],
    ["e-hea", "ICT applications: e-health"],
    ["e-emp", "ICT applications: e-employment"],
    ["e-env", "ICT applications: e-environment"],
    ["e-agr", "ICT applications: e-agriculture"],
    ["e-sci", "ICT applications: e-science"],
    ["C8", "Cultural diversity and identity, linguistic diversity and local content"],
    ["C9", "Media"],
    ["C10", "Ethical dimensions of the Information Society"],
    ["C11", "International and regional cooperation"],
  ];
  const SESSION = "wsis.session";
  const MONTHS = ["January", "February", "March", "April", "May", "June", "July",
                  "August", "September", "October", "November", "December"];

  function element(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function categoryTitle(code) {
    const found = CATEGORIES.find(([c]) => c === code);
    return found ? found[1] : code;
  }

  // The call's own wall time as the API gives it ("2022-01-21 23:00", in
  // the call's zone) in words: "21 January 2022 at 23:00". Not from the
  // browser's time zone data, which a browser may lack.
  function wallTime(local) {
    const m = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2})$/.exec(local || "");
    return m ? Number(m[3]) + " " + MONTHS[Number(m[2]) - 1] + " " + m[1] + " at " + m[4] : local;
  }

  function localTime(iso) {
    return new Intl.DateTimeFormat(undefined, { dateStyle: "long", timeStyle: "short" }).format(new Date(iso));
  }

  // "Geneva" for "Europe/Geneva".
  function zoneName(call) {
    return (call.zone || "").split("/").pop().replace(/_/g, " ");
  }

  // "until 31 March 2022 at 23:00 (Geneva) · 31 March 2022 at 17:00 your time"
  function deadline(call, phase) {
    return "until " + wallTime(phase.end_local) + " (" + zoneName(call) + ") · " + localTime(phase.end) + " your time";
  }

  // The signed-in visitor {token, stakeholder_id, expires}, or null. Kept
  // for this tab only: closing it signs out of the page (the session
  // itself ends when it expires or on Sign out; its expiry is by the
  // service's clock, which may differ from the visitor's, so the first
  // request refused with 401 forgets it).
  function session() {
    try {
      const kept = JSON.parse(sessionStorage.getItem(SESSION) || "null");
      return kept && kept.token ? kept : null;
    } catch (error) {
      return null;
    }
  }

  function keepSession(reply) {
    sessionStorage.setItem(SESSION, JSON.stringify(reply));
  }

  function forgetSession() {
    sessionStorage.removeItem(SESSION);
  }

  // One API request: {status, reply (the JSON body or null), retryAfter}.
  // A network failure is status 0 with an error reply of its own. A
  // session the gateway no longer knows (expired, signed out elsewhere) is
  // forgotten, and the request made again as the public: a public page
  // keeps working, and what needs a session answers 401.
  async function api(method, path, body) {
    const kept = session();
    const result = await request(method, path, body, kept);
    if (result.status !== 401 || !kept) return result;
    forgetSession();
    return request(method, path, body, null);
  }

  async function request(method, path, body, kept) {
    const headers = { Accept: "application/json" };
    if (kept) headers.Authorization = "Bearer " + kept.token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      return { status: 0, reply: { error: { code: "unavailable", message: "the site cannot be reached: check your connection and try again" } } };
    }
    let reply = null;
    try {
      reply = await response.json();
    } catch (error) {
      reply = null;
    }
    return { status: response.status, reply, retryAfter: response.headers.get("Retry-After") };
  }

  // What went wrong, in a sentence for the visitor.
  function problem(result) {
    const error = result.reply && result.reply.error;
    if (result.status === 429)
      return "Too many attempts from here: try again in " + (result.retryAfter || "a few") + " seconds.";
    if (error && error.message) return error.message.charAt(0).toUpperCase() + error.message.slice(1) + ".";
    return "Something went wrong (HTTP " + result.status + "). Try again in a moment.";
  }

  // The prize calls of GET /api/v1/calls; the one named in ?call= first.
  async function prizeCalls() {
    const result = await api("GET", "/api/v1/calls");
    if (result.status !== 200) throw new Error(problem(result));
    return { now: result.reply.now, calls: result.reply.calls.filter((call) => call.kind === "prize") };
  }

  function phaseOf(call, name) {
    return call.phases.find((phase) => phase.name === name);
  }

  function query(name) {
    return new URLSearchParams(location.search).get(name);
  }

  const PAGES = [["/", "Calls"], ["/pages/vote.html", "Vote"], ["/pages/verify.html", "Verify a receipt"],
                 ["/pages/results.html", "Results and reports"]];

  function link(text, href) {
    const node = element("a", "", text);
    node.href = href;
    return node;
  }

  // The site's navigation into <nav id="site-nav">: the pages, the current
  // one marked, and who is signed in (with Sign out) or a Sign in link.
  function navigation() {
    const nav = document.getElementById("site-nav");
    if (!nav) return;
    const list = element("ul", "");
    for (const [href, text] of PAGES) {
      const item = element("li", "");
      const page = link(text, href);
      if (href === location.pathname) page.setAttribute("aria-current", "page");
      item.appendChild(page);
      list.appendChild(item);
    }
    const account = element("li", "");
    account.id = "account";
    const kept = session();
    if (kept) {
      const out = element("button", "link", "Sign out");
      out.type = "button";
      out.addEventListener("click", async () => {
        await api("DELETE", "/api/v1/auth/session");
        forgetSession();
        location.assign("/pages/signin.html");
      });
      account.appendChild(element("span", "who", "Signed in as " + kept.stakeholder_id + " "));
      account.appendChild(out);
    } else {
      const signIn = link("Sign in", "/pages/signin.html");
      if (location.pathname === "/pages/signin.html") signIn.setAttribute("aria-current", "page");
      account.appendChild(signIn);
    }
    list.appendChild(account);
    nav.appendChild(list);
  }

  document.addEventListener("DOMContentLoaded", navigation);

  return { CATEGORIES, element, link, categoryTitle, wallTime, localTime, zoneName, deadline, session,
           keepSession, forgetSession, api, problem, prizeCalls, phaseOf, query };
})();
