// The map of the board, the wall and the incident page: the incidents on the board (or this one incident) by
// level, escalations standing out, and the open high-risk hidden dangers; redrawn live.
"use strict";

const SituationMap = (() => {
  const element = document.getElementById("situation-map");
  if (!element || typeof L === "undefined") return null;
  const only = element.dataset.incident ? Number(element.dataset.incident) : null;
  const view = CountyMap.create(element);
  const highRisk = (d) => d.status === "open" && d.risk === "high";
  const dangers = new Map((State.hidden_dangers || []).filter(highRisk).map((d) => [d.id, d]));

  function incidents(summary) {
    if (only) return [Store.incidents.get(only) || State.incident];
    return [...Store.incidents.values()].filter((i) => Rules.isOnBoard(i, summary.get(i.id)));
  }
  function draw() {
    const summary = Store.summary();
    const shown = incidents(summary);
    CountyMap.draw(view, shown, summary, only ? [] : [...dangers.values()]);
    const located = shown.filter((i) => i.lat !== null && i.lat !== undefined);
    element.dataset.located = String(located.length);
    element.setAttribute("aria-label", t("map_label", { n: located.length, m: only ? 0 : dangers.size }));
  }
  let scheduled = false;
  const schedule = () => { if (!scheduled) { scheduled = true; requestAnimationFrame(() => { scheduled = false; draw(); }); } };
  Store.onChange(schedule);
  Live.on((event) => {
    const d = event.data && event.data.hidden_danger;
    if (!event.type.startsWith("hidden_danger.") || !d) return;
    if (highRisk(d)) dangers.set(d.id, d); else dangers.delete(d.id);
    schedule();
  });
  draw();
  return { view, draw };
})();
