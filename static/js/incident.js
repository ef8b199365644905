// One incident: details, headcount, tasks by unit, representatives, instructions and the live timeline.
"use strict";

(() => {
  const me = State.user;
  const id = State.incident.id;
  let incident = State.incident;
  let representatives = State.representatives || [];
  const timeline = [...(State.timeline || [])];
  const seen = new Set(timeline.map((e) => e.seq));
  Store.incidents.set(id, incident);
  Live.watch(id);

  function head() {
    const box = document.getElementById("incident-head");
    const buttons = [];
    if (Client.may.edit_incident) {
      buttons.push(h("button", { type: "button", id: "edit-incident", onclick: () => IncidentForms.edit(incident) }, t("edit_incident")));
      buttons.push(h("button", { type: "button", id: "change-status", onclick: () => IncidentForms.changeStatus(incident) }, t("change_status")));
    }
    if (TaskView.mayReportHeadcount(id)) buttons.push(TaskView.headcountButton(incident));
    box.replaceChildren(levelBadge(incident.level), h("span", { class: "ref" }, incident.ref),
      h("h1", {}, incident.title), statusBadge(incident.status),
      h("span", { class: "muted" }, `${label("kind", incident.kind)} · ${label("category", incident.category)}`),
      h("span", { class: "spacer" }), ...buttons);
  }

  function facts() {
    const rows = [
      [t("f_location"), incident.location],
      [t("f_occurred_at"), h("span", {}, Time.at(incident.occurred_at), " · ", h("span", { "data-age": incident.occurred_at }, Time.age(incident.occurred_at)))],
      [t("f_headcount"), h("span", {}, h("strong", {}, incident.headcount), " ", h("span", { class: "muted" }, t("peak", { n: incident.peak_headcount })))],
      [t("f_level"), label("level_long", incident.level)],
      [t("f_demands"), h("div", { class: "demands" }, incident.demands || "—")],
    ];
    if (incident.repeat_of) {
      const earlier = representatives.flatMap((rep) => rep.earlier_incidents || []).find((other) => other.id === incident.repeat_of);
      rows.push([t("repeat_of"), h("a", { href: `/incidents/${incident.repeat_of}` }, earlier ? `${earlier.ref} ${earlier.title}` : `#${incident.repeat_of}`)]);
    }
    if (incident.hidden_danger_id) rows.push([t("hd_from"), h("a", { href: `/hidden-dangers/${incident.hidden_danger_id}` }, `#${incident.hidden_danger_id}`)]);
    document.getElementById("facts").replaceChildren(...rows.flatMap(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
    const history = incident.headcount_history || [];
    const peak = Math.max(1, ...history.map((e) => e.headcount));
    document.getElementById("headcount-history").replaceChildren(
      h("div", { class: "hc-bars", role: "img", "aria-label": history.map((e) => `${Time.at(e.at)} ${e.headcount}`).join(", ") },
        history.map((e) => h("div", { class: `hc-bar ${e.headcount === peak ? "peak" : ""}`, style: { height: `${Math.max(4, (e.headcount / peak) * 100)}%` },
          title: `${Time.at(e.at)} · ${e.headcount}` }))),
      h("div", { class: "sub" }, history.map((e) => `${Time.at(e.at)} ${e.headcount}`).join(" → ")));
  }

  function tasks() {
    const all = Store.tasksOf(id).sort(TaskView.byUrgency);
    const byUnit = new Map();
    for (const task of all) (byUnit.get(task.unit_id) || byUnit.set(task.unit_id, []).get(task.unit_id)).push(task);
    const box = document.getElementById("tasks");
    if (!all.length) { box.replaceChildren(h("p", { class: "muted" }, t("no_tasks"))); return; }
    box.replaceChildren(...[...byUnit.entries()].map(([unitId, list]) => h("div", { class: "unit-group", dataset: { unitId } },
      h("h3", {}, Units.name(unitId)), h("ul", { class: "plain" }, list.map((task) => TaskView.render(task))))));
  }

  async function reveal(rep) {
    openForm({ title: `${t("reveal")} · ${rep.name}`, submitLabel: t("reveal"),
      fields: [{ name: "reason", label: t("reveal_reason"), type: "textarea", required: true }],
      onSubmit: async (values) => {
        const full = await Api.post(`/api/persons/${rep.person_id}/reveal`, { ...values, incident_id: id });
        const row = document.querySelector(`[data-rep-id="${rep.id}"] .numbers`);
        if (row) {
          row.replaceChildren(h("strong", { class: "masked revealed" }, full.id_number), full.phone ? ` · ${full.phone}` : "",
            h("span", { class: "sub" }, ` ${t("revealed_for")}`));
          setTimeout(() => { representativesView(); }, 60000);  // full numbers do not stay on screen
        }
      } });
  }

  // How many of the cap (the app's MAX_REPRESENTATIVES) are used: command sees it before recording one more.
  function representativesUsed() {
    const used = document.getElementById("reps-used");
    if (!used) return;
    const max = Client.max_representatives;
    used.textContent = t("reps_used", { n: representatives.length, max });
    used.classList.toggle("repeat", representatives.length >= max);
    const add = document.getElementById("add-representative");
    if (add) add.disabled = representatives.length >= max;
  }

  function representativesView() {
    representativesUsed();
    const list = document.getElementById("representatives");
    if (!representatives.length) { list.replaceChildren(h("li", { class: "muted" }, t("none"))); return; }
    list.replaceChildren(...representatives.map((rep) => h("li", { dataset: { repId: rep.id } },
      h("strong", {}, rep.name), rep.note ? h("span", { class: "muted" }, ` · ${rep.note}`) : null,
      h("div", { class: "numbers" }, h("span", { class: "masked" }, rep.id_number), rep.phone ? h("span", { class: "masked" }, ` · ${rep.phone}`) : null),
      (rep.earlier_incidents || []).length ? h("div", { class: "repeat" }, `${t("repeat_of")}: `,
        rep.earlier_incidents.map((other, i) => [i ? "、" : "", h("a", { href: `/incidents/${other.id}` }, `${other.ref} ${other.title}`)])) : null,
      Client.may.reveal_person ? h("div", { class: "task-actions" },
        h("button", { type: "button", class: "small reveal", onclick: () => reveal(rep) }, t("reveal")),
        h("button", { type: "button", class: "small", onclick: () => removeRep(rep) }, t("remove"))) : null)));
  }
  function removeRep(rep) {
    openForm({ title: `${t("remove")} · ${rep.name}`, fields: [], submitLabel: t("remove"), danger: true,
      onSubmit: () => Api.del(`/api/representatives/${rep.id}`) });
  }
  function addRep() {
    openForm({ title: t("add_representative"), submitLabel: t("add_representative"), fields: [
      { name: "name", label: t("f_name"), required: true, hint: t("reps_used", { n: representatives.length, max: Client.max_representatives }) },
      { name: "id_number", label: t("f_id_number"), required: true },
      { name: "phone", label: t("f_phone"), type: "tel" },
      { name: "address", label: t("f_address") },
      { name: "note", label: t("note") },
    ], onSubmit: (values) => Api.post(`/api/incidents/${id}/representatives`, values) });
  }
  async function refetchRepresentatives() {
    const page = await Api.get(`/api/incidents/${id}/representatives`).catch(() => null);
    if (page) { representatives = page.items; representativesView(); }
  }

  function instructions() {
    const list = document.getElementById("instructions");
    const items = Store.instructionsOf(id).sort((a, b) => b.id - a.id);
    list.replaceChildren(...(items.length ? items.map((x) => InstructionView.render(x)) : [h("li", { class: "muted" }, t("none"))]));
  }

  // ---- the timeline: the log's own words for what happened ----
  function describe(event) {
    const data = event.data || {};
    const parts = [];
    if (data.task) parts.push(`${data.task.title} → ${Units.name(data.task.unit_id)}`);
    if (event.type === "task.rerouted" && data.task) parts.push(t("from_to", { a: Units.name(data.from_unit_id), b: Units.name(data.task.unit_id) }));
    if (event.type === "incident.headcount_reported") parts.push(t("headcount_to", { a: data.from, b: data.to }));
    else if (data.from && data.to && event.type.startsWith("incident.")) parts.push(t("status_to", { a: label("status", data.from), b: label("status", data.to) }));
    if (data.changes) {
      for (const [name, [before, after]] of Object.entries(data.changes)) {
        if (name === "headcount") parts.push(t("headcount_to", { a: before, b: after }));
        else if (name === "level") parts.push(`${label("level", before)} → ${label("level", after)}`);
        else parts.push(t(`f_${name}`));
      }
    }
    if (data.hidden_danger) {
      parts.push(`${data.hidden_danger.ref} ${data.hidden_danger.title}`);
      if (event.type === "hidden_danger.risk_changed") parts.push(t("status_to", { a: label("risk", data.from), b: label("risk", data.to) }));
    }
    if (data.response_plan) parts.push(data.response_plan.name, t("rp_tasks_n", { n: (data.task_ids || []).length }));
    if (data.representative) parts.push(data.representative.name);
    if (data.person) parts.push(data.person.name);
    if (data.instruction && event.type === "instruction.issued") parts.push(`“${data.instruction.text}”`);
    if (data.meeting) parts.push(data.meeting.place);
    if (data.commitment) parts.push(`“${data.commitment.text}” → ${Units.name(data.commitment.unit_id)}`);
    // the event says only that a file was added; its name comes from the list this viewer may read
    if (data.attachment) parts.push(AttachmentView.describe(data.attachment.id));
    if (event.type === "instruction.acknowledged") parts.push(Units.name(event.unit_id));
    if (event.type === "report.published" && data.report) parts.push(`${label("report_kind", data.report.kind)} ${t("report_no", { n: data.report.number })}`);
    for (const key of ["note", "reason"]) if (data[key]) parts.push(`${t(key)}: ${data[key]}`);
    if (data.notice && data.notice.note) parts.push(`${t("notice_n", { n: data.notice.number })}: ${data.notice.note}`);
    if (data.due_at && event.type.startsWith("task.extension")) parts.push(Time.at(data.due_at));
    return parts.filter(Boolean).join(" · ");
  }
  function timelineItem(event) {
    return h("li", { dataset: { seq: event.seq, type: event.type } },
      h("time", { datetime: event.at }, Time.at(event.at)),
      h("div", {}, h("strong", {}, label("event", event.type)), " ", h("span", {}, describe(event)),
        event.actor ? h("span", { class: "who" }, ` · ${Users.name(event.actor.id, event.actor.name)}`) : null));
  }
  function timelineView() {
    document.getElementById("timeline").replaceChildren(...timeline.slice().reverse().map(timelineItem));
  }

  function all() { head(); facts(); tasks(); representativesView(); instructions(); timelineView(); }

  Store.onChange((what) => {
    if (what.incidentId !== id) return;
    if (what.kind === "incident") { incident = Store.incidents.get(id); head(); facts(); }
    if (what.kind === "task") { head(); tasks(); highlight(document.querySelector(`[data-task-id="${what.task && what.task.id}"]`)); }
    if (what.kind === "instruction") { instructions(); highlight(document.querySelector(`[data-instruction-id="${what.instruction && what.instruction.id}"]`)); }
  });
  Live.on((event) => {
    if (event.incident_id !== id || seen.has(event.seq)) return;
    seen.add(event.seq);
    timeline.push(event);
    const list = document.getElementById("timeline");
    const item = timelineItem(event);
    list.prepend(item);
    highlight(item);
    if (event.type.startsWith("representative.")) {
      if (event.data && event.data.representative && event.type === "representative.added") {
        representatives = [...representatives.filter((r) => r.id !== event.data.representative.id), event.data.representative];
        representativesView();
      } else refetchRepresentatives();
    }
  });
  // a task crossing its deadline turns red without an event
  let minute = new Date().getMinutes();
  Ticker.every(() => { if (new Date().getMinutes() !== minute) { minute = new Date().getMinutes(); tasks(); } });

  const bind = (elementId, handler) => { const node = document.getElementById(elementId); if (node) node.addEventListener("click", handler); };
  bind("dispatch-task", () => TaskView.dispatchTask(incident));
  bind("add-representative", addRep);
  bind("issue-instruction", () => InstructionView.issue(incident));
  AttachmentView.mountIncident(incident, State.attachments);
  AttachmentView.onList(timelineView);
  all();
})();
