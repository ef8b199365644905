// The command board: active incidents, most severe first, kept live; filters and keyboard shortcuts.
"use strict";

(() => {
  const body = document.querySelector("#board tbody");
  const empty = document.getElementById("board-empty");
  const summaryBox = document.getElementById("board-summary");
  const filters = {
    q: document.getElementById("filter-q"), status: document.getElementById("filter-status"),
    level: document.getElementById("filter-level"), category: document.getElementById("filter-category"),
    unit: document.getElementById("filter-unit"),
  };
  // Within a level: the ones nobody is handling yet come first.
  const STATUS_ORDER = { reported: 0, responding: 1, contained: 2, resolved: 3, closed: 4 };
  const LEVEL_RANK = { I: 0, II: 1, III: 2, IV: 3 };
  const fetchedStatuses = new Set();

  function matches(incident, counts) {
    const status = filters.status.value;
    if (status === "active" ? !Rules.isOnBoard(incident, counts) : incident.status !== status) return false;
    if (filters.level.value && incident.level !== filters.level.value) return false;
    if (filters.category.value && incident.category !== filters.category.value) return false;
    if (filters.unit.value && !(counts && counts.units.has(Number(filters.unit.value)))) return false;
    const q = filters.q.value.trim().toLowerCase();
    if (q && ![incident.ref, incident.title, incident.location, incident.demands, label("category", incident.category)]
      .some((text) => (text || "").toLowerCase().includes(q))) return false;
    return true;
  }

  function order(a, b, summary) {
    const ca = summary.get(a.id) || {}, cb = summary.get(b.id) || {};
    return LEVEL_RANK[a.level] - LEVEL_RANK[b.level]
      || STATUS_ORDER[a.status] - STATUS_ORDER[b.status]
      || (cb.overdue || 0) - (ca.overdue || 0)
      || Date.parse(b.occurred_at) - Date.parse(a.occurred_at);
  }

  function countCell(counts) {
    const cell = h("td", { class: "counts" });
    if (!counts || !counts.open) { cell.append(h("span", { class: "muted" }, "—")); return cell; }
    cell.append(h("span", { class: "count" }, t("n_open", { n: counts.open })));
    if (counts.overdue) cell.append(" ", h("span", { class: "count overdue-pill" }, t("n_overdue", { n: counts.overdue })));
    if (counts.escalated) cell.append(" ", h("span", { class: "count escalated-pill" }, t("escalated")));
    return cell;
  }

  // Who has not acknowledged a leader's instruction yet, by name (the first few, then how many more).
  function unackCell(counts) {
    if (!counts || !counts.unack) return h("td", {}, h("span", { class: "muted" }, "—"));
    const names = [...counts.waiting].map(Units.name);
    const shown = names.slice(0, 3).join("、") + (names.length > 3 ? ` +${names.length - 3}` : "");
    return h("td", { class: "unack" }, h("span", { class: "count unack-pill" }, t("n_unack", { n: counts.unack })),
      h("div", { class: "sub", title: names.join("、") }, shown));
  }

  function row(incident, counts) {
    const open = () => { window.location = `/incidents/${incident.id}`; };
    const tr = h("tr", { tabindex: 0, class: `lvl-${incident.level}`, dataset: { id: incident.id },
      onkeydown: (event) => { if (event.key === "Enter" && event.target === tr) open(); },
      ondblclick: open });
    tr.append(
      h("td", {}, levelBadge(incident.level)),
      h("td", { class: "what" },
        h("a", { href: `/incidents/${incident.id}`, class: "title" }, incident.title),
        h("div", { class: "sub" }, h("span", { class: "ref" }, incident.ref), " · ", label("kind", incident.kind), " · ",
          label("category", incident.category), " · ", incident.location)),
      h("td", {}, statusBadge(incident.status)),
      h("td", { class: "num" }, h("strong", {}, incident.headcount), h("span", { class: "muted" }, ` (${incident.peak_headcount})`)),
      h("td", { class: "age", "data-age": incident.occurred_at }, Time.age(incident.occurred_at)),
      countCell(counts),
      unackCell(counts),
    );
    if (IncidentForms.canCommand) {
      tr.append(h("td", { class: "row-actions" },
        h("button", { type: "button", class: "small", onclick: () => IncidentForms.edit(Store.incidents.get(incident.id)) }, t("edit")),
        h("button", { type: "button", class: "small", onclick: () => IncidentForms.changeStatus(Store.incidents.get(incident.id)) }, t("status"))));
    }
    return tr;
  }

  // A row is rebuilt only when what it shows has changed; otherwise the same node is moved into place.
  const rows = new Map();
  function cachedRow(incident, counts) {
    const key = `${incident.version}|${incident.status}|${incident.level}|${incident.headcount}|${counts ? `${counts.open}|${counts.overdue}|${counts.escalated}|${counts.unack}|${[...counts.waiting]}` : ""}`;
    const cached = rows.get(incident.id);
    if (cached && cached.key === key) return cached.node;
    const node = row(incident, counts);
    rows.set(incident.id, { key, node });
    return node;
  }

  // Put the rows in order with the fewest moves: a new incident is one insertion, not a rebuild.
  function place(wanted) {
    let current = body.firstChild;
    for (const node of wanted) {
      if (node === current) { current = current.nextSibling; continue; }
      body.insertBefore(node, current);
    }
    while (current) { const next = current.nextSibling; current.remove(); current = next; }
  }

  function renderSummary(shown, summary) {
    const byLevel = { I: 0, II: 0, III: 0, IV: 0 };
    let people = 0, overdue = 0, unack = 0;
    for (const incident of shown) {
      byLevel[incident.level] += 1;
      people += incident.headcount || 0;
      const c = summary.get(incident.id);
      if (c) { overdue += c.overdue; unack += c.unack; }
    }
    summaryBox.replaceChildren(
      ...Object.entries(byLevel).map(([level, n]) => h("button", { type: "button", class: `chip lvl-chip-${level}`,
        "aria-pressed": String(filters.level.value === level),
        onclick: () => { filters.level.value = filters.level.value === level ? "" : level; filtersChanged(); } }, `${label("level", level)} ${n}`)),
      h("span", { class: "chip" }, `${t("total_people")} ${people}`),
      h("span", { class: `chip ${overdue ? "chip-alert" : ""}` }, t("n_overdue", { n: overdue })),
      h("span", { class: `chip ${unack ? "chip-warn" : ""}` }, t("n_unack", { n: unack })));
  }

  function render(changedId) {
    const started = performance.now();
    const focusedId = document.activeElement && document.activeElement.closest && document.activeElement.closest("tr[data-id]")
      ? document.activeElement.closest("tr[data-id]").dataset.id : null;
    const focusWasRow = focusedId && document.activeElement.matches("tr");
    const summary = Store.summary();
    const shown = [...Store.incidents.values()].filter((i) => matches(i, summary.get(i.id)))
      .sort((a, b) => order(a, b, summary));
    place(shown.map((incident) => cachedRow(incident, summary.get(incident.id))));
    empty.hidden = shown.length > 0;
    renderSummary(shown, summary);
    if (focusedId && focusWasRow) {
      const again = body.querySelector(`tr[data-id="${focusedId}"]`);
      if (again) again.focus({ preventScroll: true });
    }
    if (changedId) highlight(body.querySelector(`tr[data-id="${changedId}"]`));
    performance.measure("board-render", { start: started });  // read by bench/board_load.py
  }

  let pendingChange = null;
  let scheduled = false;
  // Many events in one burst (a catch-up) redraw once.
  function schedule(changedId) {
    if (changedId) pendingChange = changedId;
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => { scheduled = false; const id = pendingChange; pendingChange = null; render(id); });
  }

  // The filters live in the address, so a reload or a shared link shows the same board.
  function filtersChanged() {
    const query = new URLSearchParams();
    for (const [name, control] of Object.entries(filters)) {
      if (control.value && !(name === "status" && control.value === "active")) query.set(name, control.value);
    }
    history.replaceState(null, "", `${location.pathname}${query.toString() ? `?${query}` : ""}`);
    exportLink();
    schedule();
  }
  // The export takes the same filters as the board shows.
  function exportLink() {
    const link = document.getElementById("export");
    if (!link) return;
    const query = new URLSearchParams();
    for (const [name, control] of Object.entries(filters)) {
      if (control.value) query.set(name === "unit" ? "unit_id" : name, control.value);
    }
    link.href = `/api/incidents/export.xlsx?${query}`;
  }
  for (const [name, value] of new URLSearchParams(location.search)) {
    if (filters[name] && [...(filters[name].options || [{ value }])].some((o) => o.value === value)) filters[name].value = value;
  }

  exportLink();
  Store.onChange((what) => schedule(what.incidentId));
  for (const control of Object.values(filters)) control.addEventListener("input", filtersChanged);
  // Settled incidents are not in the page's starting state: fetched when asked for.
  async function loadStatus() {
    const status = filters.status.value;
    if (status === "active" || Rules.isActive({ status }) || fetchedStatuses.has(status)) return;
    const page = await Api.get(`/api/incidents?status=${status}&limit=200`).catch((e) => { flash(explain(e)); return null; });
    if (!page) return;
    fetchedStatuses.add(status);
    for (const incident of page.items) if (!Store.incidents.has(incident.id)) Store.incidents.set(incident.id, incident);
    schedule();
  }
  filters.status.addEventListener("change", loadStatus);
  // Overdue counts change with the clock, not only with events.
  let minute = new Date().getMinutes();
  Ticker.every(() => { if (new Date().getMinutes() !== minute) { minute = new Date().getMinutes(); schedule(); } });

  // ---- keyboard: / search, n new incident, j/k move, e edit, s status ----
  function move(step) {
    const rows = [...body.querySelectorAll("tr")];
    if (!rows.length) return;
    const current = rows.indexOf(document.activeElement.closest ? document.activeElement.closest("tr") : null);
    const next = rows[current < 0 ? 0 : Math.max(0, Math.min(rows.length - 1, current + step))];
    next.focus();
  }
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    const typing = event.target.matches("input, textarea, select");
    if (typing) {
      // Escape leaves the field with the filter kept; Enter or ↓ in the search goes to the first match.
      if (event.key === "Escape") { event.preventDefault(); event.target.blur(); }
      if (event.target === filters.q && (event.key === "Enter" || event.key === "ArrowDown")) { event.preventDefault(); move(0); }
      return;
    }
    const focusedRow = document.activeElement.closest ? document.activeElement.closest("tr[data-id]") : null;
    const focused = focusedRow ? Store.incidents.get(Number(focusedRow.dataset.id)) : null;
    const keys = {
      "/": () => filters.q.focus(),
      n: () => IncidentForms.canCommand && IncidentForms.register(),
      j: () => move(1), k: () => move(-1),
      e: () => focused && IncidentForms.canCommand && IncidentForms.edit(focused),
      s: () => focused && IncidentForms.canCommand && IncidentForms.changeStatus(focused),
    };
    if (keys[event.key]) { event.preventDefault(); keys[event.key](); }
  });
  const create = document.getElementById("new-incident");
  if (create) create.addEventListener("click", () => IncidentForms.register());

  render();
  performance.mark("board-rendered");
  loadStatus();
})();
