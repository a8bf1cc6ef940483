// The verify page: anyone pastes a receipt (or follows the vote page's
// link, ?receipt=) and sees whether that vote is counted and for which
// project (GET /api/v1/receipts/{receipt}); never who voted.
"use strict";

(() => {
  const { element } = WSIS;
  const form = document.getElementById("verify-form");
  const receipt = document.getElementById("receipt");
  const answer = document.getElementById("answer");
  const problem = document.getElementById("problem");

  // The project's title from the call's published ballot, or its id.
  async function projectTitle(call, id) {
    const result = await WSIS.api("GET", "/api/v1/calls/" + encodeURIComponent(call) + "/nominees");
    return result.status === 200 && result.reply.titles && result.reply.titles[id] || id;
  }

  async function check() {
    const typed = receipt.value.trim();
    answer.textContent = "";
    problem.textContent = "";
    if (!/^[A-Za-z0-9_-]{1,128}$/.test(typed)) {
      receipt.setAttribute("aria-invalid", "true");
      problem.textContent = "A receipt is letters and digits only: paste it as it was shown.";
      receipt.focus();
      return;
    }
    receipt.removeAttribute("aria-invalid");
    const result = await WSIS.api("GET", "/api/v1/receipts/" + encodeURIComponent(typed));
    if (result.status === 404) {
      problem.textContent = "No vote has this receipt. Check that it was pasted whole.";
      return;
    }
    if (result.status !== 200) {
      problem.textContent = WSIS.problem(result);
      return;
    }
    const vote = result.reply;
    const title = await projectTitle(vote.call, vote.submission_id);
    const box = element("div", vote.counted ? "verified" : "verified not-counted");
    box.appendChild(element("p", "counted", vote.counted ? "This vote is counted." : "This vote is not counted."));
    const facts = element("dl", "");
    for (const [term, value] of [["Call", vote.call],
                                 ["Category", vote.category + " · " + WSIS.categoryTitle(vote.category)],
                                 ["Project", title + " (" + vote.submission_id + ")"]]) {
      facts.appendChild(element("dt", "", term));
      facts.appendChild(element("dd", "", value));
    }
    box.appendChild(facts);
    answer.appendChild(box);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    check();
  });
  const given = WSIS.query("receipt");
  if (given) {
    receipt.value = given;
    check();
  }
})();
