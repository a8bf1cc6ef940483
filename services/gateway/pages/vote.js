// The voting page: the nominated projects of each of the 18 categories
// (GET /api/v1/calls/{call}/nominees), one choice per category, each vote
// cast on its own (POST /api/v1/calls/{call}/votes) as the signed-in
// stakeholder, and its receipt shown at once with a link to verify it.
"use strict";

(() => {
  const { element, link, signInLink } = WSIS;
  const status = document.getElementById("status");
  const problem = document.getElementById("problem");
  const ballot = document.getElementById("ballot");

  // The call to vote in: ?call=, else the prize call whose voting is open.
  function chooseCall(calls) {
    const named = WSIS.query("call");
    if (named) return calls.find((call) => call.id === named) || null;
    return calls.find((call) => call.open.includes("voting")) || null;
  }

  function receiptLine(receipt, duplicate) {
    const line = element("div", "receipt");
    line.appendChild(element("p", "counted", duplicate ? "You had already cast this vote: it is counted once." : "Your vote is counted."));
    const text = element("p", "");
    text.appendChild(document.createTextNode("Receipt: "));
    text.appendChild(element("code", "receipt-code", receipt));
    line.appendChild(text);
    line.appendChild(link("Verify this receipt", "/pages/verify.html?receipt=" + encodeURIComponent(receipt)));
    return line;
  }

  async function cast(call, category, form, outcome) {
    const chosen = form.querySelector("input[type=radio]:checked");
    outcome.textContent = "";
    outcome.className = "outcome";
    if (!WSIS.session()) {
      outcome.classList.add("problem");
      outcome.appendChild(document.createTextNode("Sign in to vote: "));
      outcome.appendChild(signInLink("sign in with a code sent to your email"));
      return;
    }
    if (!chosen) {
      outcome.classList.add("problem");
      outcome.textContent = "Choose a project first.";
      form.querySelector("input[type=radio]").focus();
      return;
    }
    const button = form.querySelector("button");
    button.disabled = true;
    const result = await WSIS.api("POST", "/api/v1/calls/" + encodeURIComponent(call.id) + "/votes",
                                  { category, submission_id: chosen.value });
    if (result.status === 200) {
      outcome.appendChild(receiptLine(result.reply.receipt, result.reply.duplicate));
      for (const input of form.querySelectorAll("input")) input.disabled = true;
      form.classList.add("voted");
      return;
    }
    button.disabled = false;
    outcome.classList.add("problem");
    if (result.status === 401) {
      outcome.appendChild(document.createTextNode("Your sign-in has ended: "));
      outcome.appendChild(signInLink("sign in again"));
    } else if (result.reply && result.reply.error && result.reply.error.code === "already_voted") {
      outcome.textContent = "You have already voted in this category, for another project: one vote per category.";
    } else {
      outcome.textContent = WSIS.problem(result);
    }
  }

  function categoryForm(call, code, title, ids, titles) {
    const section = element("section", "category");
    section.id = "category-" + code;
    const form = element("form", "vote");
    form.noValidate = true;
    const fieldset = element("fieldset", "");
    const legend = element("legend", "");
    legend.appendChild(element("span", "code", code));
    legend.appendChild(document.createTextNode(" " + title));
    fieldset.appendChild(legend);
    if (!ids.length) {
      fieldset.appendChild(element("p", "none", "No project is nominated in this category."));
      form.appendChild(fieldset);
      section.appendChild(form);
      return section;
    }
    ids.forEach((id, index) => {
      const choice = element("div", "choice");
      const input = element("input", "");
      input.type = "radio";
      input.name = "choice-" + code;
      input.value = id;
      input.id = "choice-" + code + "-" + index;
      const label = element("label", "", titles[id] || id);
      label.htmlFor = input.id;
      choice.appendChild(input);
      choice.appendChild(label);
      fieldset.appendChild(choice);
    });
    const button = element("button", "", "Vote in " + code);
    button.type = "submit";
    fieldset.appendChild(button);
    const outcome = element("div", "outcome");
    outcome.setAttribute("role", "status");
    fieldset.appendChild(outcome);
    form.appendChild(fieldset);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      cast(call, code, form, outcome);
    });
    section.appendChild(form);
    return section;
  }

  async function main() {
    const found = await WSIS.calls("prize", problem);
    if (!found) {
      status.textContent = "";
      return;
    }
    const call = chooseCall(found.calls);
    if (!call) {
      status.textContent = WSIS.query("call") ? "There is no WSIS Prizes call " + WSIS.query("call") + "."
                                              : "No public vote is open now: see the calls for when the next one opens.";
      return;
    }
    const voting = WSIS.phaseOf(call, "voting");
    document.getElementById("call-line").textContent = call.title + " · voting " + WSIS.deadline(call, voting);
    const result = await WSIS.api("GET", "/api/v1/calls/" + encodeURIComponent(call.id) + "/nominees");
    if (result.status !== 200) {
      status.textContent = "";
      problem.textContent = result.status === 403 ? "The nominated projects of " + call.title + " are not published yet."
                                                  : WSIS.problem(result);
      return;
    }
    const { categories, titles } = result.reply;
    for (const [code, title] of WSIS.CATEGORIES)
      ballot.appendChild(categoryForm(call, code, title, categories[code] || [], titles || {}));
    status.textContent = voting.state === "open" ? "Choose one project in each category you want to vote in."
                       : voting.state === "passed" ? "The vote of " + call.title + " has closed."
                       : "The vote of " + call.title + " has not opened yet.";
    if (!WSIS.session()) {
      status.appendChild(document.createTextNode(" To vote, "));
      status.appendChild(signInLink("sign in"));
      status.appendChild(document.createTextNode(" first."));
    }
  }

  main();
})();
