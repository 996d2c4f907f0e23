/* ako-sim dashboard: polls /api/view and redraws the Services table, the shared-VIP groups
   and the controller topology. Vanilla JS, no dependencies; text only through textContent. */
"use strict";

const POLL_MS = 500;
let lastBody = "";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "class") node.className = value;
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function arrow() { return el("span", { class: "arrow", "aria-hidden": "true" }); }

function renderServices(rows) {
  const body = document.querySelector("#services tbody");
  body.replaceChildren(...rows.map((row) => {
    const cond = row.condition;
    const condText = cond ? `${cond.status}${cond.reason ? " (" + cond.reason + ")" : ""}` : "";
    const warning = row.warning;
    const ipClass = row.external_ip === "<pending>" ? "external-ip pending"
      : (row.shared_vip_key ? "external-ip shared" : "external-ip");
    return el("tr", { "data-service": `${row.namespace}/${row.name}`,
                      "data-external-ip": row.external_ip },
      el("td", { text: row.namespace }),
      el("td", { class: "name", text: row.name }),
      el("td", { text: row.type }),
      el("td", { text: row.cluster_ip }),
      el("td", { class: ipClass, text: row.external_ip }),
      el("td", { text: row.ports }),
      el("td", { text: row.age }),
      el("td", { class: cond ? `condition cond-${cond.status.toLowerCase()}` : "condition",
                 title: cond ? cond.message : "", text: condText }),
      el("td", { class: "warning", title: warning ? warning.time : "" },
        warning ? `${warning.reason}: ${warning.message}` +
                  (warning.count > 1 ? ` (x${warning.count})` : "") : ""));
  }));
  document.getElementById("no-services").hidden = rows.length > 0;
}

function renderGroups(groups) {
  const box = document.getElementById("groups");
  box.replaceChildren(...groups.map((g) => {
    const classes = ["group", g.flagged ? "flagged" : "", g.state === "port-conflict" ? "partial" : "",
                     g.state].filter(Boolean).join(" ");
    return el("div", { class: classes,
                       "data-group": g.key, "data-state": g.state },
      el("div", {}, el("span", { class: "state", text: g.flagged ? `⚠ ${g.state}` : g.state }),
        " ", el("b", { class: "mono", text: g.key })),
      el("div", { class: "muted", text: `Services: ${g.members.join(", ")}` }),
      g.virtualservice ? el("div", { class: "mono", text: `VS ${g.virtualservice}` }) : null,
      g.message ? el("div", { class: "message", text: g.message }) : null);
  }));
  document.getElementById("no-groups").hidden = groups.length > 0;
}

/* Oper status as the Avi UI shows it: a coloured dot and state, the reason beside it. */
function healthBadge(health) {
  if (!health) return null;
  const reason = [health.reason, health.reason_code].filter(Boolean).join(" · ");
  return el("span", { class: `health health-${health.colour}`, "data-health": health.text,
                      title: reason || health.state },
    el("span", { class: "dot", "aria-hidden": "true" }), health.text);
}

function healthReason(health) {
  if (!health || health.state === "OPER_UP" || !health.reason) return null;
  return el("div", { class: "health-reason", text: health.reason_code
    ? `${health.reason} (${health.reason_code})` : health.reason });
}

function poolBox(pool) {
  const health = pool.health;
  return el("div", { class: `box pool${pool.missing ? " missing" : ""}`, "data-pool": pool.name,
                     "data-health": health ? health.text : null },
    el("div", { class: "mono" }, pool.missing ? `${pool.name} (missing)` : pool.name, " ",
      healthBadge(health)),
    pool.service ? el("div", { class: "svc", text: `Service ${pool.service}` }) : null,
    healthReason(health));
}

function serversBox(pool) {
  const servers = pool.servers.length ? pool.servers : ["no servers"];
  return el("div", { class: "box servers mono" }, servers.map((s) => el("div", { text: s })));
}

function portRow(port) {
  const label = `${port.port}/${port.protocol}`;
  const rules = port.rules.length ? port.rules : [null];
  return rules.map((rule) => el("div", { class: "port-row", "data-port": label },
    el("div", { class: "box port mono", text: label }),
    arrow(),
    rule ? [
      el("div", { class: "box rule", "data-rule": rule.index,
                  text: `L4 rule ${rule.index}: ${rule.ports.join(",")} ${rule.protocol || "any"}` }),
      arrow(), poolBox(rule.pool), arrow(), serversBox(rule.pool),
    ] : el("div", { class: "box missing", text: "no L4 rule" })));
}

function vsCard(vs) {
  const members = vs.members || [];
  const vips = vs.vips.length ? vs.vips : ["no address"];
  return el("div", { class: `vs${vs.problems.length ? " problem" : ""}`, "data-vs": vs.name,
                     "data-ports": vs.ports.map((p) => `${p.port}/${p.protocol}`).join(","),
                     "data-health": vs.health ? vs.health.text : null },
    el("div", { class: "vs-head" },
      el("span", { class: "pill", text: "VS" }),
      el("span", { class: "name mono", text: vs.name }),
      healthBadge(vs.health),
      el("span", { class: "muted", text: vs.group ? `shared-vip group ${vs.group}` : "dedicated" }),
      vs.enabled ? null : el("span", { class: "pill warn", text: "disabled" }),
      healthReason(vs.health)),
    el("div", { class: "vs-body" },
      el("div", { class: `box vip${vs.shared_vip ? " shared" : ""}`, "data-vip": vips.join(",") },
        vips.map((ip) => el("div", { class: "mono", text: ip })),
        el("div", { class: "sub", text: members.length > 1
          ? `shared by ${members.length} Services` : (members[0] || "") }),
        members.length > 1 ? el("div", { class: "sub", text: members.join(", ") }) : null),
      arrow(),
      el("div", { class: "ports" }, vs.ports.map(portRow))),
    vs.problems.length
      ? el("ul", { class: "problems" }, vs.problems.map((p) => el("li", { text: p }))) : null);
}

function renderTopology(topology) {
  const box = document.getElementById("topology");
  box.replaceChildren(...topology.virtualservices.map(vsCard));
  document.getElementById("no-vs").hidden = topology.virtualservices.length > 0;
}

function renderHeader(view) {
  document.getElementById("cluster").textContent = `cluster ${view.cluster}`;
  const state = document.getElementById("engine-state");
  const engine = view.engine || {};
  const text = !engine.ready ? "engine starting" : engine.settled ? "settled" : "reconciling";
  state.textContent = text + (engine.retrying ? ` · ${engine.retrying} retrying` : "");
  state.className = `pill ${!engine.ready ? "bad" : engine.settled ? "ok" : "warn"}`;
  document.getElementById("updated").textContent = `updated ${view.generated_at}`;
}

async function poll() {
  try {
    const response = await fetch("api/view", { cache: "no-store" });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    const body = await response.text();
    if (body !== lastBody) {
      lastBody = body;
      const view = JSON.parse(body);
      renderHeader(view);
      renderServices(view.services);
      renderGroups(view.topology.groups);
      renderTopology(view.topology);
      document.body.dataset.generatedAt = view.generated_at;
    }
  } catch (error) {
    const state = document.getElementById("engine-state");
    state.textContent = `engine unreachable (${error.message})`;
    state.className = "pill bad";
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
