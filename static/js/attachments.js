// Attachments: photos and documents on an incident, on one of its meetings with the representatives, or, as
// evidence, on a task. The incident page lists them (live); the unit queue attaches evidence to a task, on its
// own or with the submission. On a phone the camera takes the photo directly.
"use strict";

const AttachmentView = (() => {
  const me = State.user || {};
  // what the server accepts (it checks the content itself; this only narrows the file chooser)
  const ACCEPT = "image/*,.heic,.heif,.pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp,.odg";

  function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
    return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  }

  const works = (task) => Rules.involves(task, me.unit_id);
  // Command attaches anywhere; a liaison where their unit leads or co-handles a task (the server decides).
  function mayAttach(incidentId, task) {
    if (!Client.may.add_attachment) return false;
    if (me.role !== "liaison") return true;
    return task ? works(task) : Store.tasksOf(incidentId).some(works);
  }

  // The two ways to pick: a file from the device, or (on a phone) a photo from the camera.
  function pickers() {
    const file = h("input", { type: "file", id: "attach-file", name: "file", accept: ACCEPT });
    const camera = h("input", { type: "file", id: "attach-camera", name: "camera", accept: "image/*", capture: "environment" });
    const row = (input, text) => h("div", { class: "field" }, h("label", { for: input.id }, text), input);
    return { file, camera, nodes: [row(file, t("choose_file")), row(camera, t("take_photo"))],
      files: () => [...file.files, ...camera.files], clear() { file.value = ""; camera.value = ""; } };
  }

  async function send(incidentId, file, taskId, note, meetingId) {
    const form = new FormData();
    form.append("file", file, file.name || "photo.jpg");
    if (taskId) form.append("task_id", String(taskId));
    if (meetingId) form.append("meeting_id", String(meetingId));
    if (note) form.append("note", note);
    return Api.upload(`/api/incidents/${incidentId}/attachments`, form);
  }

  // A dialog of its own (openForm's fields are text): pickers, extra fields, and what to do on submit.
  function dialog({ title, submitLabel, extra = [], requireFile = true, onSubmit }) {
    const box = h("dialog", { class: "form-dialog attachment-dialog", "aria-labelledby": "dialog-title" });
    const form = h("form", { method: "dialog", novalidate: true });
    const pick = pickers();
    const fileError = h("p", { class: "field-error", id: "attach-file-error", role: "alert" });
    const problem = h("p", { class: "error form-error", role: "alert" });
    const submit = h("button", { type: "submit", class: "primary" }, submitLabel);
    form.append(h("h2", { id: "dialog-title" }, title), ...extra.map((x) => x.node), ...pick.nodes,
      h("p", { class: "hint" }, t("attach_hint", { mb: Math.round((Client.max_attachment_bytes || 0) / 1048576) })),
      fileError, problem,
      h("div", { class: "actions" }, submit, h("button", { type: "button", class: "quiet", onclick: () => box.close() }, t("cancel"))));
    box.append(form);
    document.body.append(box);
    box.addEventListener("close", () => box.remove());
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      fileError.textContent = problem.textContent = "";
      const files = pick.files();
      const tooLarge = files.find((f) => f.size > (Client.max_attachment_bytes || Infinity));
      if (requireFile && !files.length) { fileError.textContent = t("file_required"); return; }
      if (tooLarge) { fileError.textContent = t("file_too_large", { name: tooLarge.name }); return; }
      const missing = extra.find((x) => x.required && !x.value());
      if (missing) { problem.textContent = t("error_invalid"); missing.mark(t("required")); return; }
      submit.disabled = true;
      submit.textContent = t("working");
      try {
        await onSubmit(files, pick);
        box.close();
      } catch (error) {
        const said = [].concat((error.fields || {}).file || []).join(" ");
        if (said) fileError.textContent = said;
        problem.textContent = explain(error);
      } finally {
        submit.disabled = false;
        submit.textContent = submitLabel;
      }
    });
    box.showModal();
    return box;
  }

  function textField(name, text, { required = false, rows = 2 } = {}) {
    const control = h("textarea", { id: `f-${name}`, name, rows, required: required || null });
    const error = h("p", { class: "field-error", id: `f-${name}-error` });
    return { name, required, node: h("div", { class: "field" }, h("label", { for: control.id }, text,
      required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null), control, error),
      value: () => control.value.trim(), mark(message) { control.setAttribute("aria-invalid", "true"); error.textContent = message; } };
  }

  // Files go one by one; those already sent are not sent again when the form is retried.
  async function sendAll(incidentId, files, pick, taskId, note, meetingId) {
    for (const file of files) await send(incidentId, file, taskId, note, meetingId);
    pick.clear();
  }

  // Under a meeting with the representatives: its minutes, a photo of it.
  function attachToMeeting(incident, meeting, title) {
    const note = textField("note", t("note"));
    dialog({ title: `${t("attach_to_meeting")} · ${title}`, submitLabel: t("attach_file"), extra: [note],
      onSubmit: async (files, pick) => {
        await sendAll(incident.id, files, pick, null, note.value(), meeting.id);
        flash(t("attached", { n: files.length }), "ok");
      } });
  }

  // On the incident page: onto the incident itself, or onto one of the tasks the user may attach to.
  function attachToIncident(incident) {
    const tasks = Store.tasksOf(incident.id).filter((task) => mayAttach(incident.id, task));
    const select = h("select", { id: "f-task_id", name: "task_id" }, h("option", { value: "" }, t("whole_incident")),
      tasks.map((task) => h("option", { value: task.id }, `${task.title} · ${Units.name(task.unit_id)}`)));
    const onTask = { name: "task_id", node: h("div", { class: "field" }, h("label", { for: "f-task_id" }, t("attach_to")), select),
      value: () => select.value };
    const note = textField("note", t("note"));
    if (me.role === "liaison" && tasks.length) select.value = String(tasks[0].id);
    dialog({ title: `${t("attach_file")} · ${incident.ref}`, submitLabel: t("attach_file"), extra: [onTask, note],
      onSubmit: async (files, pick) => {
        await sendAll(incident.id, files, pick, Number(select.value) || null, note.value());
        flash(t("attached", { n: files.length }), "ok");
      } });
  }

  // In the queue: evidence for one task.
  function attachToTask(task) {
    const note = textField("note", t("note"));
    dialog({ title: `${t("attach_evidence")} · ${task.title}`, submitLabel: t("attach_file"), extra: [note],
      onSubmit: async (files, pick) => {
        await sendAll(task.incident_id, files, pick, task.id, note.value());
        flash(t("attached", { n: files.length }), "ok");
      } });
  }

  // Submitting a task with its evidence: the files first (a refused file submits nothing), then the submission.
  function submitWithEvidence(task, submitTask, done) {
    const note = textField("note", t("note"), { required: true, rows: 3 });
    dialog({ title: `${label("task_action", "submit")} · ${task.title}`, submitLabel: label("task_action", "submit"),
      extra: [note], requireFile: false,
      onSubmit: async (files, pick) => {
        await sendAll(task.incident_id, files, pick, task.id, "");
        await submitTask({ note: note.value() });
        flash(files.length ? `${done} · ${t("attached", { n: files.length })}` : done, "ok");
      } });
  }

  function taskButton(task) {
    if (!mayAttach(task.incident_id, task)) return null;
    return h("button", { type: "button", class: "small attach-evidence",
      onclick: () => attachToTask(task) }, t("attach_evidence"));
  }

  // ---- the incident page's list ----
  function item(attachment) {
    const task = attachment.task_id ? Store.tasks.get(attachment.task_id) : null;
    return h("li", { class: "attachment", dataset: { attachmentId: attachment.id } },
      h("a", { href: attachment.download_url, download: attachment.name, class: "attachment-name" }, attachment.name),
      h("span", { class: "muted" }, ` · ${size(attachment.size)}`),
      attachment.task_id ? h("span", { class: "evidence" }, ` · ${t("evidence_for")}: ${task ? task.title : `#${attachment.task_id}`}`) : null,
      attachment.meeting_id ? [" · ", h("a", { href: `#meeting-${attachment.meeting_id}`, class: "evidence" }, t("on_meeting"))] : null,
      h("div", { class: "sub" }, Users.name(attachment.uploaded_by, attachment.uploaded_by_name), " · ",
        h("time", { datetime: attachment.uploaded_at }, Time.at(attachment.uploaded_at))),
      attachment.note ? h("div", { class: "task-meta" }, attachment.note) : null);
  }

  // The incident's list as it stands, for the other parts of the page that show some of it (the meetings).
  let listed = [];
  const listeners = [];
  function mountIncident(incident, initial) {
    let items = initial || [];
    const list = document.getElementById("attachments");
    const button = document.getElementById("add-attachment");
    function draw() {
      list.replaceChildren(...(items.length ? items.map(item) : [h("li", { class: "muted" }, t("no_attachments"))]));
      if (button) button.hidden = !mayAttach(incident.id);
      listed = items;
      for (const listener of listeners) listener(items);
    }
    async function refetch() {
      const page = await Api.get(`/api/incidents/${incident.id}/attachments`).catch(() => null);
      if (page) { items = page.items; draw(); highlight(list.lastElementChild); }
    }
    if (button) button.addEventListener("click", () => attachToIncident(incident));
    // the list comes from the server, which leaves out task evidence this viewer may not open
    Live.on((event) => { if (event.type === "attachment.added" && event.incident_id === incident.id) refetch(); });
    Store.onChange((what) => { if (what.kind === "task" && what.incidentId === incident.id) draw(); });
    draw();
  }

  // A file named on the timeline: by the list the server gave this viewer (another unit's evidence is not in it).
  function describe(attachmentId) {
    const known = listed.find((attachment) => attachment.id === attachmentId);
    return known ? `${known.name} (${size(known.size)})` : "";
  }

  return { mayAttach, describe, attachToIncident, attachToTask, attachToMeeting, submitWithEvidence, taskButton, mountIncident,
    size, item, listed: () => listed, onList: (listener) => listeners.push(listener) };
})();
