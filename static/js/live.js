// The live stream: applies the log's events in seq order, once each, and catches up by itself.
//
// The page starts from a state stamped with `last_seq`. An event at last_seq+1 is
// applied; an older one is a duplicate and dropped; a newer one means something
// was missed, so it waits while `resume {after}` fetches the gap. The heartbeat
// carries the server's last_seq, so a lost push is noticed even when nothing
// follows it. The indicator in the top bar shows which of these is happening.
// The page asks for batch frames: each `events` frame is a list of contiguous
// events in seq order (what committed within one short window), taken one by one.
"use strict";

const Live = (() => {
  let lastSeq = State.last_seq || 0;
  const waiting = new Map();           // seq -> event that arrived ahead of a gap
  const listeners = [];
  let resuming = false;
  let again = false;
  let connectionState = "reconnecting";
  let shownTimer = null;
  const indicator = document.getElementById("connection");
  const watching = new Set();        // incidents whose room this page joins

  let notLiveSince = null;          // when the page stopped being sure it shows the latest
  function show(state) {
    if (state === "live") notLiveSince = null;
    else if (notLiveSince === null) notLiveSince = new Date();
    connectionState = state;
    clearTimeout(shownTimer);
    // A catch-up that ends at once is not worth a flicker on a calm board.
    const delay = state === "catching_up" ? 400 : 0;
    shownTimer = setTimeout(() => paint(state), delay);
    if (indicator) indicator.dataset.state = state;
  }
  function paint(state) {
    if (!indicator) return;
    indicator.className = `conn conn-${state}`;
    indicator.querySelector(".conn-text").textContent = t(state);
    indicator.querySelector(".conn-reload").hidden = state !== "reload_needed";
  }
  if (indicator) indicator.querySelector(".conn-reload").addEventListener("click", () => window.location.reload());
  // A few seconds without the stream: say plainly that the screen may be out of date, and since when.
  const stale = document.getElementById("stale");
  Ticker.every(() => {
    if (!stale) return;
    const late = notLiveSince !== null && Date.now() - notLiveSince.getTime() > 5000;
    stale.hidden = !late;
    if (late) stale.textContent = t("stale_since", { t: Time.at(notLiveSince) });
  });

  function apply(event) {
    lastSeq = event.seq;
    for (const listener of listeners) {
      try { listener(event); } catch (error) { console.error("applying event", event.seq, error); }
    }
  }
  function drain() {
    while (waiting.has(lastSeq + 1)) {
      const next = waiting.get(lastSeq + 1);
      waiting.delete(next.seq);
      apply(next);
    }
    for (const seq of waiting.keys()) if (seq <= lastSeq) waiting.delete(seq);
  }
  function receive(event) {
    if (!event || typeof event.seq !== "number" || event.seq <= lastSeq) return;  // a duplicate
    if (event.seq === lastSeq + 1) {
      apply(event);
      drain();
    } else {
      waiting.set(event.seq, event);
      resume();
    }
  }

  const socket = io({ path: "/socket.io", auth: { frames: "batch" }, reconnectionDelay: 500, reconnectionDelayMax: 4000 });

  function resume() {
    if (connectionState === "reload_needed") return;
    if (resuming) { again = true; return; }
    if (!socket.connected) return;
    resuming = true;
    show("catching_up");
    socket.timeout(15000).emit("resume", { after: lastSeq }, (error, ack) => {
      resuming = false;
      if (error) { again = false; resume(); return; }            // no answer: ask again
      if (ack && ack.reload) {
        show("reload_needed");
        // The wall is watched, not worked: it reloads itself; elsewhere the user may be mid-form.
        if (document.body.classList.contains("wall")) setTimeout(() => window.location.reload(), 3000);
        return;
      }
      drain();                                                    // the replay came before the ack
      if (again || waiting.size || (ack && ack.last_seq > lastSeq)) { again = false; resume(); return; }
      show("live");
    });
  }

  socket.on("connect", () => {
    for (const watch of watching) socket.emit("watch", { incident_id: watch });
    resume();
  });
  socket.on("disconnect", () => show("reconnecting"));
  socket.on("connect_error", async (error) => {
    show("reconnecting");
    if (socket.active) return;                                    // the client retries by itself
    // Refused by the server: signed out, or a passing failure; look before retrying.
    const session = await fetch("/api/session", { credentials: "same-origin" }).catch(() => null);
    if (session && session.status === 401) { window.location = `/login?next=${encodeURIComponent(location.pathname)}`; return; }
    setTimeout(() => socket.connect(), 2000);
  });
  socket.on("event", receive);
  socket.on("events", (frame) => { if (Array.isArray(frame)) for (const event of frame) receive(event); });
  socket.on("heartbeat", (beat) => { if (beat && beat.last_seq > lastSeq) resume(); });
  socket.on("signed_out", () => { window.location = "/login"; });
  window.addEventListener("online", () => { if (!socket.connected) socket.connect(); else resume(); });
  window.addEventListener("offline", () => show("reconnecting"));

  return {
    on: (listener) => listeners.push(listener),
    watch(incidentId) { watching.add(incidentId); if (socket.connected) socket.emit("watch", { incident_id: incidentId }); },
    get lastSeq() { return lastSeq; },
    get state() { return connectionState; },
    socket,
  };
})();

