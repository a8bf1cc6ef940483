// Sign-in without a password: the address gets a code by email
// (POST /api/v1/auth/code), the code becomes a session
// (POST /api/v1/auth/session), kept for this tab; then on to the page
// the visitor came from (?next=, a page of this site only).
"use strict";

(() => {
  const emailForm = document.getElementById("email-form");
  const codeForm = document.getElementById("code-form");
  const email = document.getElementById("email");
  const code = document.getElementById("code");
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");

  // Only a path of this site: never an address elsewhere.
  function next() {
    const wanted = WSIS.query("next") || "";
    return /^\/pages\/[a-z0-9_-]+\.html(\?[A-Za-z0-9=&_.-]*)?$/.test(wanted) ? wanted : "/pages/vote.html";
  }

  function say(text, isProblem) {
    status.textContent = isProblem ? "" : text;
    problem.textContent = isProblem ? text : "";
  }

  async function askCode() {
    if (!email.value.trim() || !email.checkValidity()) {
      email.setAttribute("aria-invalid", "true");
      say("Type the email address you registered with (like name@example.org).", true);
      email.focus();
      return;
    }
    email.removeAttribute("aria-invalid");
    say("Sending…");
    const result = await WSIS.api("POST", "/api/v1/auth/code", { email: email.value.trim() });
    if (result.status !== 202) {
      say(WSIS.problem(result), true);
      return;
    }
    say("If " + email.value.trim() + " is registered, a code is on its way: it works for " +
        result.reply.minutes + " minutes. Check your inbox (and the spam folder).");
    codeForm.hidden = false;
    code.value = "";
    code.focus();
  }

  emailForm.addEventListener("submit", (event) => {
    event.preventDefault();
    askCode();
  });
  document.getElementById("again").addEventListener("click", askCode);

  codeForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = code.value.replace(/\s/g, "");
    if (!/^\d{6}$/.test(typed)) {
      code.setAttribute("aria-invalid", "true");
      say("The code is six digits, as in the email.", true);
      code.focus();
      return;
    }
    code.removeAttribute("aria-invalid");
    say("Signing in…");
    const result = await WSIS.api("POST", "/api/v1/auth/session", { email: email.value.trim(), code: typed });
    if (result.status !== 201) {
      say(WSIS.problem(result), true);
      code.select();
      return;
    }
    WSIS.keepSession(result.reply);
    say("Signed in as " + result.reply.stakeholder_id + ".");
    location.assign(next());
  });

  if (WSIS.session()) say("You are signed in already. Sign in again to change who you are.");
  const given = WSIS.query("email");
  if (given) email.value = given;
})();
