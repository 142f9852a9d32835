// Rohas Workbench: a small single-page app over /_rohas/api/. No framework:
// each page is a function that renders into <main> and may subscribe to the live stream.
const API = "/_rohas/api";
const main = document.getElementById("main");
const liveDot = document.getElementById("live");

const esc = (v) => String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const fmtTime = (t) => new Date(t).toLocaleTimeString([], { hour12: false }) + "." + String(new Date(t).getMilliseconds()).padStart(3, "0");
const ms = (d) => (d < 1 ? d.toFixed(2) : d < 100 ? d.toFixed(1) : Math.round(d)) + " ms";
async function get(path) {
  const res = await fetch(API + path);
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).error || res.statusText);
  return res.json();
}
async function post(path, body) {
  const res = await fetch(API + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body ?? {}) });
  return res.json();
}

// One EventSource for the whole app; pages add listeners while they are shown.
const liveListeners = new Set();
function connectLive() {
  const source = new EventSource(API + "/live");
  source.onopen = () => liveDot.classList.add("on");
  source.onerror = () => liveDot.classList.remove("on");
  for (const type of ["span", "log", "dead-letter"]) {
    source.addEventListener(type, (e) => {
      const record = JSON.parse(e.data);
      for (const fn of liveListeners) fn(record);
    });
  }
}
function onLive(fn) {
  liveListeners.add(fn);
  return () => liveListeners.delete(fn);
}

let cleanup = () => {};
const pages = { schema, graph, traces, trace, logs, metrics, "dead-letters": deadLetters, tester };

