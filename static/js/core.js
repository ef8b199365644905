// Shared by every page: the JSON API, the page's words, times in the configured zone, small DOM helpers.
"use strict";

const Words = JSON.parse(document.getElementById("words").textContent);
const Client = JSON.parse((document.getElementById("client") || { textContent: "{}" }).textContent);
const State = JSON.parse((document.getElementById("state") || { textContent: "{}" }).textContent);

function t(key, params) {
  let text = Words.strings[key] || key;
  for (const [name, value] of Object.entries(params || {})) text = text.replace(`{${name}}`, value);
  return text;
}
function label(group, key) { return (Words.labels[group] || {})[key] || key || ""; }

// The derived rules, as the server computed them (dispatch/facts/rules.py): never restated here. Each task
// and commitment carries the moments its flags turn (`overdue_at`, `due_soon_at`, `late_at`; null when they
// never will in its current state); the one thing a page decides is whether such a moment has passed.
const Clock = (() => {
  const passed = (moment) => !!moment && Date.parse(moment) < Date.now();
  return { passed };
})();

const Rules = (() => {
  const r = Client.rules || {};
  const active = new Set(r.active_incident || []);
  const isOpen = (task) => !!task.open;
  // One argument each, so they can be handed to filter() as they are.
  const isOverdue = (task) => Clock.passed(task.overdue_at);
  const isDueSoon = (task) => Clock.passed(task.due_soon_at) && !isOverdue(task);
  const isEscalated = (task) => !!task.escalated;
  // The server's urgency order: what the clock finds overdue first, then the server's rank, element by element.
  function byUrgency(a, b) {
    const first = (isOverdue(a) ? 0 : 1) - (isOverdue(b) ? 0 : 1);
    if (first) return first;
    const x = a.urgency_key || [], y = b.urgency_key || [];
    for (let i = 0; i < Math.max(x.length, y.length); i += 1) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  }
  // A unit's queue, the units working a task, the units it involves: lists the server sends with each task.
  const worksOn = (task, unitId) => (task.working_unit_ids || []).includes(unitId);
  const inQueue = (task, unitId) => (task.queue_unit_ids || []).includes(unitId);
  const involves = (task, unitId) => (task.involved_unit_ids || []).includes(unitId);
  // On the board and the wall: an active incident, or one whose open tasks are late or escalated
  // (`counts` from Store.summary()).
  const onBoard = r.on_board || { statuses: [], or_open_tasks: [] };
  const boardStatuses = new Set(onBoard.statuses);
  const isOnBoard = (incident, counts) => boardStatuses.has(incident.status)
    || onBoard.or_open_tasks.some((name) => counts && counts[name] > 0);
  // What the user may do to a task: the server lists each action with its role and, when only some units may, their ids.
  const mayDo = (task, user) => (task.actions || []).filter((a) => a.role === user.role
    && (a.unit_ids === null || a.unit_ids === undefined || a.unit_ids.includes(user.unit_id))).map((a) => a.action);
  return { isOpen, isOverdue, isDueSoon, isEscalated, byUrgency, inQueue, worksOn, involves, isOnBoard, mayDo,
    isActive: (incident) => active.has(incident.status) };
})();

const Api = (() => {
  let csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || null;
  async function ensureCsrf() {
    if (csrf) return;
    const response = await fetch("/api/session", { credentials: "same-origin", headers: { Accept: "application/json" } });
    if (response.ok) csrf = (await response.json()).csrf_token;
  }
  async function request(method, path, body) {
    if (method !== "GET" && !(method === "POST" && path === "/api/session")) await ensureCsrf();
    const headers = { Accept: "application/json" };
    const form = body instanceof FormData;  // a file upload: the browser writes the multipart type itself
    if (body !== undefined && !form) headers["Content-Type"] = "application/json";
    if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
    let response;
    try {
      response = await fetch(path, { method, headers, credentials: "same-origin",
        body: body === undefined || form ? body : JSON.stringify(body) });
    } catch (e) {
      throw Object.assign(new Error(t("error_network")), { status: 0 });
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) {
      const error = (data && data.error) || {};
      // the server's own words, already in the page's language (a proxy's page has none: explain() words it)
      throw Object.assign(new Error(error.message || ""), { status: response.status, body: data,
        said: error.message || "", fields: error.fields || {} });
    }
    return data;
  }
  return { request, setCsrf: (token) => { csrf = token; },
    get: (p) => request("GET", p), post: (p, b) => request("POST", p, b || {}),
    patch: (p, b) => request("PATCH", p, b), del: (p) => request("DELETE", p),
    upload: (p, formData) => request("POST", p, formData) };
})();

