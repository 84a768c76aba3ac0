// anycloud dashboard: draws the map once, then polls the JSON API
// (docs/api.md) and redraws the nodes, the serial matrix, the alerts and
// the traffic charts. No libraries, nothing fetched from elsewhere.
"use strict";

const SVG = "http://www.w3.org/2000/svg";
const POLL_MS = 2000;
const TRAFFIC_MS = 15000;
let geo = null;

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function svgEl(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function project(lat, lon) {
  return [(lon - geo.bbox.west) * geo.scale, (geo.bbox.north - lat) * geo.scale];
}

function ago(iso) {
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (!isFinite(s)) return "";
  if (s < 90) return Math.max(0, Math.round(s)) + " s ago";
  if (s < 5400) return Math.round(s / 60) + " min ago";
  return Math.round(s / 3600) + " h ago";
}

function duration(sec) {
  if (sec < 90) return Math.round(sec) + " s";
  if (sec < 5400) return Math.round(sec / 60) + " min";
  return (sec / 3600).toFixed(1) + " h";
}

async function getJSON(url) {
  const r = await fetch(url, { cache: "no-store" });
  if (!r.ok) throw new Error(url + ": " + r.status);
  return r.json();
}

async function drawBaseMap() {
  geo = await getJSON("region.json");
  const map = document.getElementById("map");
  map.setAttribute("viewBox", `0 0 ${geo.width} ${geo.height}`);
  const land = svgEl("g", { id: "land" });
  for (const s of geo.shapes) {
    const p = svgEl("path", { d: s.d, class: s.region ? "land region" : "land" });
    p.appendChild(svgEl("title", {}, s.name));
    land.appendChild(p);
  }
  map.appendChild(land);
  map.appendChild(svgEl("g", { id: "links" }));
  map.appendChild(svgEl("g", { id: "points" }));
}

function drawMap(st) {
  const links = document.getElementById("links");
  const points = document.getElementById("points");
  links.replaceChildren();
  points.replaceChildren();
  const at = {};
  for (const n of st.nodes) at[n.name] = project(n.lat, n.lon);
  for (const v of st.vantages) {
    const [x, y] = project(v.lat, v.lon);
    const target = at[v.node];
    if (target) links.appendChild(svgEl("line", { class: "link", x1: x, y1: y, x2: target[0], y2: target[1], "data-vantage": v.name, "data-node": v.node }));
    const sq = svgEl("rect", { class: "vantage", x: x - 6, y: y - 6, width: 12, height: 12, "data-vantage": v.name });
    sq.appendChild(svgEl("title", {}, `${v.city || v.name}: answered by ${v.node || "?"}`));
    points.appendChild(sq);
    points.appendChild(svgEl("text", { class: "vantage-label", x: x + 9, y: y + 18 }, v.city || v.name));
  }
  for (const n of st.nodes) {
    const [x, y] = at[n.name];
    const c = svgEl("circle", { class: "node " + n.state, cx: x, cy: y, r: 13, "data-node": n.name, "data-state": n.state });
    c.appendChild(svgEl("title", {}, `${n.name} (${n.city}): ${n.state}${n.reason ? " — " + n.reason : ""}`));
    points.appendChild(c);
    points.appendChild(svgEl("text", { class: "node-label", x: x + 16, y: y - 8 }, n.name));
  }
}

function drawNodes(st) {
  const body = document.querySelector("#nodes tbody");
  body.replaceChildren();
  for (const n of st.nodes) {
    const tr = el("tr", { "data-node": n.name });
    tr.appendChild(el("td", {}, n.name));
    tr.appendChild(el("td", {}, n.city));
    tr.appendChild(el("td", { class: "state " + n.state }, n.state));
    const why = [n.reason, (n.stale_zones || []).length ? "stale: " + n.stale_zones.join(" ") : ""].filter(Boolean).join("; ");
    tr.appendChild(el("td", {}, why));
    body.appendChild(tr);
  }
}

function serverCell(s) {
  const td = el("td", { class: s.sync, "data-server": s.name, "data-sync": s.sync });
  td.appendChild(el("span", {}, s.serial === null ? "—" : String(s.serial)));
  let lag = s.sync;
  if (s.lag_serials > 0) lag = `−${s.lag_serials} · ${duration(s.lag_seconds)} (${s.sync})`;
  if (s.error && s.sync === "unreachable") lag = "unreachable";
  td.appendChild(el("span", { class: "lag" }, lag));
  td.title = s.error || (s.nsid ? "NSID " + s.nsid : "");
  return td;
}

// onboardingCell shows how many of a client's onboarding steps pass and
// the first that does not.
function onboardingCell(steps) {
  const td = el("td", { class: "onboarding" });
  if (!steps || !steps.length) return td;
  const passed = steps.filter((s) => s.state === "pass").length;
  const next = steps.find((s) => s.state !== "pass");
  td.classList.add(next ? (next.state === "fail" ? "unreachable" : "behind") : "in-sync");
  td.appendChild(el("span", {}, `${passed}/${steps.length} steps`));
  td.appendChild(el("span", { class: "lag" }, next ? `${next.state}: ${next.name}` : "complete"));
  // Each step with when its verdict was last recorded (UTC), as client status shows it.
  const when = (at) => (at ? ` (${at.replace("T", " ").replace(/\.\d+/, "").replace("Z", " UTC")})` : "");
  td.title = steps.map((s) => `${s.state === "pass" ? "✓" : s.state === "fail" ? "✗" : "…"} ${s.name}${when(s.at)}${s.detail ? " — " + s.detail : ""}`).join("\n");
  return td;
}

function drawMatrix(st) {
  const t = document.getElementById("matrix");
  t.replaceChildren();
  const head = el("tr");
  head.appendChild(el("th", {}, "zone"));
  const hasOnboarding = st.zones.some((z) => z.onboarding && z.onboarding.length);
  if (hasOnboarding) head.appendChild(el("th", {}, "onboarding"));
  head.appendChild(el("th", {}, "primary"));
  const hasHub = st.zones.some((z) => z.hub);
  if (hasHub) head.appendChild(el("th", {}, "hub"));
  for (const n of st.nodes) head.appendChild(el("th", {}, n.name));
  t.appendChild(head);
  for (const z of st.zones) {
    const tr = el("tr", { "data-zone": z.zone });
    tr.appendChild(el("th", {}, z.zone));
    if (hasOnboarding) tr.appendChild(onboardingCell(z.onboarding));
    tr.appendChild(serverCell(z.primary));
    if (hasHub) tr.appendChild(z.hub ? serverCell(z.hub) : el("td"));
    for (const s of z.nodes) tr.appendChild(serverCell(s));
    t.appendChild(tr);
  }
  document.getElementById("stale-after").textContent = duration(st.stale_after_seconds);
}

function alertItem(a) {
  const li = el("li", { class: `${a.severity} ${a.state}`, "data-alert": a.id });
  li.appendChild(el("strong", {}, `${a.kind.replaceAll("_", " ")} · ${a.subject}`));
  li.appendChild(el("div", {}, a.message));
  const when = a.state === "resolved" ? `resolved ${ago(a.resolved)}` : `since ${ago(a.since)}`;
  li.appendChild(el("small", { class: "muted" }, `${a.state}, ${when}`));
  return li;
}

function drawAlerts(st) {
  const active = document.getElementById("alerts-active");
  active.replaceChildren(...st.alerts.active.map(alertItem));
  if (!st.alerts.active.length) active.appendChild(el("li", {}, "No alert firing."));
  document.getElementById("alerts-history").replaceChildren(...st.alerts.history.slice(0, 30).map(alertItem));
  document.getElementById("alert-count").textContent = st.alerts.active.length || "";
}

function drawSummary(st) {
  const by = {};
  for (const n of st.nodes) by[n.state] = (by[n.state] || 0) + 1;
  const parts = Object.entries(by).map(([k, v]) => `${v} ${k}`);
  const synced = st.zones.filter((z) => z.in_sync).length;
  document.getElementById("summary").textContent =
    `${st.nodes.length} nodes (${parts.join(", ")}) · ${synced}/${st.zones.length} zones in sync everywhere`;
  document.getElementById("updated").textContent = "updated " + new Date(st.generated).toLocaleTimeString();
}

const NODE_COLOURS = ["#457b9d", "#e76f51", "#2a9d8f", "#e9c46a", "#8e7dbe", "#6c757d", "#f4a261", "#264653"];

// drawTraffic: per client, the last hour by minute and the last 24 hours
// by hour, stacked by node; the rates now, the breakdowns of the 24 hours,
// and the export links.
function drawTraffic(tr) {
  const box = document.getElementById("traffic");
  box.replaceChildren();
  for (const z of tr.zones) {
    const div = el("div", { class: "chart", "data-zone": z.zone });
    const total = z.last_24h.reduce((a, b) => a + b, 0);
    div.appendChild(el("div", { class: "title" }, `${z.zone} — ${total} queries in 24 h`));
    const hour = z.last_hour_by_node || {};
    const day = z.last_24h_by_node || {};
    const nodes = [...new Set([...Object.keys(hour), ...Object.keys(day)])].sort();
    const colour = (n) => NODE_COLOURS[nodes.indexOf(n) % NODE_COLOURS.length];
    div.appendChild(el("div", { class: "rates" }, "last hour, per minute"));
    div.appendChild(stackedBars(hour, nodes, colour, 60, (i) => `${59 - i} min ago`));
    div.appendChild(el("div", { class: "rates" }, "last 24 hours, per hour"));
    div.appendChild(stackedBars(day, nodes, colour, 24, (i) => `${23 - i} h ago`));
    const legend = el("div", { class: "rates" });
    for (const n of nodes) {
      const sw = svgEl("svg", { class: "swatch", viewBox: "0 0 10 10" });
      sw.appendChild(svgEl("rect", { width: 10, height: 10, fill: colour(n) }));
      legend.appendChild(sw);
      const r = (z.rate_qps || {})[n];
      legend.appendChild(document.createTextNode(`${n}${r === undefined ? "" : " " + r.toFixed(1) + " q/s"}  `));
    }
    if (!nodes.length) legend.textContent = "no traffic yet";
    div.appendChild(legend);
    div.appendChild(el("div", { class: "rates breakdown" }, breakdownText(z.by || {}, total)));
    const links = el("div", { class: "rates" });
    for (const [label, q] of [["hourly CSV", "period=hour&format=csv"], ["daily CSV", "period=day&format=csv"], ["JSON", "period=hour"]]) {
      links.appendChild(el("a", { href: `api/v1/traffic/${encodeURIComponent(z.zone)}?${q}` }, label));
      links.appendChild(document.createTextNode(" "));
    }
    div.appendChild(links);
    box.appendChild(div);
  }
}

// stackedBars draws n bars, each the sum of the nodes' series stacked.
// Colours are SVG fill attributes: the page's CSP allows no inline style.
function stackedBars(byNode, nodes, colour, n, ago) {
  const sums = Array.from({ length: n }, (_, i) => nodes.reduce((a, nd) => a + ((byNode[nd] || [])[i] || 0), 0));
  const max = Math.max(1, ...sums);
  const w = 240 / n;
  const svg = svgEl("svg", { viewBox: "0 0 240 60", preserveAspectRatio: "none" });
  for (let i = 0; i < n; i++) {
    let y = 59;
    for (const nd of nodes) {
      const q = (byNode[nd] || [])[i];
      if (!q) continue;
      const h = (q / max) * 56;
      y -= h;
      const r = svgEl("rect", { x: i * w + w * 0.1, y, width: w * 0.8, height: h, fill: colour(nd), "data-node": nd });
      r.appendChild(svgEl("title", {}, `${ago(i)}: ${nd} ${q}`));
      svg.appendChild(r);
    }
  }
  return svg;
}

// breakdownText: "UDP 98% · IPv6 40% · DO 12% · A 61%, AAAA 22%, NS 9% · NXDOMAIN 3%".
function breakdownText(by, total) {
  if (!total) return "";
  const pct = (v) => `${Math.round((100 * (v || 0)) / total)}%`;
  const top = (prefix, n) =>
    Object.entries(by)
      .filter(([k]) => k.startsWith(prefix))
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([k, v]) => `${k.slice(prefix.length)} ${pct(v)}`)
      .join(", ");
  return [`UDP ${pct(by["transport=udp"])}`, `IPv6 ${pct(by["family=ipv6"])}`, `DO ${pct(by["do"])}`,
    top("qtype=", 3), top("rcode=", 2)].filter((s) => s).join(" · ");
}

async function refresh() {
  try {
    const st = await getJSON("api/v1/status");
    drawSummary(st);
    drawMap(st);
    drawNodes(st);
    drawMatrix(st);
    drawAlerts(st);
  } catch (e) {
    document.getElementById("updated").textContent = "cannot reach the monitor: " + e.message;
  }
}

async function refreshTraffic() {
  try {
    drawTraffic(await getJSON("api/v1/traffic"));
  } catch (e) {
    document.getElementById("traffic").textContent = "traffic unavailable: " + e.message;
  }
}

async function start() {
  await drawBaseMap();
  await refresh();
  await refreshTraffic();
  setInterval(refresh, POLL_MS);
  setInterval(refreshTraffic, TRAFFIC_MS);
}

start();
