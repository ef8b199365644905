// Tasks and instructions as the incident page and the unit queue draw them, with the actions each role may take.
"use strict";

const TaskView = (() => {
  const me = State.user || {};
  // What an action needs besides the click; from API.md's task transitions.
  const NEEDS = {
    progress: [{ name: "note", type: "textarea", required: true, label: () => t("note") }],
    submit: [{ name: "note", type: "textarea", required: true, label: () => t("note") }],
    reject: [{ name: "note", type: "textarea", required: true, label: () => t("reason") }],
    return: [{ name: "reason", type: "textarea", required: true, label: () => t("reason") }],
    request_extension: [{ name: "due_at", type: "datetime", required: true, label: () => t("new_due_at") },
                        { name: "note", type: "textarea", label: () => t("reason") }],
    reroute: [{ name: "unit_id", type: "select", numeric: true, required: true, label: () => t("unit") }],
    cancel: [{ name: "note", type: "textarea", label: () => t("reason") }],
  };
  // What the server lists as possible now, kept to what this user's role and unit may do.
  function allowedActions(task) {
    return Rules.mayDo(task, me);
  }

  // What the action did, in words the user reads at a glance ("returned to the command centre for rerouting").
  const done = (action) => (Words.strings[`done_${action}`] ? t(`done_${action}`) : `${label("task_action", action)} ✓`);

  async function act(task, action) {
    const needs = NEEDS[action];
    const send = (values) => Api.post(`/api/tasks/${task.id}/transitions`, { action, version: task.version, ...values });
    if (action === "submit" && typeof AttachmentView !== "undefined") {  // with its evidence (queue, incident page)
      AttachmentView.submitWithEvidence(task, send, done(action));
      return;
    }
    if (!needs) {
      try { await send({}); flash(done(action), "ok"); } catch (error) { flash(explain(error)); }
      return;
    }
    const fields = needs.map((need) => ({ ...need, label: need.label(),
      options: need.name === "unit_id" ? Units.options((u) => u.kind !== "command" && u.id !== task.unit_id) : undefined,
      value: need.name === "due_at" ? Time.local(new Date(Date.parse(task.due_at) + 2 * 3600 * 1000)) : undefined }));
    openForm({ title: `${label("task_action", action)} · ${task.title}`, fields, submitLabel: label("task_action", action),
      danger: action === "cancel", onSubmit: send, done: done(action) });
  }

  // Who may report the headcount from the scene: command, or a liaison whose unit works the incident
  // (the server decides; this only spares the others a button that would be refused).
  function mayReportHeadcount(incidentId) {
    if (!Client.may.report_headcount) return false;
    return me.role !== "liaison" || Store.tasksOf(incidentId).some((task) => Rules.worksOn(task, me.unit_id));
  }
  function reportHeadcount(incident) {
    openForm({ title: `${t("report_headcount")} · ${incident.ref} ${incident.title}`, submitLabel: t("report_headcount"),
      fields: [{ name: "headcount", label: t("headcount_now"), type: "number", min: 1, required: true, value: incident.headcount },
               { name: "note", label: t("note"), type: "textarea" }],
      onSubmit: (values) => Api.post(`/api/incidents/${incident.id}/headcount-reports`, values),
      done: (_result, values) => t("headcount_reported", { n: values.headcount }) });
  }
  function headcountButton(incident) {
    return h("button", { type: "button", class: "small report-headcount", dataset: { incidentId: incident.id },
      onclick: () => reportHeadcount(incident) }, t("report_headcount"));
  }

  function supervise(task) {
    openForm({ title: `${label("task_action", "supervise")} · ${task.title}`, submitLabel: label("task_action", "supervise"),
      fields: [{ name: "note", label: t("note"), type: "textarea", required: true }],
      onSubmit: (values) => Api.post(`/api/tasks/${task.id}/supervision-notices`, values) });
  }

  function dispatchTask(incident) {
    openForm({ title: `${t("dispatch_task")} · ${incident.ref}`, submitLabel: t("dispatch_task"), fields: [
      { name: "unit_id", label: t("lead_unit"), type: "select", numeric: true, required: true, options: Units.options((u) => u.kind !== "command") },
      { name: "co_unit_ids", label: t("co_units"), type: "checkboxes", options: Units.options((u) => u.kind !== "command") },
      { name: "title", label: t("f_title"), required: true },
      { name: "instructions", label: t("f_instructions"), type: "textarea" },
      { name: "priority", label: t("f_priority"), type: "select", options: optionsOf("priority"), value: "normal", required: true },
      { name: "due_at", label: t("due_default"), type: "datetime" },
      { name: "past_due_ok", label: t("past_due_ok"), type: "checkbox" },
    ], onSubmit: (values) => Api.post(`/api/incidents/${incident.id}/tasks`, values),
    done: (task) => `${label("event", "task.dispatched")} · ${Units.name(task.unit_id)} · ${task.title}` });
  }

  const isSettled = (task) => !Rules.isOpen(task);
  const overdue = (task) => Rules.isOverdue(task);
  const byUrgency = Rules.byUrgency;

  // One line of what else matters: who else works on it, an extension asked for, supervision.
  function meta(task, showIncident) {
    const parts = [];
    if (showIncident && task.unit_id !== State.unit_id) parts.push(`${t("unit")}: ${Units.name(task.unit_id)}`);
    if ((task.co_unit_ids || []).length) parts.push(`${t("co_units")}: ${task.co_unit_ids.map(Units.name).join("、")}`);
    if (task.extension_pending) parts.push(h("span", { class: "repeat" }, t("extension_asked", { t: Time.at(task.requested_due_at) })));
    if (task.supervision_count) parts.push(h("span", { class: Rules.isEscalated(task) ? "repeat" : "" }, t("notices", { n: task.supervision_count })));
    if (Rules.isEscalated(task)) parts.push(h("strong", { class: "repeat" }, t("escalated")));
    if (!parts.length) return null;
    return h("div", { class: "task-meta" }, parts.flatMap((part, i) => (i ? [" · ", part] : [part])));
  }

  function render(task, { showIncident } = {}) {
    const actions = allowedActions(task);
    const canSupervise = Client.may.supervise_task && overdue(task);
    const incident = showIncident ? Store.incidents.get(task.incident_id) : null;
    const li = h("li", { class: `task ${overdue(task) ? "is-overdue" : ""}`, id: `task-${task.id}`, dataset: { taskId: task.id, status: task.status } },
      h("div", {},
        incident ? h("div", { class: "sub" }, levelBadge(incident.level), " ",
          h("span", { class: "incident-headcount" }, t("people", { n: incident.headcount })), " ",
          h("a", { href: `/incidents/${incident.id}` }, `${incident.ref} ${incident.title}`)) : null,
        h("span", { class: "task-title" }, task.title), " ",
        h("span", { class: `prio-${task.priority}` }, `[${label("priority", task.priority)}]`),
        task.instructions ? h("div", { class: "task-meta" }, task.instructions) : null,
        meta(task, showIncident)),
      h("div", { class: "task-side" }, taskStatusBadge(task.status), h("br"), deadline(task.due_at, task)),
      actions.length || canSupervise ? h("div", { class: "task-actions" },
        actions.map((action) => h("button", { type: "button", class: `small ${action === "claim" || action === "verify" ? "primary" : ""}`,
          dataset: { action }, onclick: () => act(task, action) }, label("task_action", action))),
        canSupervise ? h("button", { type: "button", class: "small danger", dataset: { action: "supervise" }, onclick: () => supervise(task) }, label("task_action", "supervise")) : null) : null);
    return li;
  }

  return { render, byUrgency, dispatchTask, allowedActions, isSettled, mayReportHeadcount, reportHeadcount, headcountButton };
})();

