// Results and reports of a prize call: its champions and winners once the
// vote has closed (GET /api/v1/calls/{call}/results), the WSIS-SDG matrix
// and the 50/50 gender report as wsis-reporting draws them (SVG, with the
// same figures as CSV), and the Success Stories publication.
"use strict";

(() => {
  const { element, link } = WSIS;
  const select = document.getElementById("call");
  const status = document.getElementById("status");
  const results = document.getElementById("results");

  // ?call=, else the latest prize call whose vote has closed, else the first.
  function chooseCall(calls) {
    const named = WSIS.query("call");
    if (named && calls.some((call) => call.id === named)) return named;
    const closed = calls.filter((call) => (WSIS.phaseOf(call, "voting") || {}).state === "passed");
    return (closed.length ? closed[closed.length - 1] : calls[0] || {}).id;
  }

  function report(figure, name, call, alt, caption) {
    figure.textContent = "";
    const base = "/api/v1/reports/" + name + "?call=" + encodeURIComponent(call);
    const image = element("img", "");
    image.src = base + "&format=svg";
    image.alt = alt;
    image.id = name + "-svg";
    const whole = link("", image.src);       // the picture at its own size, to zoom on a phone
    whole.appendChild(image);
    figure.appendChild(whole);
    const text = element("figcaption", "", caption + " ");
    text.appendChild(link("The figures as CSV", base + "&format=csv"));
    figure.appendChild(text);
  }

  // "1 vote", "3 votes"
  function count(n, noun) {
    return n + " " + noun + (n === 1 ? "" : "s");
  }

  function category(code, entry) {
    const section = element("section", "result");
    section.id = "result-" + code;
    const heading = element("h3", "");
    heading.appendChild(element("span", "code", code));
    heading.appendChild(document.createTextNode(" " + WSIS.categoryTitle(code)));
    section.appendChild(heading);
    if (entry.winner)
      section.appendChild(element("p", "winner", "Winner: " + entry.winner.title));
    if (!entry.champions.length) {
      section.appendChild(element("p", "none", "No champion: no project was nominated in this category."));
      return section;
    }
    const list = element("ol", "champions");
    for (const champion of entry.champions) {
      list.appendChild(element("li", "", champion.title + " · " + count(champion.votes, "vote")));
    }
    section.appendChild(element("p", "label", "Champions, by the public's votes:"));
    section.appendChild(list);
    return section;
  }

  async function show(calls, id) {
    const call = calls.find((c) => c.id === id);
    results.textContent = "";
    status.textContent = "Loading the results…";
    const result = await WSIS.api("GET", "/api/v1/calls/" + encodeURIComponent(id) + "/results");
    if (result.status !== 200) {
      status.textContent = WSIS.problem(result);
    } else if (!result.reply.voting_closed) {
      const voting = WSIS.phaseOf(call, "voting");
      status.textContent = "The results of " + call.title + " are published when its vote closes" +
                           (voting ? ", " + WSIS.deadline(call, voting).replace(/^until /, "") : "") + ".";
    } else {
      const reply = result.reply;
      status.textContent = call.title + ": " + count(reply.votes, "vote") + " from " + count(reply.voters, "voter") + ".";
      for (const [code] of WSIS.CATEGORIES)
        if (reply.categories[code]) results.appendChild(category(code, reply.categories[code]));
    }
    report(document.getElementById("matrix"), "sdg_matrix", id,
           "Heat map of the projects of " + call.title + " per WSIS Action Line (columns) and SDG (rows)",
           "Projects per WSIS Action Line and SDG.");
    report(document.getElementById("gender"), "gender", id,
           "Bar chart of the share of women in each group of " + call.title + ", with the 50% line",
           "Share of women per group; the line is 50%.");
    const publication = document.getElementById("publication");
    publication.textContent = "";
    const base = "/api/v1/reports/publication?call=" + encodeURIComponent(id);
    publication.appendChild(link("Read the Success Stories of " + call.title, base + "&format=html"));
    publication.appendChild(document.createTextNode(" (also as "));
    publication.appendChild(link("Markdown", base + "&format=md"));
    publication.appendChild(document.createTextNode("): the winners and champions, one page each."));
  }

  async function main() {
    const found = await WSIS.calls("prize", status);
    if (!found) return;
    const calls = found.calls;
    for (const call of calls) {
      const option = element("option", "", call.title);
      option.value = call.id;
      select.appendChild(option);
    }
    select.value = chooseCall(calls);
    document.getElementById("call-form").addEventListener("submit", (event) => {
      event.preventDefault();
      history.replaceState(null, "", "?call=" + encodeURIComponent(select.value));
      show(calls, select.value);
    });
    if (select.value) show(calls, select.value);
    else status.textContent = "There is no WSIS Prizes call in the calendar.";
  }

  main();
})();
