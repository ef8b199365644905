// New work and instructions for the user's own unit, on whatever page is open: a desktop notification when the
// page is in the background, a chime, and the count in the tab's title until the user looks. The queue draws its
// own list, count and chime and asks here only for the desktop notification.
"use strict";

const Alerts = (() => {
  const me = State.user || {};
  const button = document.getElementById("alerts-on");
  const baseTitle = document.title;
  const onQueue = location.pathname === "/queue";
  let unseen = 0;
  const soundOn = () => localStorage.getItem("dispatch-sound") === "on";
  const canNotify = () => "Notification" in window;

  function offer() {
    if (!button || !me.unit_id) return;
    button.hidden = soundOn() && (!canNotify() || Notification.permission !== "default");
  }
  if (button) {
    button.addEventListener("click", async () => {
      localStorage.setItem("dispatch-sound", "on");
      if (canNotify() && Notification.permission === "default") await Notification.requestPermission();
      chime();
      offer();
      flash(t("alerts_on"), "ok");
    });
  }

  function chime() {
    if (!soundOn()) return;
    const audio = new (window.AudioContext || window.webkitAudioContext)();
    const tone = audio.createOscillator();
    const gain = audio.createGain();
    tone.frequency.value = 880;
    gain.gain.setValueAtTime(0.15, audio.currentTime);
    gain.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.6);
    tone.connect(gain).connect(audio.destination);
    tone.start();
    tone.stop(audio.currentTime + 0.6);
    document.body.dataset.chimed = String(Number(document.body.dataset.chimed || 0) + 1);
  }

  // a desktop notification while the user looks elsewhere; clicking it brings the page back
  function desktop(title, body, tag) {
    document.body.dataset.lastAlert = `${title}: ${body}`;
    if (!canNotify() || Notification.permission !== "granted") return;
    if (document.visibilityState === "visible" && document.hasFocus()) return;
    const note = new Notification(title, { body, tag, lang: Client.locale === "zh" ? "zh-CN" : "en" });
    note.onclick = () => { window.focus(); location.href = me.role === "liaison" ? "/queue" : location.href; };
  }

  function counted() {
    unseen += 1;
    document.title = `(${unseen}) ${baseTitle}`;
  }
  function seen() {
    if (!unseen || document.visibilityState !== "visible") return;
    unseen = 0;
    document.title = baseTitle;
  }
  window.addEventListener("focus", seen);
  document.addEventListener("visibilitychange", () => { if (document.hasFocus()) seen(); });

  // what is new for the unit, by the same rules the queue lists it by (Rules: the server's)
  function news(event) {
    const data = event.data || {};
    if ((event.type === "task.dispatched" || event.type === "task.rerouted") && data.task
        && Rules.inQueue(data.task, me.unit_id)) return [t("new_task"), data.task.title, `task-${data.task.id}`];
    const instruction = data.instruction;
    const addressed = instruction && (event.type === "instruction.issued"
      ? (instruction.addressees || []).some((a) => a.unit_id === me.unit_id)
      : event.type === "instruction.addressed" && (data.unit_ids || []).includes(me.unit_id));
    if (addressed) return [t("new_instruction"), instruction.text, `instruction-${instruction.id}`];
    return null;
  }

  if (me.unit_id && typeof Live !== "undefined" && !onQueue) {
    Live.on((event) => {
      const found = news(event);
      if (!found) return;
      desktop(...found);
      chime();
      counted();
    });
  }
  offer();
  return { desktop, news };
})();