const InstructionView = (() => {
  const me = State.user || {};
  function mine(instruction) {
    return (instruction.addressees || []).find((a) => a.unit_id === me.unit_id && !a.acknowledged_at);
  }
  async function acknowledge(instruction) {
    try {
      await Api.post(`/api/instructions/${instruction.id}/acknowledgements`, {});
      flash(`${t("acknowledged")} ✓`, "ok");
    } catch (error) { flash(explain(error)); }
  }
  // Who an instruction is proposed to: every unit working the incident and CC (the server's default).
  function proposedAddressees(incidentId) {
    const working = new Set(Store.tasksOf(incidentId)
      .flatMap((task) => task.involved_unit_ids || []));
    for (const unit of Units.all()) if (unit.kind === "command") working.add(unit.id);
    return working;
  }
  // Only the units chosen when the leader changed the proposal; left as proposed, the default (units dispatched
  // later join it).
  function chosenAddressees(chosenIds, working) {
    const chosen = new Set(chosenIds || []);
    return !chosen.size || (chosen.size === working.size && [...working].every((id) => chosen.has(id))) ? undefined : [...chosen];
  }
  // The leader chooses who must acknowledge; preselected: every unit working the incident and CC (the default).
  function issue(incident) {
    const working = proposedAddressees(incident.id);
    openForm({ title: `${t("issue_instruction")} · ${incident.ref} ${incident.title}`, submitLabel: t("issue_instruction"),
      fields: [{ name: "text", label: t("instruction_text"), type: "textarea", rows: 5, required: true },
               { name: "unit_ids", label: t("addressees"), type: "checkboxes", hint: t("addressees_hint"),
                 options: Units.options(), value: [...working] }],
      onSubmit: (values) => {
        const unitIds = chosenAddressees(values.unit_ids, working);
        if (unitIds) values.unit_ids = unitIds; else delete values.unit_ids;
        return Api.post(`/api/incidents/${incident.id}/instructions`, values);
      } });
  }
  function ackChips(instruction) {
    return h("div", { class: "ack-list" }, (instruction.addressees || []).map((a) => h("span", {
      class: `ack ${a.acknowledged_at ? "yes" : a.overdue ? "late" : "no"}`, dataset: { unitId: a.unit_id, acknowledged: a.acknowledged_at ? "1" : "0" },
      title: a.acknowledged_at ? `${t("acknowledged")} ${Time.at(a.acknowledged_at)}` : t("not_acknowledged"),
    }, `${a.acknowledged_at ? "✓" : "○"} ${Units.name(a.unit_id)}`)));
  }
  function render(instruction, { showIncident } = {}) {
    const waiting = Store.unacknowledged(instruction);
    const incident = showIncident ? Store.incidents.get(instruction.incident_id) : null;
    const own = mine(instruction);
    return h("li", { class: "instruction", dataset: { instructionId: instruction.id } },
      incident ? h("div", { class: "sub" }, levelBadge(incident.level), " ", h("a", { href: `/incidents/${incident.id}` }, `${incident.ref} ${incident.title}`)) : null,
      h("div", { class: "sub" }, Time.at(instruction.issued_at), " · ",
        waiting.length ? h("strong", { class: "repeat" }, t("n_unack", { n: waiting.length })) : h("span", {}, t("all_acknowledged"))),
      h("p", { class: "instruction-text" }, instruction.text),
      ackChips(instruction),
      own ? h("button", { type: "button", class: "primary small ack-button", onclick: () => acknowledge(instruction) }, t("acknowledge")) : null);
  }
  return { render, issue, mine, ackChips, proposedAddressees, chosenAddressees };
})();
