// Who was told, by which channel, when, and what happened next: the notification trail of an incident's tasks and
// instructions (GET /api/notifications), e.g. "SMS to 张三 (on duty, PSB) 02:14 · sent — unclaimed → 02:24 …".
"use strict";

(() => {
  const box = document.getElementById("notification-trail");
  if (!box) return;
  const incidentId = State.incident.id;
  const tasks = new Map((State.tasks || []).map((task) => [task.id, task]));

  function subject(n) {
    if (n.kind === "incident") return [`incident`, t("trail_incident")];
    if (n.task_id) {
      const task = tasks.get(n.task_id);
      const title = task ? task.title : `#${n.task_id}`;
      return [`${n.kind}-${n.task_id}-${n.unit_id}`,
        `${n.kind === "overdue" ? t("trail_overdue") : t("trail_task")}: ${title} · ${Units.name(n.unit_id)}`];
    }
    return [`instruction-${n.instruction_id}-${n.unit_id}`, `${t("trail_instruction")} · ${Units.name(n.unit_id)}`];
  }

  function line(n) {
    const when = Time.at(n.sent_at || n.created_at);
    const who = Users.name(n.recipient.user_id, n.recipient.name);
    const why = [label("notify", n.notify), n.unit_id ? Units.name(n.unit_id) : null].filter(Boolean).join(", ");
    return h("li", { class: `trail-${n.status}`, dataset: { notification: n.id } },
      t("trail_line", { channel: label("channel", n.channel), who, why, t: when }), " · ",
      h("span", { class: `trail-status trail-status-${n.status}` }, label("notification_status", n.status)),
      n.error && n.status !== "sent" ? h("span", { class: "muted" }, ` (${n.error})`) : null);
  }

  function render(items) {
    const groups = new Map();
    for (const n of items) {
      const [key, title] = subject(n);
      if (!groups.has(key)) groups.set(key, { title, kind: n.kind, items: [] });
      groups.get(key).items.push(n);
    }
    box.replaceChildren(...(groups.size ? [...groups.values()].map((group) => {
      const lines = [];
      let step = null;
      for (const n of group.items) {
        if (step !== null && n.step !== step) {
          lines.push(h("li", { class: "trail-step muted" },
            `${group.kind === "instruction" ? t("trail_unacknowledged") : t("trail_unclaimed")} →`));
        }
        step = n.step;
        lines.push(line(n));
      }
      return h("div", { class: "trail-group" }, h("h3", {}, group.title), h("ul", { class: "trail" }, lines));
    }) : [h("p", { class: "muted" }, t("trail_none"))]));
  }

  let pending = null;
  async function load() {
    try {
      const body = await Api.get(`/api/notifications?incident_id=${incidentId}&limit=1000`);
      render(body.items);
    } catch (error) { box.replaceChildren(h("p", { class: "error" }, explain(error))); }
  }
  const refresh = () => { clearTimeout(pending); pending = setTimeout(load, 300); };
  const touches = new Set(["notification.sent", "notification.failed", "task.dispatched", "task.rerouted",
    "instruction.issued", "instruction.addressed", "task.overdue"]);
  Live.on((event) => {
    if (event.data && event.data.task) tasks.set(event.data.task.id, event.data.task);
    if (event.incident_id === incidentId && touches.has(event.type)) refresh();
  });
  load();
})();
