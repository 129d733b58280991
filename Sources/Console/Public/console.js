"use strict";
// The console page. Every second it asks the console's /api for the catalogue, the recent orders, the
// health tiles and the latency window, and draws them. Plain DOM, no framework, no build step.

const POLL_MS = 1000;
const SVG = "http://www.w3.org/2000/svg";
const $ = (selector) => document.querySelector(selector);

let currentOrderId = null;
let statusHistory = []; // [{status, at}] of the current order
let orderKey = null; // the Idempotency-Key of the order being placed; kept for a retry after a network error
const inbox = { customer: null, after: 0, items: [] }; // the notifications of the customer in the order form
const INBOX_SHOWN = 20;

// ---- plumbing

async function api(path, options = {}) {
  const response = await fetch(path, { cache: "no-store", ...options });
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  return { status: response.status, ok: response.ok, body };
}

function problemText(reply) {
  const body = reply.body || {};
  return body.detail || body.title || `HTTP ${reply.status}`;
}

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attributes = {}) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  return node;
}

function randomKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return "console-" + Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function time(iso) {
  return new Date(iso).toLocaleTimeString();
}

// ---- health tiles

function drawHealth(overview) {
  const tiles = overview.services.map((service) => {
    const tile = el("div", { class: "tile", "data-service": service.name, "data-status": service.status },
      el("span", { class: "name" }, service.name), " ",
      el("span", { class: `status ${service.status}` }, service.status),
      el("span", { class: "muted" }, ` ${Math.round(service.responseTimeMs)} ms`));
    if (service.reasons.length > 0) {
      tile.append(el("ul", {}, ...service.reasons.map((reason) => el("li", {}, reason))));
    }
    return tile;
  });
  $("#health-tiles").replaceChildren(...tiles);
}

// ---- latency alert and charts

function drawLatency(stats) {
  const tile = $("#latency-alert");
  tile.dataset.state = stats.state;
  $("#latency-average").textContent = stats.averageMs === undefined ? "no orders" : `${Math.round(stats.averageMs)} ms`;
  const p99 = stats.p99Ms === undefined ? "" : `, p99 ${Math.round(stats.p99Ms)} ms`;
  $("#latency-detail").textContent =
    `${stats.state === "alert" ? "ALERT: " : ""}average of ${stats.measured} over the last ${stats.windowSeconds} s ` +
    `(${stats.count} requests${p99}); red above ${stats.thresholdMs} ms` +
    (stats.partial ? "; partial: not every order instance answered" : "");
  drawInstances(stats.instances || []);
  drawChart($("#chart-throughput"), stats.series, [{ key: "count", kind: "bars", className: "throughput" }], null);
  drawChart($("#chart-latency"), stats.series, [
    { key: "p99Ms", kind: "line", className: "p99" },
    { key: "averageMs", kind: "line", className: "average" },
  ], stats.thresholdMs);
}

/// Each order instance under the tile, so an operator sees which replica is slow or silent.
function drawInstances(instances) {
  const items = instances.map((instance) => {
    const state = instance.error ? "unknown" : instance.state;
    const figure = instance.error
      ? `no answer: ${instance.error}`
      : `${instance.averageMs === undefined ? "no orders" : `${Math.round(instance.averageMs)} ms`} (${instance.count} requests)`;
    return el("li", { "data-state": state }, el("span", { class: "instance" }, instance.instance), ` ${state}: ${figure}`);
  });
  $("#latency-instances").replaceChildren(...items);
}

/// One chart of the per-second series: bars or lines, an optional dashed threshold, the top value
/// and the time span written on it.
function drawChart(target, series, layers, threshold) {
  const width = 600, height = 150, left = 40, bottom = 18, top = 8;
  const values = series.flatMap((point) => layers.map((layer) => point[layer.key] ?? 0));
  const ceiling = Math.max(1, threshold ? threshold * 1.25 : 0, ...values);
  const x = (index) => left + (index * (width - left - 4)) / Math.max(1, series.length - 1);
  const y = (value) => height - bottom - (value / ceiling) * (height - bottom - top);
  const nodes = [
    svg("line", { class: "grid", x1: left, y1: y(0), x2: width, y2: y(0) }),
    svg("line", { class: "grid", x1: left, y1: y(ceiling), x2: width, y2: y(ceiling) }),
    Object.assign(svg("text", { x: 2, y: y(ceiling) + 10 }), { textContent: Math.round(ceiling) }),
    Object.assign(svg("text", { x: 2, y: y(0) }), { textContent: "0" }),
    Object.assign(svg("text", { x: left, y: height - 4 }), { textContent: `-${series.length} s` }),
    Object.assign(svg("text", { x: width - 30, y: height - 4 }), { textContent: "now" }),
  ];
  if (threshold) nodes.push(svg("line", { class: "threshold", x1: left, y1: y(threshold), x2: width, y2: y(threshold) }));
  for (const layer of layers) {
    if (layer.kind === "bars") {
      const barWidth = Math.max(1, (width - left) / Math.max(1, series.length) - 1);
      series.forEach((point, index) => {
        const value = point[layer.key] ?? 0;
        if (value > 0) {
          nodes.push(svg("rect", { class: layer.className, x: x(index) - barWidth / 2, y: y(value), width: barWidth, height: y(0) - y(value) }));
        }
      });
    } else {
      // A line through consecutive seconds with requests; a second without any breaks it (there is
      // no latency to draw there), and a lone second is a dot.
      let run = [];
      const flush = () => {
        if (run.length === 1) nodes.push(svg("circle", { class: `${layer.className} dot`, cx: run[0][0], cy: run[0][1], r: 2.5 }));
        if (run.length > 1) nodes.push(svg("polyline", { class: layer.className, points: run.map((p) => p.join(",")).join(" ") }));
        run = [];
      };
      series.forEach((point, index) => {
        if (point[layer.key] === undefined) flush();
        else run.push([x(index).toFixed(1), y(point[layer.key]).toFixed(1)]);
      });
      flush();
    }
  }
  target.replaceChildren(...nodes);
}

