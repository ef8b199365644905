// Meetings with the group's representatives (代表座谈) and the commitments made there (承诺事项): each commitment
// with its responsible unit, its time limit, its task's state and whether it was kept on time. Whether it was
// kept is the server's rule (facts/rules.py), read from the API, never worked out here. Live: a meeting, a
// commitment or a change to a commitment's task redraws the section on every open page.
"use strict";

(() => {
  const incident = State.incident;
  const id = incident.id;
  const list = document.getElementById("meetings");
  if (!list) return;
  const summary = document.getElementById("commitments-summary");
  let meetings = State.meetings || [];
  let commitments = State.commitments || [];
  const may = Client.may;
  const mayAttachHere = may.record_meeting && may.add_attachment;

  // kept on time / late / not kept (cancelled) / open: colour, a mark and the word, so no one reads colour alone
  const MARKS = { kept: "✓", late: "!", not_kept: "✗", open: "○" };
  function keptState(commitment) {
    if (commitment.kept === true) return "kept";
    return commitment.kept_state || "open";
  }
  function keptBadge(commitment) {
    const state = keptState(commitment);
    return h("span", { class: `kept kept-${state}`, dataset: { kept: state } },
      h("span", { class: "kept-mark", "aria-hidden": "true" }, MARKS[state]), " ", t(`kept_${state}`));
  }

  const newestFirst = (a, b) => Date.parse(b.held_at) - Date.parse(a.held_at) || b.id - a.id;
  const meetingTitle = (meeting) => `${t("meeting_at", { t: Time.at(meeting.held_at) })} · ${meeting.place}`;
  const taskOf = (commitment) => Store.tasks.get(commitment.task_id);

  function summaryLine() {
    const count = (state) => commitments.filter((c) => (state === "late" ? c.kept === false : keptState(c) === state)).length;
    summary.textContent = commitments.length
      ? t("commitments_summary", { n: commitments.length, k: count("kept"), l: count("late"), m: count("open") })
      : "";
    summary.hidden = !commitments.length;
    summary.classList.toggle("has-late", count("late") > 0);
  }

  function commitmentItem(commitment) {
    const task = taskOf(commitment);
    const status = task ? task.status : commitment.task_status;
    return h("li", { class: `commitment commitment-${keptState(commitment)}`, dataset: { commitmentId: commitment.id, taskId: commitment.task_id } },
      keptBadge(commitment),
      h("div", { class: "commitment-body" },
        h("div", { class: "commitment-text" }, commitment.text),
        h("div", { class: "sub" },
          h("span", {}, `${t("f_commitment_unit")}: `, h("strong", {}, Units.name(commitment.unit_id))), " · ",
          h("span", {}, `${t("f_commitment_due")}: `, deadline(commitment.due_at, commitment)), " · ",
          h("a", { href: `#task-${commitment.task_id}`, class: "task-link" }, `${t("task_state")}: `, status ? taskStatusBadge(status) : "—"))));
  }

  function files(meeting) {
    const mine = AttachmentView.listed().filter((a) => a.meeting_id === meeting.id);
    if (!mine.length && !mayAttachHere) return null;
    return h("div", { class: "meeting-files" }, h("h4", {}, t("meeting_files")),
      mine.length ? h("ul", { class: "plain attachments" }, mine.map(AttachmentView.item))
        : h("p", { class: "muted" }, t("no_attachments")));
  }

  function meetingItem(meeting) {
    const own = commitments.filter((c) => c.meeting_id === meeting.id).sort((a, b) => a.id - b.id);
    const headingId = `meeting-${meeting.id}-title`;
    const fact = (term, value, cls) => [h("dt", {}, term), h("dd", { class: cls || null }, value)];
    const actions = [];
    if (may.make_commitment) actions.push(h("button", { type: "button", class: "add-commitment", onclick: () => addCommitment(meeting) }, t("add_commitment")));
    if (mayAttachHere) actions.push(h("button", { type: "button", class: "attach-meeting", onclick: () => AttachmentView.attachToMeeting(incident, meeting, meetingTitle(meeting)) }, t("attach_to_meeting")));
    return h("li", { class: "meeting", id: `meeting-${meeting.id}`, dataset: { meetingId: meeting.id }, "aria-labelledby": headingId },
      h("h3", { id: headingId },
        h("time", { datetime: meeting.held_at }, Time.at(meeting.held_at)), " · ", h("span", { class: "place" }, meeting.place)),
      h("dl", { class: "facts meeting-facts" },
        fact(t("f_reps_present"), (meeting.representatives || []).map((r) => r.name).join("、") || "—", "reps-present"),
        fact(t("f_units_present"), (meeting.unit_ids || []).map((u) => Units.name(u)).join("、") || "—", "units-present"),
        fact(t("f_raised"), meeting.raised || "—", "said raised"),
        fact(t("f_answered"), meeting.answered || "—", "said answered")),
      h("h4", {}, `${t("commitments")} (${own.length})`),
      own.length ? h("ul", { class: "plain commitments" }, own.map(commitmentItem))
        : h("p", { class: "muted" }, t("no_commitments_here")),
      files(meeting),
      actions.length ? h("div", { class: "task-actions meeting-actions" }, actions) : null);
  }

  // A redraw (a live change) keeps the keyboard where it was: on the same control of the same meeting.
  function focusKey() {
    const active = document.activeElement;
    if (!active || !list.contains(active)) return null;
    const meeting = active.closest("[data-meeting-id]");
    return meeting && active.className ? [meeting.dataset.meetingId, active.tagName, active.className.split(" ")[0]] : null;
  }
  function draw() {
    const focused = focusKey();
    summaryLine();
    const shown = meetings.slice().sort(newestFirst);
    list.replaceChildren(...(shown.length ? shown.map(meetingItem) : [h("li", { class: "muted" }, t("no_meetings"))]));
    if (focused) {
      const [meetingId, tag, cls] = focused;
      const again = list.querySelector(`[data-meeting-id="${meetingId}"] ${tag.toLowerCase()}.${CSS.escape(cls)}`);
      if (again) again.focus();
    }
  }

  // One read of the server's view; a second change during it asks again once it is done.
  let fetching = false, again = false;
  async function refetch(then) {
    if (fetching) { again = true; return; }
    fetching = true;
    const page = await Api.get(`/api/incidents/${id}/meetings`).catch(() => null);
    fetching = false;
    if (page) {
      meetings = page.items;
      commitments = page.items.flatMap((m) => m.commitments || []);
      draw();
      if (then) then();
    }
    if (again) { again = false; refetch(then); }
  }

  // ---- command's forms ----
  // An error on "representative_ids.0" belongs beside "representative_ids".
  async function placed(request) {
    try {
      return await request();
    } catch (error) {
      const fields = {};
      for (const [name, messages] of Object.entries(error.fields || {})) {
        const key = name.split(".")[0];
        fields[key] = [...(fields[key] || []), ...[].concat(typeof messages === "object" && !Array.isArray(messages) ? Object.values(messages).flat() : messages)];
      }
      error.fields = fields;
      throw error;
    }
  }

  // the units working the incident: those with a task on it that is not cancelled
  function involvedUnits() {
    const units = new Set();
    for (const task of Store.tasksOf(id)) for (const unit of task.involved_unit_ids || []) units.add(unit);
    return [...units];
  }

  async function recordMeeting() {
    const page = await Api.get(`/api/incidents/${id}/representatives`).catch(() => null);
    const reps = page ? page.items : State.representatives || [];
    openForm({ title: `${t("record_meeting")} · ${incident.ref}`, submitLabel: t("record_meeting"), fields: [
      { name: "held_at", label: t("f_held_at"), type: "datetime", value: Time.local(new Date()), required: true },
      { name: "place", label: t("f_place"), required: true },
      { name: "representative_ids", label: t("f_reps_present"), type: "checkboxes", required: true,
        options: reps.map((rep) => [rep.id, rep.name]), value: reps.map((rep) => rep.id),
        hint: reps.length ? t("reps_present_hint") : t("no_reps_for_meeting") },
      { name: "unit_ids", label: t("f_units_present"), type: "checkboxes", options: Units.options(),
        value: involvedUnits(), hint: t("units_present_hint") },
      { name: "raised", label: t("f_raised"), type: "textarea", required: true },
      { name: "answered", label: t("f_answered"), type: "textarea" },
    ], onSubmit: (values) => placed(() => Api.post(`/api/incidents/${id}/meetings`, values)),
    done: () => t("meeting_recorded") });
  }

  function addCommitment(meeting) {
    const present = meeting.unit_ids || [];
    openForm({ title: `${t("add_commitment")} · ${meetingTitle(meeting)}`, submitLabel: t("add_commitment"), fields: [
      { name: "text", label: t("f_commitment_text"), type: "textarea", required: true },
      { name: "unit_id", label: t("f_commitment_unit"), type: "select", numeric: true, required: true,
        options: Units.options((u) => u.kind !== "command"), value: present.find((u) => (Units.byId.get(u) || {}).kind !== "command") },
      { name: "due_at", label: t("f_commitment_due"), type: "datetime", required: true },
      { name: "past_due_ok", label: t("past_due_ok"), type: "checkbox" },
    ], onSubmit: (values) => placed(() => Api.post(`/api/meetings/${meeting.id}/commitments`, values)),
    done: (commitment) => t("commitment_made", { unit: Units.name(commitment.unit_id) }) });
  }

  // ---- live ----
  const ours = (taskId) => taskId && commitments.some((c) => c.task_id === taskId);
  Live.on((event) => {
    if (event.incident_id !== id) return;
    const data = event.data || {};
    if (event.type === "meeting.held") {
      refetch(() => highlight(document.getElementById(`meeting-${data.meeting && data.meeting.id}`)));
    } else if (event.type === "commitment.made") {
      const made = data.commitment || {};
      refetch(() => highlight(list.querySelector(`[data-commitment-id="${made.id}"]`)));
    } else if (ours(event.task_id)) {
      // a commitment's task moved: kept / late is the server's to say
      refetch(() => highlight(list.querySelector(`[data-task-id="${event.task_id}"]`)));
    }
  });
  // the task's state shows at once (the store has it), before the server's word on kept
  Store.onChange((what) => { if (what.kind === "task" && what.incidentId === id && ours(what.task && what.task.id)) draw(); });
  AttachmentView.onList(() => draw());
  // an open commitment passing its time limit turns late without an event: ask the server, once for each
  const asked = new Set();
  Ticker.every(() => {
    const passed = commitments.filter((c) => Clock.passed(c.late_at) && !asked.has(c.id));
    if (!passed.length) return;
    for (const c of passed) asked.add(c.id);
    refetch();
  });

  const button = document.getElementById("record-meeting");
  if (button) button.addEventListener("click", recordMeeting);
  draw();
})();