// Elements: h("button", {class: "x", onclick: f, style: {width: "50%"}}, "text", child, ...)
// Styles go through the CSSOM: a style attribute would be refused by the page's Content-Security-Policy.
function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "style") Object.assign(node.style, value);
    else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

// ---- time: stored UTC, shown in the configured zone ----
const Time = (() => {
  const zone = Client.timezone || "Asia/Shanghai";
  const lang = Client.locale === "zh" ? "zh-CN" : "en-GB";
  const clock = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", hour12: false });
  const full = new Intl.DateTimeFormat(lang, { timeZone: zone, month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  const withYear = new Intl.DateTimeFormat(lang, { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  const seconds = new Intl.DateTimeFormat(lang, { timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  const dayKey = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" });
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false });
  const ms = (value) => (value instanceof Date ? value : new Date(value)).getTime();
  function span(milliseconds) {
    const minutes = Math.max(0, Math.floor(Math.abs(milliseconds) / 60000));
    if (minutes < 60) return t("min", { n: minutes });
    if (minutes < 48 * 60) return t("hours", { h: Math.floor(minutes / 60), m: minutes % 60 });
    return t("days", { d: Math.floor(minutes / 1440), h: Math.floor((minutes % 1440) / 60) });
  }
  return {
    zone,
    // today: the clock time; another day: date and time; another year: with the year
    at(value) {
      if (!value) return "";
      const date = new Date(value);
      const day = dayKey.format(date), today = dayKey.format(new Date());
      if (day === today) return clock.format(date);
      return day.slice(0, 4) === today.slice(0, 4) ? full.format(date) : withYear.format(date);
    },
    now: () => seconds.format(new Date()),
    age: (value) => t("ago", { t: span(Date.now() - ms(value)) }),
    span,
    left: (value) => ms(value) - Date.now(),
    // the value for <input type="datetime-local">, in the configured zone
    local(value) {
      const p = Object.fromEntries(parts.formatToParts(new Date(value)).map((x) => [x.type, x.value]));
      return `${p.year}-${p.month}-${p.day}T${p.hour === "24" ? "00" : p.hour}:${p.minute}`;
    },
  };
})();

// A deadline: its clock time and a countdown that turns red when overdue (kept fresh by Ticker). `moments`: the
// server's {overdue_at, due_soon_at} (a task or a commitment); without an overdue_at the deadline is settled.
function deadline(dueAt, moments) {
  const node = h("span", { class: "deadline", dataset: { due: dueAt || "", overdueAt: (moments && moments.overdue_at) || "",
    dueSoonAt: (moments && moments.due_soon_at) || "" } });
  paintDeadline(node);
  return node;
}
function paintDeadline(node) {
  const due = node.dataset.due;
  if (!due) return;
  const left = Time.left(due);
  const settled = !node.dataset.overdueAt;
  const overdue = Clock.passed(node.dataset.overdueAt);
  node.classList.toggle("overdue", overdue);
  node.classList.toggle("soon", Clock.passed(node.dataset.dueSoonAt) && !overdue);
  const countdown = settled ? "" : overdue ? t("overdue_by", { t: Time.span(left) }) : t("due_in", { t: Time.span(left) });
  node.textContent = Time.at(due) + (countdown ? ` · ${countdown}` : "");
}

const Ticker = (() => {
  const hooks = [];
  function tick() {
    document.querySelectorAll(".deadline").forEach(paintDeadline);
    document.querySelectorAll("[data-age]").forEach((node) => { node.textContent = Time.age(node.dataset.age); });
    const clock = document.getElementById("clock");
    if (clock) clock.textContent = Time.now();
    hooks.forEach((hook) => hook());
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  return { every: (hook) => hooks.push(hook), tick };
})();

// ---- messages ----
// What just happened, in a toast under the top bar (never over the buttons); it can be dismissed.
function flash(message, kind) {
  const box = document.getElementById("flash");
  box.querySelector(".flash-text").textContent = message;
  box.className = `flash ${kind || "error"}`;
  box.hidden = false;
  clearTimeout(flash.timer);
  flash.timer = setTimeout(() => { box.hidden = true; }, kind === "ok" ? 4000 : 8000);
}
document.addEventListener("click", (event) => {
  if (event.target.closest(".flash-close")) { clearTimeout(flash.timer); document.getElementById("flash").hidden = true; }
});
// What went wrong, in the page's language: the server's message as it is (it says what to do next),
// or, when there is none (no answer, a proxy's error page), the page's own words for the status.
function explain(error) {
  if (error.status === 0) return t("error_network");
  if (error.said) return error.said;
  if (error.status === 401) return t("error_signed_out");
  if (error.status === 403) return t("error_forbidden");
  if (error.status === 409) return t("error_conflict");
  if (error.status === 422 || error.status === 400) return t("error_invalid");
  return t("error");
}

// A refusal raised by the page itself, shown in the form like the server's (with nodes to look at).
function refusal(said, nodes) { return Object.assign(new Error(said), { said, nodes: nodes || [] }); }
// Tasks named with links to their incident, for a refusal or a confirmation.
function taskLinks(tasks) {
  return h("ul", { class: "task-links" }, tasks.map((task) => h("li", {},
    h("a", { href: `/incidents/${task.incident_id || ""}#task-${task.id}` }, task.title), " · ",
    label("task_status", task.status), " · ", Units.name(task.unit_id))));
}

// ---- forms in a dialog: fields described as data, errors shown beside the field they name ----
// field: {name, label, type: text|textarea|number|select|datetime|multiselect|checkboxes, options: [[value, text]], value, required}
function fieldControl(field, id) {
  if (field.type === "custom") return field.build(id);  // a control of its own (a place on the map)
  const common = { id, name: field.name, required: field.required || null, "aria-describedby": `${id}-error` };
  if (field.type === "textarea") return h("textarea", { ...common, rows: field.rows || 3 }, field.value || "");
  if (field.type === "select" || field.type === "multiselect") {
    const select = h("select", { ...common, multiple: field.type === "multiselect" || null,
      size: field.type === "multiselect" ? Math.min(6, field.options.length) : null },
      field.options.map(([value, text]) => h("option", { value }, text)));
    const chosen = [].concat(field.value === undefined || field.value === null ? [] : field.value).map(String);
    for (const option of select.options) option.selected = chosen.includes(option.value);
    return select;
  }
  if (field.type === "checkboxes") {
    const chosen = new Set([].concat(field.value ?? []).map(String));
    return h("div", { id, class: "checks", role: "group", "aria-labelledby": `${id}-label`, "aria-describedby": `${id}-error` },
      field.options.map(([value, text]) => h("label", {},
        h("input", { type: "checkbox", name: field.name, value, checked: chosen.has(String(value)) || null }), text)));
  }
  if (field.type === "checkbox") return h("input", { ...common, type: "checkbox", checked: field.value || null });
  const type = field.type === "datetime" ? "datetime-local" : field.type || "text";
  return h("input", { ...common, type, value: field.value ?? "", min: field.min ?? null, autocomplete: "off" });
}
function readControl(field, control) {
  if (field.type === "custom") return control.read();
  if (field.type === "checkbox") return control.checked || undefined;
  if (field.type === "multiselect") return [...control.selectedOptions].map((o) => Number(o.value));
  if (field.type === "checkboxes") return [...control.querySelectorAll("input:checked")].map((i) => Number(i.value));
  if (field.type === "number") return control.value === "" ? undefined : Number(control.value);
  if (field.type === "select" && field.numeric) return control.value === "" ? undefined : Number(control.value);
  if (field.type === "datetime") return control.value ? control.value : undefined; // naive: read in the configured zone
  return control.value === "" && !field.keepEmpty ? undefined : control.value;
}

// `intro`: nodes shown under the title (what a confirmation is about to do).
function openForm({ title, fields, submitLabel, onSubmit, danger, done, intro }) {
  const dialog = h("dialog", { class: "form-dialog", "aria-labelledby": "dialog-title" });
  const form = h("form", { method: "dialog", novalidate: true });
  const controls = {};
  form.append(h("h2", { id: "dialog-title" }, title), ...(intro || []));
  for (const field of fields) {
    const id = `f-${field.name}`;
    const control = fieldControl(field, id);
    controls[field.name] = control;
    form.append(h("div", { class: "field" }, h("label", { for: id, id: `${id}-label` }, field.label, field.required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      control, field.hint ? h("p", { class: "hint" }, field.hint) : null, h("p", { class: "field-error", id: `${id}-error` })));
  }
  const problem = h("p", { class: "error form-error", role: "alert" });
  const submit = h("button", { type: "submit", class: danger ? "danger" : "primary" }, submitLabel || t("save"));
  const cancel = h("button", { type: "button", class: "quiet", onclick: () => dialog.close() }, t("cancel"));
  form.append(problem, h("div", { class: "actions" }, submit, cancel));
  dialog.append(form);
  document.body.append(dialog);
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
    form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
    const missing = fields.filter((f) => f.required && !String(controls[f.name].value).trim());
    if (missing.length) {
      for (const f of missing) markField(f.name, t("required"));
      problem.textContent = t("error_invalid");
      return;
    }
    const values = {};
    for (const field of fields) {
      const value = readControl(field, controls[field.name]);
      if (value !== undefined) values[field.name] = value;
    }
    submit.disabled = true;
    problem.textContent = "";
    try {
      const result = await onSubmit(values);
      dialog.close();
      flash(typeof done === "function" ? done(result, values) : done || t("saved"), "ok");
    } catch (error) {
      // each field's text beside it; what names no field of this form (the cap, "_schema") under the message
      const unplaced = Object.entries(error.fields || {})
        .filter(([name, messages]) => !markField(name, [].concat(messages).join(" ")))
        .map(([, messages]) => [].concat(messages).join(" "));
      // a refusal may bring what to look at (links to the tasks in the way, what changed meanwhile)
      problem.replaceChildren([explain(error), ...unplaced].join(" "), ...(error.nodes || []));
    } finally {
      submit.disabled = false;
    }
  });
  function markField(name, message) {
    const control = controls[name];
    if (!control) return false;
    control.setAttribute("aria-invalid", "true");
    document.getElementById(`f-${name}-error`).textContent = message;
    return true;
  }
  dialog.showModal();
  const first = form.querySelector("input, select, textarea") || submit;
  first.focus();
  return dialog;
}

// Units by id, named in the page's language.
const Units = (() => {
  const byId = new Map((State.units || []).map((u) => [u.id, u]));
  const name = (id) => {
    const unit = byId.get(id);
    if (!unit) return id === null || id === undefined ? "" : `#${id}`;
    return Client.locale === "zh" && unit.name_zh ? unit.name_zh : unit.name;
  };
  // choices in the server's order (parents first), indented by depth; a deactivated unit is no longer offered
  const indent = (u) => "\u00a0\u00a0".repeat(u.depth || 0);
  return { byId, name, all: () => [...byId.values()], options: (filter) =>
    [...byId.values()].filter((u) => u.active !== false).filter(filter || (() => true))
      .map((u) => [u.id, indent(u) + name(u.id)]) };
})();

// Who acted, in the page's language: a Chinese page shows a user's Chinese name when they have one,
// otherwise the name the event was written with.
const Users = (() => {
  const byId = new Map((State.users || []).map((u) => [u.id, u]));
  const name = (id, written) => {
    const user = byId.get(id);
    return Client.locale === "zh" && user && user.name_zh ? user.name_zh : written || (user ? user.name : "");
  };
  return { name };
})();

// The choices the server accepts, named in the page's language (labels may come from another group).
// A list's filters kept in the address bar (bookmarked, kept on reload): read them, then follow every change.
function filtersInAddress(filters, render) {
  for (const [name, value] of new URLSearchParams(location.search)) {
    if (filters[name] && [...(filters[name].options || [{ value }])].some((o) => o.value === value)) filters[name].value = value;
  }
  const changed = () => {
    const query = new URLSearchParams();
    for (const [name, control] of Object.entries(filters)) if (control.value) query.set(name, control.value);
    history.replaceState(null, "", `${location.pathname}${query.toString() ? `?${query}` : ""}`);
    render();
  };
  for (const control of Object.values(filters)) control.addEventListener("input", changed);
}
function optionsOf(group, labels) { return (Client.choices[group] || []).map((key) => [key, label(labels || group, key)]); }
function levelBadge(level) { return h("span", { class: `level level-${level}`, title: label("level_long", level) }, label("level", level)); }
function statusBadge(status) { return h("span", { class: `status status-${status}` }, label("status", status)); }
function taskStatusBadge(status) { return h("span", { class: `tstatus tstatus-${status}` }, label("task_status", status)); }

document.addEventListener("DOMContentLoaded", () => {
  const logout = document.getElementById("logout");
  if (logout) logout.addEventListener("click", async () => {
    await Api.del("/api/session").catch(() => null);
    window.location = "/login";
  });
});