// ---- catalogue and orders

function drawCatalogue(products) {
  const rows = products.map((product) =>
    el("tr", { "data-sku": product.sku },
      el("td", {}, el("code", {}, product.sku)), el("td", {}, product.name),
      el("td", { class: "num stock" }, String(product.stock))));
  $("#catalogue tbody").replaceChildren(...rows);
  const select = $("#order-sku");
  const chosen = select.value;
  const skus = products.map((product) => product.sku);
  if (skus.join() !== Array.from(select.options, (option) => option.value).join()) {
    select.replaceChildren(...products.map((product) => el("option", { value: product.sku }, `${product.sku}, ${product.name}`)));
    if (skus.includes(chosen)) select.value = chosen;
  }
}

function drawOrders(orders) {
  const rows = orders.map((order) =>
    el("tr", { "data-order": order.id },
      el("td", {}, el("code", {}, order.id.slice(0, 8))),
      el("td", {}, order.customerId),
      el("td", {}, order.items.map((line) => `${line.quantity} × ${line.sku}`).join(", ")),
      el("td", {}, el("span", { class: `status ${order.status}` }, order.status),
        // Pending past --attention-after-s: no longer retried automatically, a person must look.
        order.needsAttention ? el("span", { class: "status attention", "data-needs-attention": "true", title: order.message }, "needs attention") : ""),
      el("td", {}, time(order.updatedAt))));
  $("#recent-orders tbody").replaceChildren(...rows);
}

/// The order placed last in this page, with every status it has been seen in, so the change from
/// pending to shipped or rejected stays visible.
function drawCurrentOrder(order) {
  if (order.id !== currentOrderId) statusHistory = [];
  currentOrderId = order.id;
  if (statusHistory.length === 0 || statusHistory[statusHistory.length - 1].status !== order.status) {
    statusHistory.push({ status: order.status, at: new Date().toLocaleTimeString() });
  }
  const panel = $("#current-order");
  panel.hidden = false;
  panel.dataset.order = order.id;
  $("#current-order-id").textContent = order.id;
  const status = $("#current-order-status");
  status.textContent = order.status;
  status.className = `status ${order.status}`;
  status.dataset.status = order.status;
  const history = $("#current-order-history");
  history.dataset.history = statusHistory.map((entry) => entry.status).join(" ");
  history.textContent = statusHistory.map((entry) => `${entry.status} at ${entry.at}`).join(" → ");
  $("#current-order-message").textContent = order.reason ? `${order.message} ${order.reason}` : order.message;
}

function showOrderError(text) {
  const error = $("#order-error");
  error.hidden = !text;
  error.textContent = text || "";
}

async function placeOrder(event) {
  event.preventDefault();
  const form = event.target;
  const order = {
    customerId: form.customerId.value,
    items: [{ sku: form.sku.value, quantity: Number(form.quantity.value) }],
  };
  orderKey = orderKey || randomKey();
  $("#place-order").disabled = true;
  showOrderError(null);
  try {
    const reply = await api("/api/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", "Idempotency-Key": orderKey },
      body: JSON.stringify(order),
    });
    orderKey = null; // a definite answer: the next order gets a new key
    if (reply.body && reply.body.id) {
      drawCurrentOrder(reply.body);
    } else {
      showOrderError(problemText(reply));
    }
  } catch (error) {
    showOrderError(`The console did not answer (${error.message}). Placing it again is safe: the same idempotency key is sent.`);
  } finally {
    $("#place-order").disabled = false;
  }
}

// ---- the customer's notifications, beside the order form

