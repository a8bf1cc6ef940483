// Submitting a project to the WSIS Prizes as the signed-in stakeholder
// (POST /api/v1/submissions), with the word count of the short
// description as it is typed, each refusal shown at its field; and the
// stakeholder's own projects of the call (GET /api/v1/calls/{call}/submissions),
// each withdrawable while the submission phase is open.
"use strict";

(() => {
  const { element, value } = WSIS;
  const form = document.getElementById("project-form");
  const status = document.getElementById("status");
  const received = document.getElementById("received");
  const description = document.getElementById("short_description");
  const words = document.getElementById("words");

  function countWords() {
    const count = description.value.split(/\s+/).filter(Boolean).length;
    words.textContent = count + (count === 1 ? " word" : " words") +
                        (count < 150 ? ": at least 150" : count > 200 ? ": at most 200" : "");
  }

  function sdgBoxes() {
    const boxes = document.getElementById("sdg-boxes");
    for (let goal = 1; goal <= 17; goal++) boxes.appendChild(WSIS.checkbox("sdg-" + goal, goal, "SDG " + goal));
  }

  function project(call) {
    return {
      call: call.id, entity: value("entity"), stakeholder_type: value("stakeholder_type"),
      country: value("country"), region: value("region"), category: value("category"),
      title: value("title"), short_description: value("short_description"),
      sdgs: [...document.querySelectorAll("#sdg-boxes input:checked")].map((box) => Number(box.value)),
      sdg_linkages: value("sdg_linkages"), impact: value("impact"), partnerships: value("partnerships"),
      challenges: value("challenges"), language: "en",
      contact: { name: value("contact-name"), email: value("contact-email"), gender: value("contact-gender") },
    };
  }

  async function withdraw(call, item, button) {
    if (button.dataset.confirm !== "yes") {
      button.dataset.confirm = "yes";
      button.textContent = "Yes, withdraw it";
      return;
    }
    button.disabled = true;
    const result = await WSIS.api("DELETE", "/api/v1/submissions/" + encodeURIComponent(item.submission_id));
    if (result.status !== 200) {
      button.disabled = false;
      button.parentNode.appendChild(element("span", "problem", " " + WSIS.problem(result)));
      return;
    }
    mine(call);
  }

  async function mine(call) {
    const kept = WSIS.session();
    const list = document.getElementById("mine-list");
    const result = await WSIS.api("GET", "/api/v1/calls/" + encodeURIComponent(call.id) + "/submissions?stakeholder_id=" +
                                  encodeURIComponent(kept.stakeholder_id) + "&limit=500");
    if (result.status !== 200) return;
    list.textContent = "";
    const open = call.open.includes("submission");
    for (const item of result.reply.items) {
      const entry = element("li", "");
      entry.id = "mine-" + item.submission_id;
      entry.appendChild(element("span", "code", item.category));
      entry.appendChild(document.createTextNode(" " + item.title + " (" + item.submission_id + ") · " +
                                                (item.status || "").replace(/_/g, " ")));
      if (open && item.status !== "withdrawn") {
        const button = element("button", "secondary", "Withdraw");
        button.type = "button";
        button.addEventListener("click", () => withdraw(call, item, button));
        entry.appendChild(document.createTextNode(" "));
        entry.appendChild(button);
      }
      list.appendChild(entry);
    }
    document.getElementById("mine").hidden = !result.reply.items.length;
  }

  async function send(call) {
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    received.textContent = "";
    const result = await WSIS.api("POST", "/api/v1/submissions", project(call));
    button.disabled = false;
    if (result.status !== 200) {
      if (result.status === 401) form.querySelector(".problem").textContent = "Your sign-in has ended: sign in again.";
      else WSIS.refuse(form, result);
      return;
    }
    WSIS.accepted(form);
    received.appendChild(element("p", "counted", "Received: " + result.reply.submission_id + "."));
    received.appendChild(element("p", "", "A confirmation is on its way to " + value("contact-email") +
                                 ". You may change or withdraw the project until the deadline."));
    form.reset();
    countWords();
    mine(call);
  }

  async function main() {
    const found = await WSIS.calls("prize", status);
    if (!found) return;
    const calls = found.calls;
    const named = WSIS.query("call");
    const call = named ? calls.find((c) => c.id === named) : calls.find((c) => c.open.includes("submission"));
    if (!call) {
      status.textContent = named ? "There is no WSIS Prizes call " + named + "."
                                 : "No WSIS Prizes call takes submissions now: see the calls for the next one.";
      return;
    }
    document.getElementById("call-line").textContent = call.title + " · submissions " +
                                                       WSIS.deadline(call, WSIS.phaseOf(call, "submission"));
    if (!call.open.includes("submission")) {
      status.textContent = "The submission phase of " + call.title + " is not open.";
      return;
    }
    if (!WSIS.session()) {
      status.textContent = "To submit a project, ";
      status.appendChild(WSIS.signInLink("sign in"));
      status.appendChild(document.createTextNode(" first: the project is yours, and only you can change it."));
      return;
    }
    status.textContent = "";
    WSIS.options(document.getElementById("stakeholder_type"), WSIS.STAKEHOLDER_TYPES);
    WSIS.options(document.getElementById("country"), WSIS.countries());
    WSIS.options(document.getElementById("region"), WSIS.REGIONS);
    WSIS.options(document.getElementById("category"), WSIS.CATEGORIES.map(([code, title]) => [code, code + " · " + title]));
    WSIS.options(document.getElementById("contact-gender"), WSIS.GENDERS);
    sdgBoxes();
    description.addEventListener("input", countWords);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      send(call);
    });
    form.hidden = false;
    mine(call);
  }

  main();
})();
