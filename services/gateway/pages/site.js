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
  const STAKEHOLDER_TYPES = [["government", "Government"], ["private_sector", "Private sector"],
                             ["civil_society", "Civil society"], ["academia", "Academia"],
                             ["international_organization", "International organization"]];
  const REGIONS = [["africa", "Africa"], ["americas", "Americas"], ["arab_states", "Arab States"],
                   ["asia_pacific", "Asia and the Pacific"], ["cis", "CIS"], ["europe", "Europe"]];
  const GENDERS = [["female", "Female"], ["male", "Male"], ["non_binary", "Non-binary"],
                   ["undisclosed", "Prefer not to say"]];
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

  // Fills a <select> with [value, label] pairs after a first empty choice.
  function options(select, pairs, empty) {
    select.appendChild(element("option", "", empty || "Choose…")).value = "";
    for (const [value, label] of pairs) select.appendChild(element("option", "", label)).value = value;
  }

  // Every country as [ISO code, English name], by name, from the
  // browser's own names (the service checks the code).
  function countries() {
    const names = new Intl.DisplayNames(["en"], { type: "region" });
    const found = [];
    for (let a = 65; a <= 90; a++) {
      for (let b = 65; b <= 90; b++) {
        const code = String.fromCharCode(a, b);
        let name;
        try { name = names.of(code); } catch (error) { name = code; }
        if (name && name !== code && !/^[A-Z]{2}$/.test(name)) found.push([code, name]);
      }
    }
    return found.sort((x, y) => x[1].localeCompare(y[1]));
  }

  // The trimmed value of the field of that id.
  function value(id) {
    return document.getElementById(id).value.trim();
  }

  // A form answered: no field marked invalid, its alert empty.
  function accepted(form) {
    for (const marked of form.querySelectorAll("[aria-invalid]")) marked.removeAttribute("aria-invalid");
    form.querySelector(".problem").textContent = "";
  }

  // Shows what a form's reply refused: the message in the form's alert,
  // and the field it names (prefix + the field's path with dots as dashes:
  // contact.email is #contact-email) marked invalid and focused.
  function refuse(form, result, prefix) {
    accepted(form);
    const alert = form.querySelector(".problem");
    alert.textContent = problem(result);
    const error = result.reply && result.reply.error;
    const field = error && error.field && document.getElementById((prefix || "") + error.field.replace(/\./g, "-"));
    if (field) {
      field.setAttribute("aria-invalid", "true");
      const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (!described.includes(alert.id)) field.setAttribute("aria-describedby", described.concat(alert.id).join(" "));
      field.focus();
    } else {
      alert.focus();
    }
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

  // The calls of GET /api/v1/calls {now, calls}, of one kind when given;
  // null when they cannot be had, said in the element said.
  async function calls(kind, said) {
    const result = await api("GET", "/api/v1/calls");
    if (result.status !== 200) {
      said.textContent = "The calls could not be loaded: " + problem(result);
      return null;
    }
    return { now: result.reply.now, calls: result.reply.calls.filter((call) => !kind || call.kind === kind) };
  }

  // A checkbox with its label: <div class="box"><input id value><label>.
  function checkbox(id, value, text) {
    const box = element("div", "box");
    const input = element("input", "");
    input.type = "checkbox";
    input.id = id;
    input.value = value;
    const label = element("label", "", text);
    label.htmlFor = id;
    box.appendChild(input);
    box.appendChild(label);
    return box;
  }

  function phaseOf(call, name) {
    return call.phases.find((phase) => phase.name === name);
  }

  function query(name) {
    return new URLSearchParams(location.search).get(name);
  }

  const PAGES = [["/", "Calls"], ["/pages/submit.html", "Submit a project"], ["/pages/nominate.html", "Nominate"],
                 ["/pages/vote.html", "Vote"], ["/pages/verify.html", "Verify a receipt"],
                 ["/pages/results.html", "Results and reports"]];

  function link(text, href) {
    const node = element("a", "", text);
    node.href = href;
    return node;
  }

  // A link to the sign-in page that comes back to this page after.
  function signInLink(text) {
    return link(text, "/pages/signin.html?next=" + encodeURIComponent(location.pathname + location.search));
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

  return { CATEGORIES, STAKEHOLDER_TYPES, REGIONS, GENDERS, options, countries, refuse,
           value, accepted, element, link, signInLink, categoryTitle, wallTime, localTime, zoneName, deadline, session,
           keepSession, forgetSession, api, problem, calls, checkbox, phaseOf, query };
})();
