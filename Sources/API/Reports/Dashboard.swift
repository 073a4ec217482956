/// The operator dashboard: one self-contained page (inline script, SVG chart, no build step, no CDN).
///
/// It takes an operator bearer token (`fleet_read`) pasted into the form, or from `#token=…` in the URL (moved
/// into sessionStorage and removed from the address bar), lists events from `GET /v1/events`, and for the chosen
/// event (`#event=…`, or the newest) draws baseline vs. measured kW per interval and the participation counts from
/// `GET /v1/events/{id}/report`, polling every 5 seconds.
enum Dashboard {
    static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Curtail dashboard</title>
<style>
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #1d2330; background: #f5f6f8; }
  header { background: #1d2330; color: #fff; padding: 10px 20px; display: flex; gap: 16px; align-items: center; }
  header h1 { font-size: 18px; margin: 0; }
  main { display: grid; grid-template-columns: 300px 1fr; gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 6px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  ul#events { list-style: none; margin: 0; padding: 0; }
  ul#events li { padding: 6px 8px; border-radius: 4px; cursor: pointer; }
  ul#events li.selected { background: #e3ecff; }
  .status { font-size: 12px; padding: 1px 6px; border-radius: 8px; background: #ddd; margin-left: 4px; }
  .status.active { background: #ffd27a; } .status.completed { background: #bfe5c4; } .status.cancelled { background: #f2b8b5; }
  table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
  th, td { text-align: right; padding: 3px 8px; border-bottom: 1px solid #eee; } th:first-child, td:first-child { text-align: left; }
  #login { display: none; gap: 8px; } #login input { width: 360px; }
  .legend span { display: inline-block; width: 12px; height: 12px; margin: 0 4px 0 12px; vertical-align: middle; }
  #error { color: #b3261e; }
  .muted { color: #667; font-size: 12px; }
</style>
</head>
<body>
<header><h1>Curtail</h1><span id="updated" class="muted"></span>
  <form id="login"><input id="token" type="password" placeholder="operator bearer token (fleet_read)" autocomplete="off"><button>Use token</button></form>
  <span id="error"></span></header>
<main>
  <section><h2>Events</h2><ul id="events"></ul></section>
  <section id="detail">
    <h2 id="title">No event selected</h2>
    <div id="summary" class="muted"></div>
    <div class="legend"><span style="background:#9aa5b1"></span>baseline kW<span style="background:#2f6fed"></span>measured kW<span style="background:#1a9e55"></span>curtailed kW</div>
    <svg id="chart" width="860" height="320" role="img" aria-label="baseline vs measured kW per interval"></svg>
    <h3>Per interval</h3>
    <table id="intervals"><thead><tr><th>#</th><th>start</th><th>requested</th><th>baseline kW</th><th>measured kW</th><th>curtailed kW</th><th>control est. kW (95% CI)</th></tr></thead><tbody></tbody></table>
    <h3>Participation (current interval)</h3>
    <table id="participation"><thead><tr><th>state</th><th>vehicles</th></tr></thead><tbody></tbody></table>
    <p id="vendor" class="muted"></p>
  </section>
</main>
<script>
"use strict";
(function () {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get("token")) {
    sessionStorage.setItem("curtail.token", hash.get("token"));
    hash.delete("token");
    history.replaceState(null, "", location.pathname + location.search + (hash.toString() ? "#" + hash : ""));
  }
  let selected = hash.get("event");
  const $ = (id) => document.getElementById(id);
  const token = () => sessionStorage.getItem("curtail.token");
  const fmt = (x) => (Math.round(x * 10) / 10).toFixed(1);
  function text(tag, value, cls) { const e = document.createElement(tag); e.textContent = value; if (cls) e.className = cls; return e; }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    sessionStorage.setItem("curtail.token", $("token").value.trim());
    $("token").value = "";
    refresh();
  });

  async function get(path) {
    const response = await fetch(path, { headers: { Authorization: "Bearer " + token(), Accept: "application/json" } });
    if (response.status === 401 || response.status === 403) { sessionStorage.removeItem("curtail.token"); throw new Error("token refused (" + response.status + ")"); }
    if (!response.ok) throw new Error(path + ": HTTP " + response.status);
    return response.json();
  }

  function drawChart(intervals) {
    const svg = $("chart"), NS = "http://www.w3.org/2000/svg";
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    const W = 860, H = 320, left = 56, bottom = 36, top = 12, plotW = W - left - 12, plotH = H - top - bottom;
    const max = Math.max(1, ...intervals.map((i) => Math.max(i.baseline_kw, i.measured_kw)));
    const y = (v) => top + plotH - (v / max) * plotH;
    const el = (name, attrs, content) => { const e = document.createElementNS(NS, name); for (const k in attrs) e.setAttribute(k, attrs[k]); if (content !== undefined) e.textContent = content; svg.appendChild(e); return e; };
    for (let t = 0; t <= 4; t++) {
      const v = (max * t) / 4;
      el("line", { x1: left, x2: W - 12, y1: y(v), y2: y(v), stroke: "#e5e7eb" });
      el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#667" }, fmt(v));
    }
    el("text", { x: 12, y: top + plotH / 2, "font-size": 11, fill: "#667", transform: "rotate(-90 12 " + (top + plotH / 2) + ")" }, "kW");
    const n = Math.max(1, intervals.length), slot = plotW / n, bar = Math.max(2, slot * 0.36);
    intervals.forEach((i, k) => {
      const x = left + k * slot + slot * 0.12;
      el("rect", { x: x, y: y(i.baseline_kw), width: bar, height: Math.max(0, y(0) - y(i.baseline_kw)), fill: "#9aa5b1", "data-interval": i.index, "data-series": "baseline", "data-kw": fmt(i.baseline_kw) });
      el("rect", { x: x + bar, y: y(i.measured_kw), width: bar, height: Math.max(0, y(0) - y(i.measured_kw)), fill: "#2f6fed", "data-interval": i.index, "data-series": "measured", "data-kw": fmt(i.measured_kw) });
      el("text", { x: x + bar, y: H - bottom + 14, "text-anchor": "middle", "font-size": 11, fill: "#333" }, "#" + i.index);
      if (i.curtailed_kw > 0) el("text", { x: x + bar, y: y(i.baseline_kw) - 3, "text-anchor": "middle", "font-size": 10, fill: "#1a9e55" }, "-" + fmt(i.curtailed_kw));
    });
    el("line", { x1: left, x2: W - 12, y1: y(0), y2: y(0), stroke: "#333" });
  }

  function renderReport(r) {
    $("title").textContent = (r.event_name || r.event_id) + " ";
    $("title").appendChild(text("span", r.status, "status " + r.status));
    $("summary").textContent = "event " + r.event_id + " · " + new Date(r.start).toISOString() + " → " + new Date(r.end).toISOString() +
      " · curtailed " + fmt(r.totals.curtailed_kwh) + " kWh · rebound peak " + fmt(r.rebound_kw) + " kW";
    drawChart(r.intervals);
    const body = $("intervals").tBodies[0];
    body.replaceChildren();
    for (const i of r.intervals) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-interval", i.index);
      const requested = i.requested ? i.requested.type + " " + i.requested.value + (i.requested.units ? " " + i.requested.units : "") : "";
      const control = i.control_estimate_kw ? fmt(i.control_estimate_kw.kw) + " (" + fmt(i.control_estimate_kw.ci95[0]) + " … " + fmt(i.control_estimate_kw.ci95[1]) + ")" : "–";
      for (const value of [i.index, new Date(i.start).toISOString().slice(11, 16), requested, fmt(i.baseline_kw), fmt(i.measured_kw), fmt(i.curtailed_kw), control]) tr.appendChild(text("td", value));
      body.appendChild(tr);
    }
    const pbody = $("participation").tBodies[0];
    pbody.replaceChildren();
    for (const [state, count] of Object.entries(r.participation).sort()) {
      const tr = document.createElement("tr");
      tr.setAttribute("data-state", state);
      tr.appendChild(text("td", state)); tr.appendChild(text("td", count));
      pbody.appendChild(tr);
    }
    $("vendor").textContent = "vendor requests: " + r.vendor_requests.total + " · estimated cost $" + r.vendor_requests.estimated_cost_usd.toFixed(3);
  }

  async function refresh() {
    if (!token()) { $("login").style.display = "flex"; return; }
    $("login").style.display = "none";
    try {
      const events = await get("/v1/events?limit=50");
      const list = $("events");
      list.replaceChildren();
      if (!selected && events.length) selected = events[0].id;
      for (const e of events) {
        const li = text("li", e.event_name || e.id);
        li.appendChild(text("span", e.status, "status " + e.status));
        li.setAttribute("data-event", e.id);
        if (e.id === selected) li.className = "selected";
        li.addEventListener("click", () => { selected = e.id; history.replaceState(null, "", "#event=" + encodeURIComponent(e.id)); refresh(); });
        list.appendChild(li);
      }
      if (selected) renderReport(await get("/v1/events/" + encodeURIComponent(selected) + "/report"));
      $("error").textContent = "";
      $("updated").textContent = "updated " + new Date().toLocaleTimeString();
      document.body.setAttribute("data-loaded", "true");
    } catch (error) {
      $("error").textContent = String(error.message || error);
      if (!token()) $("login").style.display = "flex";
    }
  }
  refresh();
  setInterval(refresh, 5000);
})();
</script>
</body>
</html>
"""#
}
