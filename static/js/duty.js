// The duty roster: a week of every unit's shifts, who is on duty now; a unit's keeper adds, removes and copies.
// What the server computed (the week's days, who is on duty now, which units this user keeps) is drawn as it is.
"use strict";

(() => {
  const days = State.days.map((d) => new Date(d));        // eight: Monday 00:00 … the next Monday 00:00
  const editable = new Set(State.editable_unit_ids || []);
  const members = State.members || [];
  const now = new Map((State.now || []).map((row) => [row.unit_id, row]));
  const personName = (p) => (Client.locale === "zh" && p.name_zh ? p.name_zh : p.name);
  const dayLabel = new Intl.DateTimeFormat(Client.locale === "zh" ? "zh-CN" : "en-GB",
    { timeZone: Client.timezone, weekday: "short", month: "numeric", day: "numeric" });
  const isoDay = (date) => Time.local(date).slice(0, 10);
  const clock = (date) => Time.local(date).slice(11);

  function weekLinks() {
    const before = new Date(days[0].getTime() - 3 * 86400000), after = new Date(days[7].getTime() + 3 * 86400000);
    document.getElementById("week-before").href = `?week=${isoDay(before)}`;
    document.getElementById("week-after").href = `?week=${isoDay(after)}`;
    document.getElementById("week-label").textContent = `${dayLabel.format(days[0])} – ${dayLabel.format(days[6])}`;
  }

  function chip(shift, unitId) {
    const start = new Date(shift.starts_at), end = new Date(shift.ends_at);
    const name = personName(shift);
    const text = `${name} ${clock(start)}–${clock(end)}`;
    const remove = editable.has(unitId) ? h("button", { type: "button", class: "chip-remove quiet",
      "aria-label": t("duty_remove", { who: text }), onclick: () => removeShift(shift, text) }, "×") : null;
    return h("li", { class: "shift-chip", title: `${Time.local(start).replace("T", " ")} – ${Time.local(end).replace("T", " ")}` }, text, remove);
  }

  function onDutyNow(unitId) {
    const row = now.get(unitId);
    if (!row) return h("td", { class: "muted" }, "—");
    const people = row.on_duty.map(personName).join("、") || t("duty_nobody");
    const heads = row.heads.map(personName).join("、");
    return h("td", { class: "duty-now" }, h("strong", {}, people),
      h("span", { class: "muted" }, row.rostered ? ` · ${t("duty_rostered")}` : ` · ${t("duty_fallback")}`),
      heads ? h("div", { class: "muted" }, `${t("duty_head")}: ${heads}`) : null);
  }

  function render() {
    document.getElementById("duty-head").replaceChildren(h("th", { scope: "col" }, t("unit")),
      h("th", { scope: "col" }, t("duty_now")),
      ...days.slice(0, 7).map((day) => h("th", { scope: "col" }, dayLabel.format(day))));
    const units = Units.all();
    document.getElementById("duty-body").replaceChildren(...units.map((unit) => {
      const head = h("th", { scope: "row" }, h("div", {}, Units.name(unit.id)));
      if (editable.has(unit.id)) {
        head.append(h("div", { class: "row-actions" },
          h("button", { type: "button", class: "quiet", onclick: () => addShift(unit) }, t("duty_add")),
          h("button", { type: "button", class: "quiet", onclick: () => copyWeek(unit) }, t("duty_copy"))));
      }
      const cells = days.slice(0, 7).map((day, n) => {
        const from = day.getTime(), to = days[n + 1].getTime();
        const shifts = State.shifts.filter((s) => s.unit_id === unit.id
          && Date.parse(s.starts_at) >= from && Date.parse(s.starts_at) < to);
        return h("td", {}, shifts.length ? h("ul", { class: "shift-list" }, shifts.map((s) => chip(s, unit.id))) : "");
      });
      return h("tr", { id: `unit-${unit.code}` }, head, onDutyNow(unit.id), ...cells);
    }));
  }

  async function reloadWeek() {
    const query = new URLSearchParams({ from: State.days[0], to: State.days[7], limit: 2000 });
    State.shifts = (await Api.get(`/api/shifts?${query}`)).items;
    render();
  }

  function addShift(unit) {
    const people = members.filter((m) => m.unit_id === unit.id).map((m) => [m.id, personName(m)]);
    const start = new Date(Math.max(Date.now(), days[0].getTime()));
    openForm({
      title: `${t("duty_add")} · ${Units.name(unit.id)}`,
      fields: [
        { name: "user_id", label: t("duty_person"), type: "select", numeric: true, options: people, required: true },
        { name: "starts_at", label: t("duty_starts"), type: "datetime", value: Time.local(start), required: true },
        { name: "ends_at", label: t("duty_ends"), type: "datetime",
          value: Time.local(new Date(start.getTime() + 86400000)), required: true },
      ],
      onSubmit: async (values) => { await Api.post(`/api/units/${unit.id}/shifts`, values); await reloadWeek(); },
    });
  }

  async function removeShift(shift, text) {
    if (!window.confirm(t("duty_remove", { who: text }))) return;
    try {
      await Api.del(`/api/shifts/${shift.id}`);
      await reloadWeek();
    } catch (error) { flash(explain(error)); }
  }

  async function copyWeek(unit) {
    try {
      const copied = await Api.post(`/api/units/${unit.id}/shifts/copy-last-week`, { week_of: State.week_start });
      await reloadWeek();
      flash(t("duty_copied", { n: copied.total }), "ok");
    } catch (error) { flash(explain(error)); }
  }

  weekLinks();
  render();
  // another keeper's change: the week's shifts are read again and drawn
  let pending = null;
  Live.on((event) => {
    if (event.type !== "shift.added" && event.type !== "shift.removed") return;
    clearTimeout(pending);
    pending = setTimeout(() => reloadWeek().catch(() => {}), 200);
  });
})();
