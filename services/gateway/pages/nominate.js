// Nominating a High-Level Track Facilitator (POST /api/v1/nominations/hltf)
// or a Gender Trendsetter (POST /api/v1/nominations/trendsetters) in the
// call of each kind whose nomination phase is open; no sign-in needed.
"use strict";

(() => {
  const { element, value } = WSIS;
  const status = document.getElementById("status");
  // The six objectives of the WSIS Gender Trendsetters, by number.
  const OBJECTIVES = [
    "Gather inspiring trail blazers for gender equality all around the world, create a community",
    "Identify the current ICT trends on gender issues to promote gender mainstreaming and equality",
    "Organize workshops in the WSIS Forum ICTs and Gender Mainstreaming special track",
    "Promote the WSIS Forum 50/50 gender balance challenge",
    "Promote and encourage stakeholders to join the WSIS gender repository",
    "Advocate for the inclusion of gender issues and gender digital equity in ICT discussions",
  ];

  function objectiveBoxes() {
    const boxes = document.getElementById("objective-boxes");
    OBJECTIVES.forEach((text, index) =>
      boxes.appendChild(WSIS.checkbox("objective-" + (index + 1), index + 1, (index + 1) + ". " + text)));
  }

  function hltf(call) {
    return {
      call: call.id, stakeholder_type: value("hltf-stakeholder_type"),
      nominee: { name: value("hltf-nominee-name"), title: value("hltf-nominee-title"),
                 organization: value("hltf-nominee-organization"), email: value("hltf-nominee-email"),
                 gender: value("hltf-nominee-gender") },
      nominated_by: { name: value("hltf-nominated_by-name"), email: value("hltf-nominated_by-email") },
    };
  }

  function trendsetter(call) {
    return {
      call: call.id,
      nominee: { name: value("trendsetter-nominee-name"), organization: value("trendsetter-nominee-organization"),
                 country: value("trendsetter-nominee-country"), email: value("trendsetter-nominee-email"),
                 gender: value("trendsetter-nominee-gender") },
      objectives: [...document.querySelectorAll("#objective-boxes input:checked")].map((box) => Number(box.value)),
      motivation: value("trendsetter-motivation"),
    };
  }

  // One form: its call line, and on submit the nomination sent, the
  // refusal shown at its field or the nomination's id.
  function wire(kind, call, path, body) {
    const form = document.getElementById(kind + "-form");
    const done = document.getElementById(kind + "-done");
    document.getElementById(kind + "-call").textContent =
      call.title + " · nominations " + WSIS.deadline(call, WSIS.phaseOf(call, "nomination") || call.phases[0]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      done.textContent = "";
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      const result = await WSIS.api("POST", path, body(call));
      button.disabled = false;
      if (result.status !== 200) {
        WSIS.refuse(form, result, kind + "-");
        return;
      }
      WSIS.accepted(form);
      done.appendChild(element("p", "counted", "Nominated: " + result.reply.nomination_id + ". Thank you."));
      form.reset();
    });
    form.hidden = false;
  }

  async function main() {
    const found = await WSIS.calls(null, status);
    if (!found) return;
    const all = found.calls;
    const open = (kind) => all.find((call) => call.kind === kind && call.open.includes("nomination"));
    const facilitators = open("hltf"), trendsetters = open("ambassador");
    WSIS.options(document.getElementById("hltf-stakeholder_type"), WSIS.STAKEHOLDER_TYPES);
    for (const id of ["hltf-nominee-gender", "trendsetter-nominee-gender"])
      WSIS.options(document.getElementById(id), WSIS.GENDERS);
    WSIS.options(document.getElementById("trendsetter-nominee-country"), WSIS.countries());
    objectiveBoxes();
    if (facilitators) wire("hltf", facilitators, "/api/v1/nominations/hltf", hltf);
    if (trendsetters) wire("trendsetter", trendsetters, "/api/v1/nominations/trendsetters", trendsetter);
    status.textContent = facilitators || trendsetters ? "" : "No nomination call is open now: see the calls for the next one.";
  }

  main();
})();