async function route() {
  cleanup();
  cleanup = () => {};
  const [page, arg] = (location.hash.replace(/^#\/?/, "") || "schema").split("/");
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.dataset.page === page || (page === "trace" && a.dataset.page === "traces"));
  main.innerHTML = '<p class="dim">Loading…</p>';
  try {
    await (pages[page] || schema)(arg && decodeURIComponent(arg));
  } catch (error) {
    main.innerHTML = `<p class="error">${esc(error.message)}</p>`;
  }
}

async function schema() {
  const s = await get("/schema");
  const section = (title, items, describe) =>
    items.length === 0
      ? ""
      : `<h2>${title} <span class="badge">${items.length}</span></h2><div class="grid">${items
          .map((b) => `<div class="card" data-block="${esc(b.kind)} ${esc(b.name)}"><h3>${esc(b.kind)} ${esc(b.name)}</h3><div class="dim">${esc(describe(b))} · ${esc(b.file)}:${b.line}</div><pre>${esc(b.source)}</pre></div>`)
          .join("")}</div>`;
  main.innerHTML =
    section("APIs", s.apis, (b) => `${b.method} ${b.path}`) +
    section("Events", s.events, (b) => `handlers: ${b.handlers.map((h) => h.name).join(", ") || "none"}`) +
    section("Crons", s.crons, (b) => b.schedule) +
    section("WebSockets", s.websockets, (b) => b.path) +
    section("Models, types and inputs", s.shapes, (b) => `${b.fields.length} fields`);
}

async function graph() {
  const { nodes, edges } = await get("/graph");
  // Layered layout: a node's column is the longest path to it from a source.
  const incoming = new Map(nodes.map((n) => [n.id, []]));
  for (const e of edges) incoming.get(e.to)?.push(e.from);
  const depth = new Map();
  const depthOf = (id, seen = new Set()) => {
    if (depth.has(id)) return depth.get(id);
    if (seen.has(id)) return 0;
    seen.add(id);
    const d = Math.max(0, ...incoming.get(id).map((p) => depthOf(p, seen) + 1));
    depth.set(id, d);
    return d;
  };
  for (const n of nodes) depthOf(n.id);
  const columns = [];
  for (const n of nodes) (columns[depth.get(n.id)] ||= []).push(n);
  const W = 200, H = 46, GX = 70, GY = 18;
  const pos = new Map();
  columns.forEach((col, x) => col.forEach((n, y) => pos.set(n.id, { x: 20 + x * (W + GX), y: 20 + y * (H + GY) })));
  const width = 40 + columns.length * (W + GX);
  const height = 40 + Math.max(1, ...columns.map((c) => c.length)) * (H + GY);
  const edgeSvg = edges
    .map((e, i) => {
      const a = pos.get(e.from), b = pos.get(e.to);
      if (!a || !b) return "";
      const x1 = a.x + W, y1 = a.y + H / 2, x2 = b.x, y2 = b.y + H / 2, mx = (x1 + x2) / 2;
      return `<path class="edge" data-edge="${i}" data-from="${esc(e.from)}" data-to="${esc(e.to)}" d="M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}" marker-end="url(#arrow)"/>`;
    })
    .join("");
  const nodeSvg = nodes
    .map((n) => {
      const p = pos.get(n.id);
      return `<g class="node ${n.kind}" data-id="${esc(n.id)}" transform="translate(${p.x},${p.y})" style="cursor:pointer"><rect width="${W}" height="${H}"></rect><text x="10" y="19">${esc(n.kind)} ${esc(n.label)}</text><text x="10" y="36" class="dim" style="fill:#8b93a5">${esc(n.detail || "")}</text></g>`;
    })
    .join("");
  main.innerHTML = `<h2>Flow graph <span class="badge">${nodes.length} nodes</span></h2><p class="dim">Click a node to highlight what it triggers.</p>
    <svg id="graph" width="${width}" height="${height}"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#8b93a5"/></marker></defs>${edgeSvg}${nodeSvg}</svg>`;
  main.querySelectorAll(".node").forEach((g) =>
    g.addEventListener("click", () => {
      const id = g.dataset.id;
      main.querySelectorAll(".node").forEach((n) => n.classList.toggle("selected", n === g));
      const reach = new Set([id]);
      let grew = true;
      while (grew) {
        grew = false;
        for (const e of edges) if (reach.has(e.from) && !reach.has(e.to)) reach.add(e.to), (grew = true);
      }
      main.querySelectorAll(".edge").forEach((p) => p.classList.toggle("hot", reach.has(p.dataset.from) && reach.has(p.dataset.to)));
    }),
  );
}

async function traces() {
  main.innerHTML = `<h2>Traces</h2>
    <div class="filters"><input id="f-name" placeholder="name contains"><select id="f-status"><option value="">any status</option><option>ok</option><option>error</option></select><button id="f-go">Filter</button></div>
    <table><thead><tr><th>Time</th><th>Name</th><th>Spans</th><th>Duration</th><th>Status</th></tr></thead><tbody id="trace-rows"></tbody></table>`;
  const load = async () => {
    const name = document.getElementById("f-name").value;
    const status = document.getElementById("f-status").value;
    const params = new URLSearchParams({ limit: "100", ...(name && { name }), ...(status && { status }) });
    const list = await get("/traces?" + params);
    document.getElementById("trace-rows").innerHTML = list
      .map((t) => `<tr class="click" data-trace="${t.traceId}"><td>${fmtTime(t.startTime)}</td><td>${esc(t.name)}</td><td>${t.spanCount}</td><td>${ms(t.durationMs)}</td><td class="${t.status}">${t.status}</td></tr>`)
      .join("") || '<tr><td colspan="5" class="dim">No traces yet: call an API.</td></tr>';
    document.querySelectorAll("tr[data-trace]").forEach((tr) => tr.addEventListener("click", () => (location.hash = "#/trace/" + tr.dataset.trace)));
  };
  document.getElementById("f-go").addEventListener("click", load);
  await load();
  // New spans arrive live; the store writes in batches, so refresh shortly after.
  let pending;
  cleanup = onLive((r) => {
    if (r.type !== "span") return;
    clearTimeout(pending);
    pending = setTimeout(load, 400);
  });
}

async function trace(id) {
  const load = async () => {
    const { spans, logs } = await get("/traces/" + id);
    const t0 = Math.min(...spans.map((s) => s.startTime));
    const total = Math.max(1, Math.max(...spans.map((s) => s.startTime + s.durationMs)) - t0);
    const children = new Map();
    for (const s of spans) (children.get(s.parentSpanId || "") || children.set(s.parentSpanId || "", []).get(s.parentSpanId || "")).push(s);
    const ids = new Set(spans.map((s) => s.spanId));
    const ordered = [];
    const walk = (s, level) => {
      ordered.push({ s, level });
      for (const c of children.get(s.spanId) || []) walk(c, level + 1);
    };
    for (const s of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId))) walk(s, 0);
    main.innerHTML = `<h2>Trace <span class="dim">${esc(id)}</span></h2><p class="dim">${spans.length} spans · ${ms(total)}</p>
      <div class="waterfall">${ordered
        .map(({ s, level }, i) => {
          const left = ((s.startTime - t0) / total) * 100;
          const width = Math.max(0.5, (s.durationMs / total) * 100);
          return `<div class="row" data-span="${i}"><div style="padding-left:${level * 14}px">${esc(s.name)} <span class="badge">${esc(s.kind)}</span></div><div class="track"><div class="bar ${s.status}" style="position:absolute;left:${left}%;width:${width}%"></div></div><div>${ms(s.durationMs)}</div></div>`;
        })
        .join("")}</div><div id="span-detail"></div>
      <h2 style="margin-top:16px">Logs</h2>${logTable(logs)}`;
    main.querySelectorAll(".row").forEach((row) =>
      row.addEventListener("click", () => {
        const { s } = ordered[Number(row.dataset.span)];
        document.getElementById("span-detail").innerHTML = `<div class="card"><h3>${esc(s.name)}</h3><pre>${esc(JSON.stringify({ kind: s.kind, status: s.status, durationMs: s.durationMs, attributes: s.attributes, error: s.error }, null, 2))}</pre>${s.error?.stack ? `<pre class="error">${esc(s.error.stack)}</pre>` : ""}</div>`;
      }),
    );
  };
  await load();
  let pending;
  cleanup = onLive((r) => {
    if (r.type === "span" && r.span.traceId === id) {
      clearTimeout(pending);
      pending = setTimeout(load, 400);
    }
  });
}