/// Reads the inbox of the customer typed in the order form on from where it was read up to, and draws
/// the newest ones first. Another customer starts the list afresh.
async function refreshInbox() {
  const customer = $("#order-customer").value.trim();
  if (customer !== inbox.customer) {
    Object.assign(inbox, { customer, after: 0, items: [] });
    $("#notifications-customer").textContent = customer;
    $("#notification-list").replaceChildren();
  }
  if (!customer) return;
  const status = $("#notifications-status");
  for (;;) {
    const query = `customerId=${encodeURIComponent(customer)}&after=${inbox.after}&limit=100`;
    const reply = await api(`/api/notifications?${query}`);
    if (customer !== inbox.customer) return; // the form changed meanwhile
    if (!reply.ok) {
      status.dataset.state = "unavailable";
      status.textContent = `Notifications unavailable: ${problemText(reply)}`;
      return;
    }
    const fresh = reply.body.notifications;
    if (fresh.length > 0) {
      inbox.after = fresh[fresh.length - 1].sequence;
      inbox.items = fresh.reverse().concat(inbox.items).slice(0, INBOX_SHOWN);
    }
    if (fresh.length < 100) break;
  }
  status.dataset.state = "ok";
  status.textContent = inbox.items.length === 0 ? "none yet" : `${inbox.items.length} shown, newest first`;
  drawInbox();
}

function drawInbox() {
  const items = inbox.items.map((note) =>
    el("li", { "data-order": note.orderId, "data-kind": note.kind },
      el("span", { class: `status ${note.kind === "delayed" ? "pending" : note.kind}` }, note.kind), " ",
      el("span", { class: "muted" }, time(note.occurredAt)), " ",
      note.message));
  $("#notification-list").replaceChildren(...items);
}

// ---- chaos switches

function ordinal(n) {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? "st" : n % 10 === 2 && n % 100 !== 12 ? "nd"
    : n % 10 === 3 && n % 100 !== 13 ? "rd" : "th";
  return `${n}${suffix}`;
}

function describeChaos(settings) {
  const rule = (selector) => (!selector || (!selector.every && !selector.fraction) ? "off"
    : selector.every === 1 ? "every key"
    : selector.every ? `every ${ordinal(selector.every)} key` : `${selector.fraction} of keys (seed ${selector.seed})`);
  const gremlin = settings.gremlin || {};
  const gremlinRule = rule(gremlin.select);
  return `In force: gremlin ${gremlinRule}${gremlinRule === "off" ? "" : ` delayed ${gremlin.delayMs} ms ${gremlin.placement}`}; ` +
    `exit after commit ${rule(settings.crashAfterCommit)}; 500 after commit ${rule(settings.errorAfterCommit)}.`;
}

async function sendChaos(settings) {
  const token = $("#admin-token").value.trim();
  const result = $("#chaos-result");
  if (!token) {
    result.textContent = "Type the admin token first (it is in DATA_DIR/admin-token).";
    return;
  }
  sessionStorage.setItem("adminToken", token);
  try {
    const reply = await api("/api/admin/chaos", {
      method: "PUT",
      headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
      body: JSON.stringify(settings),
    });
    result.dataset.outcome = reply.ok ? "applied" : "refused";
    result.textContent = reply.ok ? describeChaos(reply.body) : `Refused: ${problemText(reply)}`;
  } catch (error) {
    result.dataset.outcome = "error";
    result.textContent = `The console did not answer: ${error.message}`;
  }
}

function chaosFromForm(form) {
  const every = (input) => (input.value ? { every: Number(input.value) } : undefined);
  const settings = {};
  if (form.gremlinEvery.value) {
    settings.gremlin = { select: every(form.gremlinEvery), delayMs: Number(form.gremlinDelayMs.value || 0) };
  }
  if (form.crashEvery.value) settings.crashAfterCommit = every(form.crashEvery);
  if (form.errorEvery.value) settings.errorAfterCommit = every(form.errorEvery);
  return settings;
}

// ---- the loops: one per panel, so a slow answer for one (a hung service's health) holds up no other

const failures = new Set();

function poll(name, job) {
  const tick = async () => {
    try {
      await job();
      failures.delete(name);
    } catch (error) {
      failures.add(name);
    }
    $("#updated").textContent = failures.size === 0
      ? `updated ${new Date().toLocaleTimeString()}`
      : `no answer from the console for ${Array.from(failures).join(", ")} at ${new Date().toLocaleTimeString()}`;
    setTimeout(tick, POLL_MS);
  };
  tick();
}

function startPolling() {
  poll("health", async () => drawHealth((await api("/api/health")).body));
  poll("latency", async () => {
    const reply = await api("/api/stats/latency?seconds=120");
    if (reply.ok) drawLatency(reply.body);
    else $("#latency-detail").textContent = `latency unknown: ${problemText(reply)}`;
  });
  poll("catalogue", async () => {
    const reply = await api("/api/products");
    if (reply.ok) drawCatalogue(reply.body.products);
  });
  poll("orders", async () => {
    const reply = await api("/api/orders?limit=10");
    if (reply.ok) drawOrders(reply.body.orders);
  });
  poll("notifications", refreshInbox);
  poll("your order", async () => {
    if (!currentOrderId) return;
    const reply = await api(`/api/orders/${encodeURIComponent(currentOrderId)}`);
    if (reply.ok) drawCurrentOrder(reply.body);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  $("#order-form").addEventListener("submit", placeOrder);
  $("#order-form").addEventListener("input", () => { orderKey = null; });
  $("#chaos-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendChaos(chaosFromForm(event.target));
  });
  $("#chaos-off").addEventListener("click", () => sendChaos({}));
  $("#admin-token").value = sessionStorage.getItem("adminToken") || "";
  startPolling();
});
