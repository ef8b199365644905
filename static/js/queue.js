// A unit's queue: its open tasks by urgency and its leaders' instructions; new ones announce themselves.
"use strict";

(() => {
  const unitId = State.unit_id;
  const fresh = new Set();            // "task:<id>" / "instruction:<id>" not yet seen by the liaison
  let sound = localStorage.getItem("dispatch-sound") === "on";
  const soundButton = document.getElementById("sound");
  const badge = document.getElementById("new-count");
  const markSeen = document.getElementById("mark-seen");
  const baseTitle = document.title;

  const ours = (task) => Rules.inQueue(task, unitId);
  const addressed = (instruction) => (instruction.addressees || []).some((a) => a.unit_id === unitId);

  function render() {
    const tasks = [...Store.tasks.values()].filter(ours).sort(TaskView.byUrgency);
    const list = document.getElementById("queue-tasks");
    const offered = new Set();  // one "report headcount" per incident, on its most urgent task
    list.replaceChildren(...(tasks.length ? tasks.map((task) => {
      const item = TaskView.render(task, { showIncident: true });
      item.classList.add("queue-item");
      if (fresh.has(`task:${task.id}`)) item.classList.add("fresh");
      const evidence = AttachmentView.taskButton(task);
      if (evidence) {
        let actions = item.querySelector(".task-actions");
        if (!actions) { actions = h("div", { class: "task-actions" }); item.append(actions); }
        actions.append(evidence);
      }
      const incident = Store.incidents.get(task.incident_id);
      if (incident && !offered.has(incident.id) && TaskView.mayReportHeadcount(incident.id)) {
        offered.add(incident.id);
        let actions = item.querySelector(".task-actions");
        if (!actions) { actions = h("div", { class: "task-actions" }); item.append(actions); }
        actions.append(TaskView.headcountButton(incident));
      }
      return item;
    }) : [h("li", { class: "muted" }, t("no_tasks"))]));
    document.getElementById("task-count").textContent = t("n_open", { n: tasks.length });
    const orders = [...Store.instructions.values()].filter(addressed)
      .sort((a, b) => (Store.unacknowledged(b).some((x) => x.unit_id === unitId) - Store.unacknowledged(a).some((x) => x.unit_id === unitId)) || b.id - a.id);
    document.getElementById("queue-instructions").replaceChildren(...(orders.length ? orders.map((instruction) => {
      const item = InstructionView.render(instruction, { showIncident: true });
      if (fresh.has(`instruction:${instruction.id}`)) item.classList.add("fresh", "queue-item");
      return item;
    }) : [h("li", { class: "muted" }, t("none"))]));
    // What has left the queue (rerouted away, settled) is no longer news.
    const shown = new Set([...tasks.map((x) => `task:${x.id}`), ...orders.map((x) => `instruction:${x.id}`)]);
    for (const key of fresh) if (!shown.has(key)) fresh.delete(key);
    const n = fresh.size;
    badge.hidden = markSeen.hidden = n === 0;
    badge.textContent = t("new_badge", { n });
    document.title = n ? `(${n}) ${baseTitle}` : baseTitle;
    const navBadge = document.getElementById("queue-badge");
    if (navBadge) { navBadge.hidden = n === 0; navBadge.textContent = n; }
  }

  function chime() {
    if (!sound) return;
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
  }

  Live.on((event) => {
    const data = event.data || {};
    const newTask = (event.type === "task.dispatched" || event.type === "task.rerouted") && data.task && ours(data.task);
    const newOrder = event.type === "instruction.issued" && data.instruction && addressed(data.instruction);
    if (newTask) fresh.add(`task:${data.task.id}`);
    if (newOrder) fresh.add(`instruction:${data.instruction.id}`);
    if (newTask || newOrder) {
      flash(newTask ? `${t("new_task")}: ${data.task.title}` : t("new_instruction"), "ok");
      const found = Alerts.news(event);
      if (found) Alerts.desktop(...found);
      chime();
      render();  // the store has already drawn the item; now it is marked as new
    }
  });
  // The incidents named by new tasks come with the events that register or change them; fetch any missing one.
  Store.onChange(async (what) => {
    if (what.kind === "task" && what.task && ours(what.task) && !Store.incidents.has(what.task.incident_id)) {
      const incident = await Api.get(`/api/incidents/${what.task.incident_id}`).catch(() => null);
      if (incident) Store.incidents.set(incident.id, incident);
    }
    render();
  });

  function paintSound() {
    soundButton.textContent = sound ? t("sound_on") : t("sound_off");
    soundButton.setAttribute("aria-pressed", String(sound));
  }
  soundButton.addEventListener("click", () => { sound = !sound; localStorage.setItem("dispatch-sound", sound ? "on" : "off"); paintSound(); chime(); });
  markSeen.addEventListener("click", () => { fresh.clear(); render(); });
  const pick = document.getElementById("queue-unit-select");
  if (pick) pick.addEventListener("change", () => { window.location = `/queue?unit=${pick.value}`; });
  let minute = new Date().getMinutes();
  Ticker.every(() => { if (new Date().getMinutes() !== minute) { minute = new Date().getMinutes(); render(); } });
  paintSound();
  render();
})();
