// The calls page: GET /api/v1/calls, each call with its phases, each
// deadline in Geneva time and in the visitor's zone, and a countdown to
// the end of every open phase (site.js first).
"use strict";

const PHASES = {
  submission: "Submissions",
  nomination: "Review and nomination",
  voting: "Public online voting",
  selection: "Expert selection",
  announcement: "Announcement",
  meeting: "Meeting",
};

const { element, wallTime, localTime, zoneName } = WSIS;

// "3 days 4 h 5 min 6 s" until the end (ms from now), or "closed".
function countdown(ms) {
  if (ms <= 0) return "closed";
  const s = Math.floor(ms / 1000);
  const days = Math.floor(s / 86400), hours = Math.floor((s % 86400) / 3600);
  const minutes = Math.floor((s % 3600) / 60), seconds = s % 60;
  const parts = [];
  if (days) parts.push(days + (days === 1 ? " day" : " days"));
  parts.push(hours + " h", minutes + " min", seconds + " s");
  return parts.join(" ") + " left";
}

function phaseItem(call, phase, clock) {
  const item = element("li", "phase phase-" + phase.state);
  item.appendChild(element("span", "phase-name", PHASES[phase.name] || phase.name));
  if (phase.end) {
    const when = element("span", "deadline");
    when.appendChild(element("span", "geneva", "until " + wallTime(phase.end_local) + " (" + zoneName(call) + ")"));
    when.appendChild(element("span", "local", " · " + localTime(phase.end) + " your time"));
    item.appendChild(when);
  } else {
    item.appendChild(element("span", "deadline", "from " + wallTime(phase.start_local) + " (" + zoneName(call) + "), no end"));
  }
  if (phase.state === "open" && phase.end) {
    const left = element("span", "countdown");
    left.setAttribute("data-end", phase.end);
    item.appendChild(left);
    clock.push(left);
  }
  return item;
}

function callItem(call, clock) {
  const item = element("li", "call");
  item.id = "call-" + call.id;
  item.appendChild(element("h3", "", call.title || call.id));
  item.appendChild(element("p", "kind", call.kind + " · " + call.id));
  const phases = element("ul", "phases");
  for (const phase of call.phases) phases.appendChild(phaseItem(call, phase, clock));
  item.appendChild(phases);
  return item;
}

async function main() {
  const status = document.getElementById("status");
  const reply = await WSIS.calls(null, status);
  if (!reply) return;
  // The service clock may differ from the visitor's: count from it.
  const skew = Date.parse(reply.now) - Date.now();
  const clock = [];
  const open = document.getElementById("open-calls"), other = document.getElementById("other-calls");
  for (const call of reply.calls) {
    (call.open.length ? open : other).appendChild(callItem(call, clock));
  }
  status.textContent = open.children.length
    ? open.children.length + (open.children.length === 1 ? " call is open." : " calls are open.")
    : "No call is open now.";
  const tick = () => {
    const now = Date.now() + skew;
    for (const node of clock) node.textContent = countdown(Date.parse(node.getAttribute("data-end")) - now);
  };
  tick();
  setInterval(tick, 1000);
}

main();