function logTable(list) {
  return `<table><thead><tr><th>Time</th><th>Level</th><th>Source</th><th>Message</th><th>Trace</th></tr></thead><tbody>${list
    .map((l) => `<tr><td>${fmtTime(l.time)}</td><td class="${l.level === "error" ? "error" : l.level === "warn" ? "warn" : ""}">${l.level}</td><td>${esc(l.source)}</td><td>${esc(l.message)}</td><td>${l.traceId ? `<a href="#/trace/${l.traceId}">${l.traceId.slice(0, 8)}</a>` : ""}</td></tr>`)
    .join("") || '<tr><td colspan="5" class="dim">No logs.</td></tr>'}</tbody></table>`;
}

async function logs() {
  main.innerHTML = `<h2>Logs</h2><div class="filters"><input id="l-text" placeholder="text"><select id="l-level"><option value="">any level</option><option>debug</option><option>info</option><option>warn</option><option>error</option></select><input id="l-trace" placeholder="trace id"><button id="l-go">Filter</button></div><div id="log-table"></div>`;
  const load = async () => {
    const params = new URLSearchParams({ limit: "300" });
    for (const [key, el] of [["text", "l-text"], ["level", "l-level"], ["trace", "l-trace"]]) {
      const v = document.getElementById(el).value;
      if (v) params.set(key, v);
    }
    document.getElementById("log-table").innerHTML = logTable(await get("/logs?" + params));
  };
  document.getElementById("l-go").addEventListener("click", load);
  await load();
  let pending;
  cleanup = onLive((r) => {
    if (r.type !== "log") return;
    clearTimeout(pending);
    pending = setTimeout(load, 400);
  });
}

