"use strict";
// The playground: a case in, its plan out (resolution, deciding rules, what-if branches, the text
// view in the chosen language) and why a picked rule did or did not apply. Only this service is
// asked (the page's Content-Security-Policy allows nothing else); case data is shown as text only.

const $ = (id) => document.getElementById(id);

function language() {
  return document.querySelector("input[name=lang]:checked").value;
}

function query(extra) {
  const params = new URLSearchParams(extra);
  params.set("branches", $("branches").checked ? "true" : "false");
  params.set("lang", language());
  return params.toString();
}

async function post(path, params) {
  const response = await fetch(`${path}?${query(params)}`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: $("case").value,
  });
  return response;
}

function showProblem(problem) {
  $("result").hidden = true;
  $("problems").hidden = false;
  $("problem-title").textContent = `${problem.status} ${problem.title}`;
  const list = $("problem-list");
  clear(list);
  const items = problem.problems && problem.problems.length ? problem.problems : [{ message: problem.detail }];
  for (const p of items) {
    const where = p.line ? `line ${p.line}, column ${p.column}: ` : "";
    const path = p.path ? `${p.path}: ` : "";
    list.appendChild(el("li", `${where}${path}${p.message}${p.code ? ` (${p.code})` : ""}`));
  }
}

function showPlan(plan, digest) {
  $("problems").hidden = true;
  $("result").hidden = false;
  $("resolution").textContent = plan.resolution;
  $("refund").textContent = `${plan.refund.total} ${plan.refund.currency}`;
  $("digest").textContent = `· decided by ${plan.policy.name} ${plan.policy.version} (${digest || plan.policy.digest})`;
  const trace = $("trace").tBodies[0];
  clear(trace);
  for (const entry of plan.trace) {
    trace.appendChild(row([entry.rule, entry.source, entry.decided.join(", "), entry.because.join("; ")]));
  }
  const branches = $("branches-table").tBodies[0];
  clear(branches);
  $("awaiting").textContent = plan.awaiting.length
    ? `Waiting for: ${plan.awaiting.join(", ")}`
    : "Nothing is awaited: no branches.";
  for (const b of plan.branches) {
    const when = Object.entries(b.when).map(([k, v]) => `${k} = ${v}`).join(", ");
    branches.appendChild(row([when, b.resolution, b.refund_total, b.return_postage_borne_by || "-"]));
  }
}

async function showText() {
  const response = await post("/v1/plans:text", {});
  $("text").textContent = response.ok ? await response.text() : "";
}

async function decide() {
  $("decide").disabled = true;
  try {
    const response = await post("/v1/plans", {});
    const body = await response.json();
    if (!response.ok) {
      showProblem(body);
      return;
    }
    showPlan(body, response.headers.get("X-Policy-Digest"));
    await showText();
    $("why-text").textContent = "";
  } catch (error) {
    showProblem({ status: "", title: "The service did not answer", detail: String(error) });
  } finally {
    $("decide").disabled = false;
  }
}

async function whyNot() {
  const rule = $("rule").value;
  if (!rule) return;
  const response = await post("/v1/explain", { rule: rule, format: "text" });
  if (response.ok) {
    $("why-text").textContent = await response.text();
  } else {
    const problem = await response.json();
    $("why-text").textContent = problem.detail;
  }
}

// One radio button per language the service has a message catalogue for (GET /v1/policy, text_languages),
// each named in its own language by the browser; the policy's first declared one is chosen.
function languageChoices(tags, declared) {
  const group = $("languages");
  clear(group);
  const first = declared.find((tag) => tags.includes(tag)) || tags[0];
  for (const tag of tags) {
    const input = document.createElement("input");
    input.type = "radio";
    input.name = "lang";
    input.value = tag;
    input.checked = tag === first;
    input.addEventListener("change", async () => {
      if (!$("result").hidden) await showText();
      if ($("why-text").textContent) await whyNot();
    });
    let name = tag;
    try {
      name = new Intl.DisplayNames([tag], { type: "language" }).of(tag) || tag;
    } catch (e) {
      // a tag the browser cannot name is shown as it is
    }
    const label = document.createElement("label");
    label.append(input, ` ${name}`);
    group.appendChild(label);
  }
}

async function loadExample() {
  const response = await fetch("/static/example.json");
  $("case").value = await response.text();
}

async function start() {
  $("decide").addEventListener("click", decide);
  $("why").addEventListener("click", whyNot);
  $("example").addEventListener("click", loadExample);
  await loadExample();
  const policy = await getJSON("/v1/policy");
  const p = policy.body;
  languageChoices(p.text_languages || ["en"], p.languages || []);
  $("policy").textContent = p.name
    ? `policy ${p.name} ${p.version} (${p.digest}), ${p.rules} rules` + (p.last_reload_error ? " · last reload failed" : "")
    : "no policy loaded yet";
  const rules = await getJSON("/v1/rules");
  if (rules.ok) {
    for (const rule of rules.body) {
      const option = el("option", `${rule.id} (${rule.source})`);
      option.value = rule.id;
      $("rule").appendChild(option);
    }
  }
  document.body.dataset.ready = "true";
}

start();
