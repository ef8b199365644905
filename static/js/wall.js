// The leaders' screen: the whole situation at a glance, redrawn live, no clicks needed. Nothing is hidden: what does
// not fit a panel is shown in turns (DISPATCH_WALL_TURN_SECONDS each) with its page counter, so every incident on
// the board, escalation, unacknowledged instruction and high-risk hidden danger is on screen within one turn.
"use strict";

(() => {
  const LEVELS = ["I", "II", "III", "IV"];
  const shownIncidents = (summary) => [...Store.incidents.values()].filter((i) => Rules.isOnBoard(i, summary.get(i.id)));
  const highRisk = (d) => d.status === "open" && d.risk === "high";
  const dangers = new Map((State.hidden_dangers || []).filter(highRisk).map((d) => [d.id, d]));

  function tile(value, caption, tone) {
    return h("div", { class: `panel tile ${tone || ""}` }, h("div", { class: "big" }, value), h("div", { class: "muted" }, caption));
  }
  const none = (text) => [h("li", { class: "muted" }, text)];

  function render() {
    const summary = Store.summary();
    const incidents = shownIncidents(summary);
    const shownIds = new Set(incidents.map((i) => i.id));
    const openTasks = [...Store.tasks.values()].filter((task) => Store.isOpen(task) && shownIds.has(task.incident_id));
    const overdue = openTasks.filter(Store.isOverdue);
    const pending = [...Store.instructions.values()].filter((x) => shownIds.has(x.incident_id) && Store.unacknowledged(x).length);
    document.getElementById("wall-tiles").replaceChildren(
      tile(incidents.filter(Rules.isActive).length, t("active")),
      tile(incidents.reduce((sum, i) => sum + (i.headcount || 0), 0), t("total_people")),
      tile(overdue.length, t("overdue"), overdue.length ? "tile-alert" : ""),
      tile(pending.reduce((sum, x) => sum + Store.unacknowledged(x).length, 0), t("unacked_instructions"), pending.length ? "tile-warn" : ""));

    // the most severe levels and the largest crowds first; each row names its level
    const ordered = incidents.slice().sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || b.headcount - a.headcount);
    document.getElementById("wall-incidents").replaceChildren(...(ordered.length ? ordered.map((i) => {
      const c = summary.get(i.id) || {};
      return h("div", { class: `wall-incident lvl-${i.level} ${String(i.id) === chosen ? "selected" : ""} ${c.escalated ? "escalated" : ""}`,
        dataset: { id: i.id }, tabindex: choice ? "0" : null, onclick: () => pick(i.id), onfocus: () => pick(i.id) }, levelBadge(i.level),
        h("div", {}, h("div", {}, i.title), h("div", { class: "sub" }, `${i.ref} · ${i.location} · `, statusBadge(i.status), " ", h("span", { "data-age": i.occurred_at }, Time.age(i.occurred_at)))),
        h("div", { class: "num" }, h("strong", { class: "big-num" }, i.headcount), h("div", { class: "sub" }, t("peak", { n: i.peak_headcount })),
          c.overdue ? h("div", { class: "overdue-pill" }, t("n_overdue", { n: c.overdue })) : null));
    }) : [h("p", { class: "muted" }, t("no_incidents"))]));

    const byUnit = new Map();
    for (const task of overdue) byUnit.set(task.unit_id, (byUnit.get(task.unit_id) || 0) + 1);
    const most = Math.max(1, ...byUnit.values());
    document.getElementById("wall-overdue").replaceChildren(...(byUnit.size ? [...byUnit.entries()].sort((a, b) => b[1] - a[1]).map(([unit, n]) =>
      h("div", { class: "bar-row", dataset: { unitId: unit } }, h("span", {}, Units.name(unit)),
        h("div", { class: "bar-track" }, h("div", { class: "bar", style: { width: `${(n / most) * 100}%` } })), h("strong", { class: "num" }, n)))
      : [h("p", { class: "muted" }, t("none"))]));

    const escalated = openTasks.filter(Rules.isEscalated).sort((a, b) => b.id - a.id);  // the newest first
    document.getElementById("wall-escalations").replaceChildren(...(escalated.length ? escalated.map((task) =>
      h("li", { dataset: { taskId: task.id } }, incidentLine(task.incident_id), h("div", { class: "wall-item-title" }, task.title),
        h("div", { class: "sub" }, `${Units.name(task.unit_id)} · ${t("notices", { n: task.supervision_count })} · `, deadline(task.due_at, task))))
      : none(t("none"))));

    document.getElementById("wall-unacked").replaceChildren(...(pending.length ? pending.sort((a, b) => a.id - b.id).map((x) =>
      h("li", { dataset: { instructionId: x.id } }, incidentLine(x.incident_id),
        h("div", { class: "sub" }, `${Time.at(x.issued_at)} · `, h("span", { "data-age": x.issued_at }, Time.age(x.issued_at))),
        h("div", { class: "instruction-text" }, x.text), InstructionView.ackChips({ ...x, addressees: Store.unacknowledged(x) })))
      : none(t("all_acknowledged"))));

    document.getElementById("wall-dangers").replaceChildren(...(dangers.size ? [...dangers.values()].sort((a, b) => b.id - a.id).map((d) =>
      h("li", { dataset: { hiddenDangerId: d.id } }, h("div", { class: "wall-item-title" }, h("span", { class: "risk risk-high" }, label("risk", d.risk)), " ", d.title),
        h("div", { class: "sub" }, `${d.ref} · ${d.location} · ${Units.name(d.unit_id)} · `, t("hd_people", { n: d.people_affected }))))
      : none(t("hd_none_high"))));
    fillIncidentChoice(incidents);
    Turns.layout();
  }

  // Which incident an escalation or an instruction belongs to, by its level and title.
  function incidentLine(incidentId) {
    const incident = Store.incidents.get(incidentId);
    if (!incident) return null;
    return h("div", { class: "wall-incident-name" }, levelBadge(incident.level), " ", incident.title,
      h("span", { class: "sub" }, ` ${incident.ref}`));
  }

  // Each list shows the items that fit its panel; the rest come in the next pages, one page a turn, the counter
  // ("2 / 3") beside the panel's title. A redraw keeps the page the list is on.
  const Turns = (() => {
    const seconds = Number((Client.map || {}).turn_seconds) || 15;
    const lists = [...document.querySelectorAll(".wall-list[data-turn]")];
    const at = new Map(lists.map((list) => [list.id, 0]));
    const pagesOf = new Map();

    function paginate(list) {
      const items = [...list.children];
      items.forEach((item) => { item.hidden = false; });
      const room = list.clientHeight;
      const pages = [];
      let start = null;
      for (const item of items) {
        const bottom = item.offsetTop + item.offsetHeight;
        if (start === null || (bottom - start > room && pages[pages.length - 1].length)) {
          pages.push([]);
          start = item.offsetTop;
        }
        pages[pages.length - 1].push(item);
      }
      return pages.length ? pages : [[]];
    }
    function show(list) {
      const pages = pagesOf.get(list.id);
      const page = Math.min(at.get(list.id), pages.length - 1);
      at.set(list.id, page);
      pages.forEach((items, index) => items.forEach((item) => { item.hidden = index !== page; }));
      list.dataset.page = String(page + 1);
      list.dataset.pages = String(pages.length);
      const counter = document.getElementById(list.dataset.turn);
      counter.hidden = pages.length < 2;
      counter.textContent = `${page + 1} / ${pages.length}`;
      counter.setAttribute("aria-label", t("turn_page", { k: page + 1, n: pages.length }));
    }
    function layout() {
      for (const list of lists) { pagesOf.set(list.id, paginate(list)); show(list); }
    }
    function turn() {
      for (const list of lists) {
        const pages = pagesOf.get(list.id) || [[]];
        if (pages.length < 2) continue;
        at.set(list.id, (at.get(list.id) + 1) % pages.length);
        show(list);
      }
    }
    setInterval(turn, seconds * 1000);
    window.addEventListener("resize", () => layout());
    return { layout };
  })();

  // The instruction form starts on the incident the leader looks at (clicked or focused on the wall, or
  // ?incident= from another page), never on whichever comes first in the list; the addressees proposed are those
  // the incident page proposes, and the leader may change them.
  const choice = document.getElementById("instruction-incident");
  const unitsBox = document.getElementById("instruction-units");
  let chosen = new URLSearchParams(location.search).get("incident") || "";
  let proposed = new Set();
  function fillIncidentChoice(incidents) {
    if (!choice) return;
    choice.replaceChildren(h("option", { value: "" }, t("choose_on_wall")),
      ...incidents.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.id - b.id)
        .map((i) => h("option", { value: i.id }, `${label("level", i.level)} · ${i.ref} ${i.title}`)));
    choice.value = incidents.some((i) => String(i.id) === chosen) ? chosen : "";
  }
  function proposeAddressees() {
    if (!unitsBox) return;
    proposed = chosen ? InstructionView.proposedAddressees(Number(chosen)) : new Set();
    unitsBox.replaceChildren(...Units.options().map(([id, name]) => h("label", {},
      h("input", { type: "checkbox", name: "unit_ids", value: id, checked: proposed.has(id) || null, onchange: nameAddressees }), name)));
    nameAddressees();
  }
  // the chosen units named in the closed summary: the leader sees who is asked without opening it
  function nameAddressees() {
    const named = document.getElementById("instruction-units-named");
    const ticked = [...unitsBox.querySelectorAll("input:checked")].map((input) => Units.name(Number(input.value)));
    named.textContent = ticked.length ? ticked.join("、") : t("choose_on_wall");
  }
  function pick(incidentId) {
    if (!choice) return;
    if (String(incidentId) !== chosen) { chosen = String(incidentId); proposeAddressees(); }
    choice.value = chosen;
    document.querySelectorAll(".wall-incident").forEach((node) => node.classList.toggle("selected", node.dataset.id === chosen));
  }
  if (choice) choice.addEventListener("change", () => pick(choice.value));
  const form = document.getElementById("instruction-form");
  if (form) form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const text = document.getElementById("instruction-text");
    const error = document.getElementById("instruction-error");
    error.textContent = "";
    if (!text.value.trim() || !choice.value) { error.textContent = t("error_invalid"); text.setAttribute("aria-invalid", "true"); return; }
    const ticked = [...unitsBox.querySelectorAll("input:checked")].map((input) => Number(input.value));
    const unitIds = InstructionView.chosenAddressees(ticked, proposed);
    try {
      await Api.post(`/api/incidents/${choice.value}/instructions`, { text: text.value.trim(), ...(unitIds ? { unit_ids: unitIds } : {}) });
      text.value = "";
      text.removeAttribute("aria-invalid");
      flash(t("instruction_issued"), "ok");
    } catch (e) { error.textContent = explain(e); }
  });

  // The latest situation report is shown whenever the wall is opened (the server names it); a newly published one
  // joins it live. Older notices give their row back after NOTICE_MINUTES.
  const NOTICE_MINUTES = 15;
  const reportNotices = document.getElementById("wall-reports");
  let latestReports = State.latest_report ? [{ ...State.latest_report, shownAt: Date.now() }] : [];
  function drawNotices() {
    latestReports = latestReports.filter((r, index) => index === 0 || Date.now() - r.shownAt < NOTICE_MINUTES * 60000);
    reportNotices.replaceChildren(...latestReports.map(({ report: r, ref, title, at }) =>
      h("a", { class: "wall-report", href: r.page_url, dataset: { reportId: r.id } },
        h("strong", {}, t("new_report")), " · ", h("span", { class: "wall-report-kind" }, `${label("report_kind", r.kind)} ${t("report_no", { n: r.number })}`),
        " · ", h("span", {}, `${ref || ""} ${title || ""}`), h("span", { class: "sub" }, ` · ${Time.at(at)}`))));
    const wasHidden = reportNotices.hidden;
    reportNotices.hidden = !latestReports.length;
    if (wasHidden !== reportNotices.hidden) render();  // the columns' height changed: the pages are counted again
  }
  Live.on((event) => {
    const data = event.data || {};
    const d = data.hidden_danger;
    if (event.type.startsWith("hidden_danger.") && d) {
      if (highRisk(d)) dangers.set(d.id, d); else dangers.delete(d.id);
      schedule();
    }
    if (event.type !== "report.published" || !reportNotices) return;
    const report = data.report;
    if (!report || latestReports.some((r) => r.report.id === report.id)) return;
    latestReports.unshift({ report, ref: data.incident_ref, title: data.incident_title, at: event.at, shownAt: Date.now() });
    latestReports.splice(3);
    drawNotices();
  });
  const expired = () => latestReports.some((r, index) => index > 0 && Date.now() - r.shownAt >= NOTICE_MINUTES * 60000);
  if (reportNotices) Ticker.every(() => { if (expired()) drawNotices(); });

  let scheduled = false;
  function schedule() { if (!scheduled) { scheduled = true; requestAnimationFrame(() => { scheduled = false; render(); }); } }
  Store.onChange(schedule);
  let minute = new Date().getMinutes();
  Ticker.every(() => { if (new Date().getMinutes() !== minute) { minute = new Date().getMinutes(); render(); } });
  proposeAddressees();
  render();
  if (reportNotices) drawNotices();
})();