// The objects the board, the wall and the queue draw, kept current by the events.
// Each event carries the whole object it changed; when one does not, it is fetched.
const Store = (() => {
  const incidents = new Map((State.incidents || []).map((i) => [i.id, i]));
  const tasks = new Map((State.tasks || []).map((x) => [x.id, x]));
  const instructions = new Map((State.instructions || []).map((x) => [x.id, x]));
  const listeners = [];

  function changed(what) { for (const listener of listeners) listener(what); }

  async function fetchTask(id) {
    const task = await Api.get(`/api/tasks/${id}`).catch(() => null);
    if (task && task.id) { tasks.set(task.id, task); changed({ kind: "task", task, incidentId: task.incident_id }); }
  }
  async function fetchInstructions(incidentId) {
    const detail = await Api.get(`/api/incidents/${incidentId}`).catch(() => null);
    if (!detail) return;
    for (const instruction of detail.instructions || []) instructions.set(instruction.id, instruction);
    changed({ kind: "instruction", incidentId });
  }

  Live.on((event) => {
    const data = event.data || {};
    const noun = event.type.split(".")[0];
    if (data.incident && data.incident.id) {
      const previous = incidents.get(data.incident.id);
      incidents.set(data.incident.id, { ...(previous || {}), ...data.incident });
      changed({ kind: "incident", event, incidentId: data.incident.id, isNew: !previous });
    }
    for (const other of data.relinked || []) {  // earlier incidents a repeat petition now links to
      if (other && other.id && incidents.has(other.id)) {
        incidents.set(other.id, { ...incidents.get(other.id), ...other });
        changed({ kind: "incident", event, incidentId: other.id, isNew: false });
      }
    }
    if (noun === "task" || noun === "supervision") {
      if (data.task && data.task.id) {
        tasks.set(data.task.id, data.task);
        changed({ kind: "task", event, task: data.task, incidentId: data.task.incident_id });
      } else if (event.task_id) fetchTask(event.task_id);
    }
    if (noun === "instruction") {
      if (data.instruction && data.instruction.id) {
        instructions.set(data.instruction.id, data.instruction);
        changed({ kind: "instruction", event, instruction: data.instruction, incidentId: data.instruction.incident_id });
      } else if (event.incident_id) fetchInstructions(event.incident_id);
    }
  });

  const { isOpen, isOverdue } = Rules;
  const unacknowledged = (instruction) => (instruction.addressees || []).filter((a) => !a.acknowledged_at);
  return {
    incidents, tasks, instructions, isOpen, isOverdue, unacknowledged,
    onChange: (listener) => listeners.push(listener),
    tasksOf: (incidentId) => [...tasks.values()].filter((task) => task.incident_id === incidentId),
    instructionsOf: (incidentId) => [...instructions.values()].filter((x) => x.incident_id === incidentId),
    // open / overdue tasks and not-yet-acknowledged instructions, per incident, in one pass
    summary() {
      const counts = new Map();
      const of = (id) => counts.get(id) || counts.set(id, { open: 0, overdue: 0, escalated: 0, unack: 0, units: new Set(), waiting: new Set() }).get(id);
      for (const task of tasks.values()) {
        if (!isOpen(task)) continue;
        const c = of(task.incident_id);
        c.open += 1;
        if (isOverdue(task)) c.overdue += 1;
        if (Rules.isEscalated(task)) c.escalated += 1;
        c.units.add(task.unit_id);
        for (const unit of task.co_unit_ids || []) c.units.add(unit);
      }
      for (const instruction of instructions.values()) {
        const pending = unacknowledged(instruction);
        if (!pending.length) continue;
        const c = of(instruction.incident_id);
        c.unack += pending.length;
        for (const addressee of pending) c.waiting.add(addressee.unit_id);
      }
      return counts;
    },
  };
})();

// A brief highlight on what just changed.
function highlight(node) {
  if (!node || !node.animate) return;
  // The Web Animations API restarts without forcing a layout of the whole table.
  node.animate([{ backgroundColor: "#fff3a8" }, { backgroundColor: "transparent" }], { duration: 2400, easing: "ease-out" });
}

// A liaison elsewhere than the queue still sees new work for the unit counted in the top bar.
(() => {
  const me = State.user || {};
  const badge = document.getElementById("queue-badge");
  if (!badge || me.role !== "liaison" || location.pathname === "/queue") return;
  let count = 0;
  Live.on((event) => {
    const data = event.data || {};
    const task = data.task;
    const newTask = (event.type === "task.dispatched" || event.type === "task.rerouted") && task
      && Rules.inQueue(task, me.unit_id);
    const newOrder = event.type === "instruction.issued" && data.instruction
      && (data.instruction.addressees || []).some((a) => a.unit_id === me.unit_id);
    if (!newTask && !newOrder) return;
    count += 1;
    badge.textContent = count;
    badge.hidden = false;
    badge.setAttribute("aria-label", t("new_badge", { n: count }));
  });
})();