function chart(points, value, label) {
  if (points.length === 0) return `<p class="dim">No data for ${esc(label)} yet.</p>`;
  const W = 420, H = 140, max = Math.max(1, ...points.map(value));
  const x = (i) => 30 + (i / Math.max(1, points.length - 1)) * (W - 40);
  const y = (v) => H - 20 - (v / max) * (H - 40);
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(i)},${y(value(p))}`).join(" ");
  return `<svg width="${W}" height="${H}"><text x="30" y="14">${esc(label)} (max ${Math.round(max * 100) / 100})</text><path d="${path}" stroke="#6aa9ff" fill="none" stroke-width="2"/>${points
    .map((p, i) => `<circle cx="${x(i)}" cy="${y(value(p))}" r="3" fill="#6aa9ff"><title>${fmtTime(p.time)}: ${value(p)}</title></circle>`)
    .join("")}</svg>`;
}

async function metrics() {
  const { series, dropped } = await get("/metrics");
  const byName = Object.fromEntries(series.map((s) => [s.name, s.points]));
  const cards = [
    ["events_published", (p) => p.sum, "events published / min"],
    ["events_consumed", (p) => p.sum, "events consumed / min"],
    ["events_failed", (p) => p.sum, "events failed / min"],
    ["handler_duration_ms", (p) => p.count, "handler calls / min"],
    ["handler_duration_ms", (p) => p.p95, "handler p95 ms"],
    ["http_request_duration_ms", (p) => p.count, "HTTP requests / min"],
  ];
  main.innerHTML = `<h2>Metrics</h2><p class="dim">Last hour, per minute. Telemetry records dropped: ${dropped}.</p><div class="grid">${cards
    .map(([name, value, label]) => `<div class="card">${chart(byName[name] || [], value, label)}</div>`)
    .join("")}</div>`;
}

async function deadLetters() {
  const list = await get("/dead-letters");
  main.innerHTML = `<h2>Dead letters <span class="badge">${list.length}</span></h2><table><thead><tr><th>Time</th><th>Event</th><th>Handlers</th><th>Attempts</th><th>Error</th><th></th></tr></thead><tbody>${list
    .map((d) => `<tr data-dead="${esc(d.id)}"><td>${fmtTime(d.time)}</td><td>${esc(d.event)}</td><td>${esc(d.handlers.join(", "))}</td><td>${d.attempts}</td><td class="error">${esc(d.error.message)}<details><summary class="dim">payload and stack</summary><pre>${esc(JSON.stringify(d.payload, null, 2))}</pre><pre>${esc(d.error.stack || "")}</pre></details></td><td><button data-replay="${esc(d.id)}">Replay</button></td></tr>`)
    .join("") || '<tr><td colspan="6" class="dim">No dead letters.</td></tr>'}</tbody></table><p id="replay-result" class="dim"></p>`;
  main.querySelectorAll("button[data-replay]").forEach((b) =>
    b.addEventListener("click", async () => {
      const r = await post(`/dead-letters/${encodeURIComponent(b.dataset.replay)}/replay`);
      document.getElementById("replay-result").textContent = r.replayed ? `Replayed ${r.event} (${r.replayed})` : r.error;
    }),
  );
}

async function tester() {
  const s = await get("/schema");
  const shapes = Object.fromEntries(s.shapes.map((b) => [b.name, b]));
  main.innerHTML = `<h2>API tester</h2><p><select id="t-api">${s.apis.map((a) => `<option value="${esc(a.name)}">${esc(a.name)} — ${esc(a.method)} ${esc(a.path)}</option>`).join("")}</select></p><form class="tester" id="t-form"></form><p><button id="t-send">Send</button></p><div id="t-result"></div>`;
  const select = document.getElementById("t-api");
  const input = (group, name, type) => {
    const kind = type.array ? "json" : type.name === "Int" || type.name === "Float" ? "number" : type.name === "Boolean" ? "checkbox" : shapes[type.name] || type.name === "Json" ? "json" : "text";
    const field = kind === "json" ? `<textarea rows="2" data-kind="json"></textarea>` : `<input type="${kind}" data-kind="${kind}">`;
    return `<label data-group="${group}" data-name="${esc(name)}" data-optional="${type.optional}"><span>${esc(name)} <span class="dim">${esc(type.name)}${type.array ? "[]" : ""}${type.optional ? "?" : ""}</span></span>${field}</label>`;
  };
  const render = () => {
    const api = s.apis.find((a) => a.name === select.value);
    if (!api) return;
    const body = api.body && shapes[api.body.name];
    const query = api.query && shapes[api.query.name];
    document.getElementById("t-form").innerHTML =
      api.pathParams.map((p) => input("params", p, { name: "String" })).join("") +
      (query ? query.fields.map((f) => input("query", f.name, f.type)).join("") : "") +
      (body ? body.fields.map((f) => input("body", f.name, f.type)).join("") : "");
  };
  select.addEventListener("change", render);
  render();
  document.getElementById("t-send").addEventListener("click", async () => {
    const payload = { params: {}, query: {}, body: {} };
    for (const label of document.querySelectorAll("#t-form label")) {
      const el = label.querySelector("input, textarea");
      const kind = el.dataset.kind;
      let value = kind === "checkbox" ? el.checked : el.value;
      if (kind !== "checkbox" && value === "" && label.dataset.optional === "true") continue;
      if (kind === "number") value = Number(value);
      if (kind === "json") {
        try {
          value = JSON.parse(value);
        } catch {
          /* sent as text: the server will say what is wrong */
        }
      }
      payload[label.dataset.group][label.dataset.name] = label.dataset.group === "body" ? value : String(value);
    }
    const r = await post("/invoke/" + encodeURIComponent(select.value), payload);
    document.getElementById("t-result").innerHTML = `<div class="card"><h3 class="${r.status < 400 ? "ok" : "error"}">HTTP ${r.status} · ${ms(r.durationMs)}</h3><pre id="t-body">${esc(JSON.stringify(r.body, null, 2))}</pre>${r.traceId ? `<a id="t-trace" href="#/trace/${r.traceId}">Open trace ${r.traceId.slice(0, 8)}</a>` : ""}</div>`;
  });
}

window.addEventListener("hashchange", route);
connectLive();
route();
