// Hidden dangers: the register (filters, keyboard, record form) and one hidden danger's page (visits, resolve,
// reopen, promote), both kept live by the hidden_danger.* events.
"use strict";

const HiddenDangers = (() => {
  const user = State.user || {};
  const may = Client.may || {};
  // a liaison records and visits only their own unit's hidden dangers (the server checks it too)
  const mayVisit = (danger) => may.visit_hidden_danger && (user.role !== "liaison" || user.unit_id === danger.unit_id);

  function riskBadge(risk) { return h("span", { class: `risk risk-${risk}` }, label("risk", risk)); }
  function statusOf(status) { return h("span", { class: `hd-status hd-status-${status}` }, label("hidden_danger_status", status)); }

  function recordForm() {
    const units = user.role === "liaison" ? Units.options((u) => u.id === user.unit_id)
      : Units.options((u) => u.kind !== "command");
    const fields = [
      { name: "title", label: t("f_title"), required: true },
      { name: "category", label: t("f_category"), type: "select", options: optionsOf("category"), value: "other", required: true },
      { name: "location", label: t("f_location"), required: true },
      { name: "point", label: t("map_where"), type: "custom", build: (id) => CountyMap.picker(id, null) },
      { name: "unit_id", label: t("f_responsible_unit"), type: "select", numeric: true, options: units, value: user.unit_id, required: true },
      { name: "people_affected", label: t("f_people_affected"), type: "number", min: 0, required: true },
      { name: "risk", label: t("f_risk"), type: "select", options: optionsOf("risk"), value: "medium", required: true },
      { name: "description", label: t("f_description"), type: "textarea", keepEmpty: true },
      // named as the server names them, so a refusal is shown beside the field
      { name: "persons.0.name", label: t("f_key_person_name") },
      { name: "persons.0.id_number", label: t("f_key_person_id") },
      { name: "persons.0.phone", label: t("f_key_person_phone"), type: "tel" },
    ];
    return openForm({ title: t("hd_record"), fields, submitLabel: t("hd_record"),
      done: (danger) => t("hd_recorded", { ref: danger.ref }),
      onSubmit: async (values) => {
        const person = { name: values["persons.0.name"], id_number: values["persons.0.id_number"], phone: values["persons.0.phone"] };
        const body = Object.fromEntries(Object.entries(values).filter(([name]) => !name.startsWith("persons.") && name !== "point"));
        if (values.point) Object.assign(body, values.point);
        body.description = body.description || "";
        body.persons = person.name || person.id_number ? [Object.fromEntries(Object.entries(person).filter(([, v]) => v))] : [];
        const danger = await Api.post("/api/hidden-dangers", body);
        Store.set(danger);
        return danger;
      } });
  }

  // The hidden dangers this page knows, replaced whole by each event (every one carries the hidden danger).
  const Store = (() => {
    const byId = new Map((State.hidden_dangers || (State.hidden_danger ? [State.hidden_danger] : [])).map((d) => [d.id, d]));
    const listeners = [];
    function set(danger, event) {
      const previous = byId.get(danger.id);
      byId.set(danger.id, { ...(previous || {}), ...danger });
      listeners.forEach((listener) => listener(byId.get(danger.id), event, !previous));
    }
    Live.on((event) => {
      if (event.type.startsWith("hidden_danger.") && event.data && event.data.hidden_danger) set(event.data.hidden_danger, event);
    });
    return { byId, set, onChange: (listener) => listeners.push(listener) };
  })();

  return { riskBadge, statusOf, recordForm, mayVisit, Store };
})();

