// The leaders' screen: the whole situation at a glance, redrawn live, no clicks needed.
"use strict";

(() => {
  const LEVELS = ["I", "II", "III", "IV"];
  const shownIncidents = (summary) => [...Store.incidents.values()].filter((i) => Rules.isOnBoard(i, summary.get(i.id)));

  function tile(value, caption, tone) {
    return h("div", { class: `panel tile ${tone || ""}` }, h("div", { class: "big" }, value), h("div", { class: "muted" }, caption));
  }

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

    document.getElementById("wall-incidents").replaceChildren(...LEVELS.flatMap((level) => {
      const here = incidents.filter((i) => i.level === level).sort((a, b) => b.headcount - a.headcount);
      if (!here.length) return [];
      // The most severe levels and the largest crowds first: what does not fit is counted by fit() below.
      return [h("h3", {}, `${label("level_long", level)} · ${here.length}`), ...here.map((i) => {
        const c = summary.get(i.id) || {};
        return h("div", { class: `wall-incident ${String(i.id) === chosen ? "selected" : ""}`, dataset: { id: i.id },
          tabindex: choice ? "0" : null, onclick: () => pick(i.id), onfocus: () => pick(i.id) }, levelBadge(i.level),
          h("div", {}, h("div", {}, i.title), h("div", { class: "sub" }, `${i.ref} · ${i.location} · `, statusBadge(i.status), " ", h("span", { "data-age": i.occurred_at }, Time.age(i.occurred_at)))),
          h("div", { class: "num" }, h("strong", { class: "big-num" }, i.headcount), h("div", { class: "sub" }, t("peak", { n: i.peak_headcount })),
            c.overdue ? h("div", { class: "overdue-pill" }, t("n_overdue", { n: c.overdue })) : null));
      })];
    }));
    if (!incidents.length) document.getElementById("wall-incidents").append(h("p", { class: "muted" }, t("no_incidents")));

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
      : [h("li", { class: "muted" }, t("none"))]));

    document.getElementById("wall-unacked").replaceChildren(...(pending.length ? pending.sort((a, b) => a.id - b.id).map((x) => {
      return h("li", { dataset: { instructionId: x.id } }, incidentLine(x.incident_id),
        h("div", { class: "sub" }, `${Time.at(x.issued_at)} · `, h("span", { "data-age": x.issued_at }, Time.age(x.issued_at))),
        h("div", { class: "instruction-text" }, x.text), InstructionView.ackChips({ ...x, addressees: Store.unacknowledged(x) }));
    }) : [h("li", { class: "muted" }, t("all_acknowledged"))]));
    fillIncidentChoice(incidents);
    fit(document.getElementById("wall-incidents"), ".wall-incident", "and_more");
    fit(document.getElementById("wall-escalations"), "li", "more_items");
    fit(document.getElementById("wall-unacked"), "li", "more_items");
  }

  // Which incident an escalation or an instruction belongs to, by its level and title.
  function incidentLine(incidentId) {
    const incident = Store.incidents.get(incidentId);
    if (!incident) return null;
    return h("div", { class: "wall-incident-name" }, levelBadge(incident.level), " ", incident.title,
      h("span", { class: "sub" }, ` ${incident.ref}`));
  }

  // A wall has no scroll bar anyone will use: what does not fit its panel is counted, not cut off.
  function fit(list, selector, words) {
    const panel = list.closest(".panel");
    const items = [...list.querySelectorAll(selector)];
    const more = h("p", { class: "muted more", hidden: true });
    list.append(more);
    let hidden = 0;
    while (panel.scrollHeight > panel.clientHeight + 1 && hidden < items.length) {
      hidden += 1;
      items[items.length - hidden].hidden = true;
      more.hidden = false;
      more.textContent = t(words, { n: hidden });
    }
  }

  // The instruction form starts on the incident the leader looks at (clicked or focused on the wall, or
  // ?incident= from another page), never on whichever comes first in the list.
  const choice = document.getElementById("instruction-incident");
  let chosen = new URLSearchParams(location.search).get("incident") || "";
  function fillIncidentChoice(incidents) {
    if (!choice) return;
    choice.replaceChildren(h("option", { value: "" }, t("choose_on_wall")),
      ...incidents.sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.id - b.id)
        .map((i) => h("option", { value: i.id }, `${label("level", i.level)} · ${i.ref} ${i.title}`)));
    choice.value = incidents.some((i) => String(i.id) === chosen) ? chosen : "";
  }
  function pick(incidentId) {
    if (!choice) return;
    chosen = String(incidentId);
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
    try {
      await Api.post(`/api/incidents/${choice.value}/instructions`, { text: text.value.trim() });
      text.value = "";
      text.removeAttribute("aria-invalid");
      flash(t("instruction_issued"), "ok");
    } catch (e) { error.textContent = explain(e); }
  });

  // A newly published situation report: a notice naming the incident and the kind, linking to the report. It
  // stays NOTICE_MINUTES, then gives its row back to the columns (the wall needs no clicks).
  const NOTICE_MINUTES = 15;
  const reportNotices = document.getElementById("wall-reports");
  let latestReports = [];
  function drawNotices() {
    latestReports = latestReports.filter((r) => Date.now() - r.shownAt < NOTICE_MINUTES * 60000);
    reportNotices.replaceChildren(...latestReports.map(({ report: r, ref, title, at }) =>
      h("a", { class: "wall-report", href: r.page_url, dataset: { reportId: r.id } },
        h("strong", {}, t("new_report")), " · ", h("span", { class: "wall-report-kind" }, `${label("report_kind", r.kind)} ${t("report_no", { n: r.number })}`),
        " · ", h("span", {}, `${ref || ""} ${title || ""}`), h("span", { class: "sub" }, ` · ${Time.at(at)}`))));
    const wasHidden = reportNotices.hidden;
    reportNotices.hidden = !latestReports.length;
    if (wasHidden !== reportNotices.hidden) render();  // the columns' height changed: what fits is counted again
  }
  Live.on((event) => {
    if (event.type !== "report.published" || !reportNotices) return;
    const data = event.data || {};
    const report = data.report;
    if (!report || latestReports.some((r) => r.report.id === report.id)) return;
    latestReports.unshift({ report, ref: data.incident_ref, title: data.incident_title, at: event.at, shownAt: Date.now() });
    latestReports.splice(3);
    drawNotices();
  });
  const expired = () => latestReports.some((r) => Date.now() - r.shownAt >= NOTICE_MINUTES * 60000);
  if (reportNotices) Ticker.every(() => { if (expired()) drawNotices(); });

  let scheduled = false;
  Store.onChange(() => { if (!scheduled) { scheduled = true; requestAnimationFrame(() => { scheduled = false; render(); }); } });
  let minute = new Date().getMinutes();
  Ticker.every(() => { if (new Date().getMinutes() !== minute) { minute = new Date().getMinutes(); render(); } });
  render();
})();
