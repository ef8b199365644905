// The board's panel of open high-risk hidden dangers, kept live; and, for command, a toast when one is recorded
// at high risk or rises to high (by a visit, or by itself when a key person turns up as a representative).
"use strict";

(() => {
  const list = document.getElementById("hd-board-list");
  const shown = new Map((State.hidden_dangers || []).map((d) => [d.id, d]));
  const onBoard = (d) => !!d.on_board;  // the server's rule (facts/rules.py)

  function render(changedId) {
    if (!list) return;
    const items = [...shown.values()].sort((a, b) => b.id - a.id);
    list.replaceChildren(...(items.length ? items.map((d) => h("li", { class: "hd-item hd-high", dataset: { id: d.id } },
      h("span", { class: "risk risk-high" }, label("risk", d.risk)), " ",
      h("a", { href: `/hidden-dangers/${d.id}`, class: "title" }, d.title),
      h("div", { class: "sub" }, h("span", { class: "ref" }, d.ref), " · ", label("category", d.category), " · ",
        d.location, " · ", Units.name(d.unit_id), " · ", t("hd_people", { n: d.people_affected }))))
      : [h("li", { class: "muted" }, t("hd_none_high"))]));
    if (changedId) highlight(list.querySelector(`li[data-id="${changedId}"]`));
  }

  function tell(event, d) {
    if (!Client.may.move_hidden_danger) return;  // command is told
    const raised = event.data.raised_by;
    if (event.type === "hidden_danger.risk_changed" && event.data.to === "high") {
      flash(raised ? t("hd_raised", { ref: d.ref, title: d.title, incident: `${raised.ref} ${raised.title}` })
        : t("hd_risk_changed", { ref: `${d.ref} ${d.title}`, a: label("risk", event.data.from), b: label("risk", "high") }), "warn");
    } else if (event.type === "hidden_danger.recorded" && d.risk === "high") {
      flash(t("hd_new_high", { ref: d.ref, title: d.title }), "warn");
    }
  }

  Live.on((event) => {
    const d = event.data && event.data.hidden_danger;
    if (!event.type.startsWith("hidden_danger.") || !d) return;
    if (onBoard(d)) shown.set(d.id, d); else shown.delete(d.id);
    render(onBoard(d) ? d.id : null);
    tell(event, d);
  });
  render();
})();