// ---- the register ----
(() => {
  const list = document.getElementById("hd-list");
  if (!list) return;
  const filters = { q: document.getElementById("hd-q"), status: document.getElementById("hd-status"),
    risk: document.getElementById("hd-risk"), unit_id: document.getElementById("hd-unit"),
    category: document.getElementById("hd-category") };
  const RISK_RANK = { high: 0, medium: 1, low: 2 };
  const STATUS_RANK = { open: 0, resolved: 1, erupted: 2 };

  function matches(d) {
    if (filters.status.value && d.status !== filters.status.value) return false;
    if (filters.risk.value && d.risk !== filters.risk.value) return false;
    if (filters.unit_id.value && d.unit_id !== Number(filters.unit_id.value)) return false;
    if (filters.category.value && d.category !== filters.category.value) return false;
    const q = filters.q.value.trim().toLowerCase();
    return !q || [d.ref, d.title, d.location, d.description].some((text) => (text || "").toLowerCase().includes(q));
  }

  function item(d) {
    const open = () => { window.location = `/hidden-dangers/${d.id}`; };
    const li = h("li", { class: `hd-item hd-${d.risk}`, tabindex: 0, dataset: { id: d.id },
      onkeydown: (event) => { if (event.key === "Enter" && event.target === li) open(); } },
      h("div", { class: "hd-line" }, HiddenDangers.riskBadge(d.risk), " ",
        h("a", { href: `/hidden-dangers/${d.id}`, class: "title" }, d.title), " ", HiddenDangers.statusOf(d.status)),
      h("div", { class: "sub" }, h("span", { class: "ref" }, d.ref), " · ", label("category", d.category), " · ",
        d.location, " · ", Units.name(d.unit_id), " · ", t("hd_people", { n: d.people_affected }),
        d.last_visited_at ? ` · ${t("hd_last_visit", { t: Time.at(d.last_visited_at) })}` : ""));
    return li;
  }

  function render(changedId) {
    const all = [...HiddenDangers.Store.byId.values()];
    const shown = all.filter(matches).sort((a, b) => STATUS_RANK[a.status] - STATUS_RANK[b.status]
      || RISK_RANK[a.risk] - RISK_RANK[b.risk] || b.id - a.id);
    list.replaceChildren(...shown.map(item));
    document.getElementById("hd-empty").hidden = shown.length > 0;
    document.getElementById("hd-count").textContent = t("hd_count", { n: shown.length, total: all.length });
    if (changedId) highlight(list.querySelector(`li[data-id="${changedId}"]`));
  }

  filtersInAddress(filters, render);
  HiddenDangers.Store.onChange((danger) => render(danger.id));

  function move(step) {
    const items = [...list.querySelectorAll("li")];
    if (!items.length) return;
    const current = items.indexOf(document.activeElement.closest ? document.activeElement.closest("li") : null);
    items[current < 0 ? 0 : Math.max(0, Math.min(items.length - 1, current + step))].focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    if (event.target.matches("input, textarea, select")) {
      if (event.key === "Escape") { event.preventDefault(); event.target.blur(); }
      if (event.target === filters.q && (event.key === "Enter" || event.key === "ArrowDown")) { event.preventDefault(); move(0); }
      return;
    }
    const keys = { "/": () => filters.q.focus(), j: () => move(1), k: () => move(-1),
      n: () => Client.may.record_hidden_danger && HiddenDangers.recordForm() };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  const create = document.getElementById("new-hidden-danger");
  if (create) create.addEventListener("click", () => HiddenDangers.recordForm());
  render();
})();

// ---- one hidden danger ----
(() => {
  if (!State.hidden_danger) return;
  const id = State.hidden_danger.id;
  let visits = State.hidden_danger.visits || [];
  const current = () => HiddenDangers.Store.byId.get(id);

  function fact(term, ...value) { return [h("dt", {}, term), h("dd", {}, ...value)]; }

  function render() {
    const d = current();
    document.getElementById("hd-head").replaceChildren(
      h("h1", { class: "page-title" }, h("span", { class: "ref" }, d.ref), " ", d.title),
      h("div", { class: "sub" }, HiddenDangers.riskBadge(d.risk), " ", HiddenDangers.statusOf(d.status)));
    document.getElementById("hd-facts").replaceChildren(
      ...fact(t("f_category"), label("category", d.category)), ...fact(t("f_location"), d.location),
      ...fact(t("f_responsible_unit"), Units.name(d.unit_id)), ...fact(t("f_people_affected"), d.people_affected),
      ...fact(t("f_description"), h("span", { class: "pre" }, d.description || "—")),
      ...(d.incident_id ? fact(t("hd_erupted_as"), h("a", { href: `/incidents/${d.incident_id}` }, `#${d.incident_id}`)) : []));
    const persons = d.persons || [];
    document.getElementById("hd-persons").replaceChildren(...(persons.length ? persons.map((p) => h("li", {},
      h("strong", {}, p.name), " ", h("span", { class: "mono" }, p.id_number), p.phone ? ` · ${p.phone}` : ""))
      : [h("li", { class: "muted" }, t("hd_no_persons"))]));
    document.getElementById("hd-visits").replaceChildren(...(visits.length ? [...visits].reverse().map((v) => h("li", {},
      h("time", { datetime: v.visited_at }, Time.at(v.visited_at)),
      h("div", {}, h("strong", {}, Users.name(v.visited_by_id, v.visited_by_name)),
        v.unit_id ? ` · ${Units.name(v.unit_id)}` : "",
        v.risk_before !== v.risk_after ? [" · ", t("status_to", { a: label("risk", v.risk_before), b: label("risk", v.risk_after) })] : "",
        h("div", { class: "pre" }, v.note)))) : [h("li", { class: "muted" }, t("hd_no_visits"))]));
    renderActions(d);
  }

  function renderActions(d) {
    const buttons = [];
    if (HiddenDangers.mayVisit(d) && d.visitable) {
      buttons.push(h("button", { type: "button", class: "primary", onclick: () => visitForm(d) }, t("hd_visit")));
    }
    for (const [action, role] of (Client.transitions.hidden_danger[d.status] || [])) {
      if (role !== user().role) continue;
      buttons.push(h("button", { type: "button", class: action === "promote" ? "danger" : "",
        onclick: () => (action === "promote" ? promoteForm(d) : transitionForm(d, action)) }, label("hidden_danger_action", action)));
    }
    document.getElementById("hd-actions").replaceChildren(...buttons);
  }
  const user = () => State.user || {};

  function visitForm(d) {
    return openForm({ title: `${t("hd_visit")} · ${d.ref}`, done: t("hd_visited"),
      fields: [{ name: "note", label: t("f_visit_note"), type: "textarea", required: true },
               { name: "risk", label: t("f_risk_after"), type: "select", options: optionsOf("risk"), value: d.risk, required: true }],
      onSubmit: async (values) => {
        const visit = await Api.post(`/api/hidden-dangers/${d.id}/visits`, values);
        if (!visits.some((v) => v.id === visit.id)) visits = [...visits, visit];
        render();
        return visit;
      } });
  }

  function transitionForm(d, action) {
    return openForm({ title: `${label("hidden_danger_action", action)} · ${d.ref}`,
      fields: [{ name: "note", label: t("note"), type: "textarea" }],
      onSubmit: async (values) => {
        const danger = await Api.post(`/api/hidden-dangers/${d.id}/transitions`, { action, ...values });
        HiddenDangers.Store.set(danger);
        return danger;
      } });
  }

  // The incident's registration form, filled in from the hidden danger.
  function promoteForm(d) {
    const fields = [
      { name: "kind", label: t("f_kind"), type: "select", options: optionsOf("kind"), value: "petition", required: true },
      { name: "title", label: t("f_title"), required: true, value: d.title },
      { name: "category", label: t("f_category"), type: "select", options: optionsOf("category"), value: d.category, required: true },
      { name: "location", label: t("f_location"), required: true, value: d.location },
      { name: "headcount", label: t("f_headcount"), type: "number", min: 1, required: true, value: Math.max(1, d.people_affected || 1) },
      { name: "level", label: t("f_level"), type: "select", options: optionsOf("level", "level_long"), value: "III", required: true },
      { name: "demands", label: t("f_demands"), type: "textarea", value: d.description, keepEmpty: true },
      { name: "occurred_at", label: t("f_occurred_at"), type: "datetime", value: Time.local(new Date()), required: true },
    ];
    return openForm({ title: `${label("hidden_danger_action", "promote")} · ${d.ref}`, fields, danger: true,
      submitLabel: t("register"),
      onSubmit: async (values) => {
        if (!values.demands) values.demands = "";
        const incident = await Api.post(`/api/hidden-dangers/${d.id}/promote`, values);
        window.location = `/incidents/${incident.id}`;
        return incident;
      } });
  }

  HiddenDangers.Store.onChange((danger, event) => {
    if (danger.id !== id) return;
    const visit = event && event.data && event.data.visit;
    if (visit && !visits.some((v) => v.id === visit.id)) visits = [...visits, visit];
    render();
  });
  render();
})();
