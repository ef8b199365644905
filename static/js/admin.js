// The administrator's page: units in their hierarchy, users, the roster and places imports, API tokens, the audit trail.
// Every change goes through the API; each list is then read again from the server, never worked out here.
"use strict";

const Admin = (() => {
  const data = {
    units: State.admin_units || [], users: State.admin_users || [], tokens: State.tokens || [], audit: State.audit || {},
    places: State.places || [],
  };
  const yesNo = [["true", t("adm_yes")], ["false", t("adm_no")]];
  const unitName = (u) => (Client.locale === "zh" && u.name_zh ? u.name_zh : u.name);
  const userName = (u) => (Client.locale === "zh" && u.display_name_zh ? u.display_name_zh : u.display_name);
  const button = (text, onclick, extra) => h("button", { type: "button", class: "small", onclick, ...(extra || {}) }, text);
  const status = (active) => h("span", { class: active ? "state-ok" : "state-off" }, active ? t("adm_active") : t("adm_inactive"));

  async function reload(what) {
    if (what === "units") data.units = await Api.get("/api/admin/units");
    if (what === "users") data.users = (await Api.get("/api/users?limit=500")).items;
    if (what === "tokens") data.tokens = (await Api.get("/api/tokens?limit=500")).items;
    if (what === "places") data.places = (await Api.get("/api/places")).items;
    render();
  }

  // ---- units: the server's order (parents first), indented by depth ----
  function unitOptions(exclude) {
    return [["", t("adm_top_level")], ...data.units.filter((u) => u.active && u.id !== exclude)
      .map((u) => [String(u.id), "\u00a0\u00a0".repeat(u.depth || 0) + `${unitName(u)} (${u.code})`])];
  }
  function unitForm(unit, parentId) {
    const isNew = !unit;
    const fields = [
      isNew ? { name: "code", label: t("adm_code"), required: true, hint: t("adm_code_hint") } : null,
      { name: "name", label: t("adm_name_en"), value: unit && unit.name, required: true },
      { name: "name_zh", label: t("adm_name_zh"), value: unit && unit.name_zh, keepEmpty: !isNew },
      isNew ? { name: "kind", label: t("adm_kind"), type: "select", required: true, value: "township",
        options: (State.unit_kinds || []).map((k) => [k, t(`adm_kind_${k}`)]) } : null,
      { name: "parent_id", label: t("adm_parent"), type: "select", options: unitOptions(unit && unit.id),
        value: String((unit ? unit.parent_id : parentId) ?? ""), keepEmpty: true },
      isNew ? null : { name: "dingtalk_webhook", label: t("adm_dingtalk"), value: unit.dingtalk_webhook, keepEmpty: true },
      isNew ? null : { name: "dingtalk_secret", label: t("adm_dingtalk_secret"),
        hint: unit.dingtalk_secret_set ? t("adm_secret_set") : t("adm_secret_unset") },
      isNew ? null : { name: "wecom_webhook", label: t("adm_wecom"), value: unit.wecom_webhook, keepEmpty: true },
    ].filter(Boolean);
    openForm({
      title: isNew ? t("adm_unit_new") : t("adm_unit_edit", { name: unitName(unit) }), fields,
      onSubmit: async (values) => {
        const body = { ...values, parent_id: values.parent_id ? Number(values.parent_id) : null };
        for (const key of ["dingtalk_webhook", "wecom_webhook"]) if (key in body && body[key] === "") body[key] = null;
        if (isNew) await Api.post("/api/units", body); else await Api.patch(`/api/units/${unit.id}`, body);
        await reload("units");
      },
    });
  }
  async function setUnitActive(unit, active) {
    try {
      await Api.patch(`/api/units/${unit.id}`, { active });
      flash(active ? t("adm_unit_activated") : t("adm_unit_deactivated"), "ok");
      await reload("units");
    } catch (e) { flash(explain(e)); }
  }
  function renderUnits() {
    const body = document.querySelector("#units-table tbody");
    body.replaceChildren(...data.units.map((u) => h("tr", { class: u.active ? "" : "inactive", dataset: { code: u.code } },
      h("td", {}, h("span", { class: "tree-indent", style: { paddingInlineStart: `${(u.depth || 0) * 1.25}em` } },
        (u.depth ? "└ " : ""), h("strong", {}, u.code))),
      h("td", {}, unitName(u)), h("td", {}, t(`adm_kind_${u.kind}`)), h("td", {}, status(u.active)),
      h("td", { class: "small" }, [u.dingtalk_webhook ? t("adm_dingtalk_short") : null,
        u.wecom_webhook ? t("adm_wecom_short") : null].filter(Boolean).join(" · ") || "—"),
      h("td", { class: "row-actions" },
        button(t("adm_edit"), () => unitForm(u), { "aria-label": t("adm_edit_named", { name: u.code }) }),
        u.active ? button(t("adm_add_under"), () => unitForm(null, u.id), { "aria-label": t("adm_add_under_named", { name: u.code }) }) : null,
        button(u.active ? t("adm_deactivate") : t("adm_activate"), () => setUnitActive(u, !u.active),
          { "aria-label": `${u.active ? t("adm_deactivate") : t("adm_activate")} ${u.code}` })))));
  }

  // ---- users ----
  function userForm(user) {
    const isNew = !user;
    const unitCodes = [["", "—"], ...data.units.filter((u) => u.active || (user && user.unit_id === u.id))
      .map((u) => [u.code, "\u00a0\u00a0".repeat(u.depth || 0) + `${unitName(u)} (${u.code})`])];
    const fields = [
      isNew ? { name: "username", label: t("adm_username"), required: true } : null,
      isNew ? { name: "password", label: t("adm_initial_password"), type: "password", required: true, hint: t("adm_password_hint") } : null,
      { name: "display_name", label: t("adm_name_en"), value: user && user.display_name },
      { name: "display_name_zh", label: t("adm_name_zh"), value: user && user.display_name_zh, keepEmpty: !isNew },
      { name: "role", label: t("adm_role"), type: "select", required: true, value: user ? user.role : "liaison",
        options: (State.roles || []).map((r) => [r, label("role", r)]) },
      { name: "unit_code", label: t("adm_unit"), type: "select", options: unitCodes, value: user && user.unit ? user.unit.code : "", keepEmpty: !isNew },
      isNew ? null : { name: "phone", label: t("adm_mobile"), hint: user.phone ? t("adm_mobile_kept", { masked: user.phone }) : t("adm_mobile_hint") },
      isNew ? null : { name: "email", label: t("adm_email"), type: "email", value: user.email, keepEmpty: true },
      isNew ? null : { name: "unit_head", label: t("adm_unit_head"), type: "select", options: yesNo, value: String(!!user.unit_head) },
    ].filter(Boolean);
    openForm({
      title: isNew ? t("adm_user_new") : t("adm_user_edit", { name: user.username }), fields,
      onSubmit: async (values) => {
        const body = { ...values };
        if ("unit_code" in body && body.unit_code === "") body.unit_code = null;
        if ("email" in body && body.email === "") body.email = null;
        if ("unit_head" in body) body.unit_head = body.unit_head === "true";
        if (isNew) {
          if (body.unit_code === null) delete body.unit_code;
          await Api.post("/api/users", body);
        } else await Api.patch(`/api/users/${user.id}`, body);
        await reload("users");
      },
    });
  }
  async function act(work, done) {
    try { await work(); if (done) flash(done, "ok"); } catch (e) { flash(explain(e)); }
  }
  function showOnce(title, secret, note) {
    const dialog = h("dialog", { class: "form-dialog", "aria-labelledby": "once-title" },
      h("h2", { id: "once-title" }, title), h("p", {}, note),
      h("p", {}, h("code", { class: "secret", id: "shown-once", tabindex: "0" }, secret)),
      h("div", { class: "actions" }, h("button", { type: "button", class: "primary", onclick: () => dialog.close() }, t("adm_done"))));
    document.body.append(dialog);
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
    dialog.querySelector("#shown-once").focus();
  }
  function resetPassword(user) {
    openForm({
      title: t("adm_reset_title", { name: user.username }), intro: [h("p", {}, t("adm_reset_intro"))], fields: [],
      submitLabel: t("adm_reset"), danger: true, done: t("adm_reset_done"),
      onSubmit: async () => {
        const { temporary_password: secret } = await Api.post(`/api/users/${user.id}/password-reset`);
        setTimeout(() => showOnce(t("adm_temporary_for", { name: user.username }), secret, t("adm_temporary_note")), 0);
        await reload("users");
      },
    });
  }
  function renderUsers() {
    const query = document.getElementById("users-filter").value.trim().toLowerCase();
    const unitsById = new Map(data.units.map((u) => [u.id, u]));
    const shown = data.users.filter((u) => !query || [u.username, u.display_name, u.display_name_zh]
      .some((text) => (text || "").toLowerCase().includes(query)));
    document.querySelector("#users-table tbody").replaceChildren(...shown.map((u) => h("tr", { class: u.active ? "" : "inactive", dataset: { username: u.username } },
      h("td", {}, h("strong", {}, u.username)), h("td", {}, userName(u), u.unit_head ? h("span", { class: "badge-head" }, ` · ${t("adm_unit_head")}`) : null),
      h("td", {}, label("role", u.role)), h("td", {}, u.unit_id && unitsById.get(u.unit_id) ? unitName(unitsById.get(u.unit_id)) : "—"),
      h("td", {}, u.phone || "—"), h("td", { class: "small" }, u.email || "—"),
      h("td", {}, status(u.active), u.must_change_password ? h("div", { class: "sub" }, t("adm_must_change")) : null),
      h("td", { class: "row-actions" },
        button(t("adm_edit"), () => userForm(u), { "aria-label": t("adm_edit_named", { name: u.username }) }),
        u.id === State.user.id ? null : button(u.active ? t("adm_disable") : t("adm_enable"),
          () => act(async () => { await Api.patch(`/api/users/${u.id}`, { active: !u.active }); await reload("users"); }),
          { "aria-label": `${u.active ? t("adm_disable") : t("adm_enable")} ${u.username}` }),
        button(t("adm_reset"), () => resetPassword(u), { "aria-label": `${t("adm_reset")} ${u.username}` }),
        button(t("adm_sign_out"), () => act(() => Api.del(`/api/users/${u.id}/sessions`), t("adm_signed_out")),
          { "aria-label": `${t("adm_sign_out")} ${u.username}` })))));
  }

  // ---- imports from a workbook (the roster, the places): a dry run, then the import itself ----
  const SHOWN_CHANGES = 50;
  function workbookImport({ prefix, url, sheets, after }) {
    const el = (name) => document.getElementById(`${prefix}-${name}`);
    function show(body, applied) {
      const errors = body.errors || [];
      const changes = body.changes || [];
      const counts = sheets.map((sheet) => h("li", {}, t(`adm_import_${sheet}`, body[sheet] || { create: 0, update: 0 })));
      el("result").replaceChildren(...[
        h("p", { role: "status", class: errors.length ? "error" : "ok" },
          errors.length ? t("adm_import_bad", { n: errors.length }) : applied ? t("adm_import_done") : t("adm_import_ready")),
        h("ul", {}, counts),
        changes.length ? h("ul", { class: "small", id: `${prefix}-changes` }, changes.slice(0, SHOWN_CHANGES).map((c) =>
          h("li", {}, c.action === "create" ? t("adm_import_adds", { row: c.row, name: c.name })
            : t("adm_import_changes", { row: c.row, name: c.name, fields: c.fields.join(", ") }))),
        changes.length > SHOWN_CHANGES ? h("li", {}, t("adm_import_more", { n: changes.length - SHOWN_CHANGES })) : null) : null,
        errors.length ? h("table", { class: "list", id: `${prefix}-errors` },
          h("thead", {}, h("tr", {}, h("th", {}, t("adm_sheet")), h("th", {}, t("adm_row")), h("th", {}, t("adm_field")), h("th", {}, t("adm_problem")))),
          h("tbody", {}, errors.map((e) => h("tr", {}, h("td", {}, e.sheet), h("td", { class: "num" }, e.row ?? ""), h("td", {}, e.field || ""), h("td", {}, e.message))))) : null,
        (body.temporary_passwords || []).length ? h("div", {}, h("p", {}, t("adm_temporary_note")),
          h("table", { class: "list", id: `${prefix}-passwords` }, h("tbody", {}, body.temporary_passwords.map((p) =>
            h("tr", {}, h("td", {}, p.username), h("td", {}, h("code", { class: "secret" }, p.password))))))) : null,
      ].filter(Boolean));
      el("apply").disabled = applied || errors.length > 0;
    }
    async function send(dryRun) {
      const file = el("file").files[0];
      if (!file) { flash(t("adm_import_choose")); return; }
      const form = new FormData();
      form.append("file", file);
      try {
        show(await Api.upload(`${url}${dryRun ? "?dry_run=1" : ""}`, form), !dryRun);
        if (!dryRun) await after();
      } catch (e) {
        if (e.body && e.body.errors) show({ errors: e.body.errors }, false);
        else flash(explain(e));
      }
    }
    el("form").addEventListener("submit", (event) => { event.preventDefault(); send(true); });
    el("apply").addEventListener("click", () => send(false));
    el("file").addEventListener("change", () => { el("apply").disabled = true; });
  }

  // ---- places: what the map pins and the forms offer ----
  const placeName = (p) => (Client.locale === "zh" && p.name_zh ? p.name_zh : p.name);
  function renderPlaces() {
    document.querySelector("#places-table tbody").replaceChildren(...data.places.map((p) => h("tr", { dataset: { name: p.name } },
      h("td", {}, placeName(p), Client.locale === "zh" && p.name_zh ? h("div", { class: "sub" }, p.name) : null),
      h("td", {}, label("place_kind", p.kind)), h("td", { class: "num" }, p.lat.toFixed(4)), h("td", { class: "num" }, p.lng.toFixed(4)))));
  }

  // ---- tokens ----
  function renderTokens() {
    const usersById = new Map(data.users.map((u) => [u.id, u]));
    document.querySelector("#tokens-table tbody").replaceChildren(...data.tokens.map((token) => h("tr", { class: token.revoked ? "inactive" : "" },
      h("td", {}, token.name), h("td", {}, token.username, usersById.get(token.user_id) ? ` (${userName(usersById.get(token.user_id))})` : ""),
      h("td", {}, Time.at(token.created_at)), h("td", {}, token.revoked ? `${t("adm_revoked")} ${Time.at(token.revoked_at)}` : t("adm_active")),
      h("td", { class: "row-actions" }, token.revoked ? null : button(t("adm_revoke"),
        () => act(async () => { await Api.del(`/api/tokens/${token.id}`); await reload("tokens"); }, t("adm_token_revoked")),
        { "aria-label": `${t("adm_revoke")} ${token.name}` })))));
  }
  function tokenForm() {
    openForm({
      title: t("adm_token_new"), fields: [
        { name: "user_id", label: t("adm_acts_as"), type: "select", numeric: true, required: true,
          options: data.users.filter((u) => u.active).map((u) => [u.id, `${u.username} · ${userName(u)}`]) },
        { name: "name", label: t("adm_token_name"), required: true, hint: t("adm_token_hint") }],
      onSubmit: async (values) => {
        const issued = await Api.post("/api/tokens", values);
        setTimeout(() => showOnce(t("adm_token_issued"), issued.token, t("adm_token_once")), 0);
        await reload("tokens");
      },
    });
  }

  // ---- the audit trail ----
  function renderVerification() {
    const check = data.audit.verification;
    const line = document.getElementById("audit-verification");
    line.className = check ? (check.holds ? "ok" : "error") : "help";
    line.textContent = !check ? t("adm_never_checked")
      : check.holds ? t("adm_check_holds", { n: check.verified, at: Time.at(check.ran_at) })
        : t("adm_check_broken", { seq: check.broken_seq, at: Time.at(check.ran_at), reason: check.reason || "" });
  }
  function describe(event) {
    const d = event.data || {};
    const who = d.username || d.code || (d.name ? d.name : "");
    const changed = d.changed ? ` (${d.changed.join(", ")})` : "";
    return `${who}${changed}${d.reason ? ` — ${d.reason}` : ""}`;
  }
  function renderAudit() {
    const items = data.audit.items || [];
    document.getElementById("audit-count").textContent = t("adm_audit_count", { n: items.length, total: data.audit.total || 0 });
    document.querySelector("#audit-table tbody").replaceChildren(...items.map((event) => h("tr", { dataset: { type: event.type } },
      h("td", {}, Time.at(event.at)), h("td", {}, event.actor ? Users.name(event.actor.id, event.actor.name) : t("adm_server")),
      h("td", {}, label("event", event.type) || event.type, h("div", { class: "sub" }, event.type)), h("td", {}, describe(event)))));
    renderVerification();
  }
  async function filterAudit(event) {
    if (event) event.preventDefault();
    const form = document.getElementById("audit-filters");
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (!value) continue;
      // a day is read from its start; "to" includes the whole day
      params.set(name, name === "to" ? new Date(Date.parse(`${value}T00:00:00Z`) + 86400000).toISOString().slice(0, 10) : value);
    }
    try {
      data.audit = await Api.get(`/api/audit?${params}`);
      renderAudit();
    } catch (e) { flash(explain(e)); }
  }
  function fillAuditFilters() {
    const types = ["user", "unit", "token", "person.revealed", "escalation_policy.updated"];
    document.getElementById("audit-type").replaceChildren(h("option", { value: "" }, t("all")),
      ...types.map((type) => h("option", { value: type }, type.includes(".") ? type : `${type}.*`)));
    document.getElementById("audit-actor").replaceChildren(h("option", { value: "" }, t("all")),
      ...data.users.map((u) => h("option", { value: u.id }, `${u.username} · ${userName(u)}`)));
  }

  function render() { renderUnits(); renderUsers(); renderPlaces(); renderTokens(); renderAudit(); }

  document.getElementById("unit-new").addEventListener("click", () => unitForm(null, null));
  document.getElementById("user-new").addEventListener("click", () => userForm(null));
  document.getElementById("token-new").addEventListener("click", tokenForm);
  document.getElementById("users-filter").addEventListener("input", renderUsers);
  workbookImport({ prefix: "import", url: "/api/admin/import", sheets: ["units", "users"],
    after: async () => { await reload("units"); await reload("users"); } });
  workbookImport({ prefix: "places-import", url: "/api/places/import", sheets: ["places"], after: () => reload("places") });
  document.getElementById("audit-filters").addEventListener("submit", filterAudit);
  document.getElementById("audit-verify").addEventListener("click", () => act(async () => {
    data.audit.verification = await Api.post("/api/audit/verify");
    renderVerification();
  }));
  // what another administrator changes meanwhile arrives as events: read the lists they touch again, once a burst
  // (an import's hundreds of events) has passed
  const touched = new Set();
  let settle = null;
  Live.on((event) => {
    const family = event.type.split(".")[0];
    if (!["unit", "user", "token", "person", "escalation_policy", "place"].includes(family)) return;
    touched.add(family);
    clearTimeout(settle);
    settle = setTimeout(async () => {
      const families = [...touched];
      touched.clear();
      for (const name of ["unit", "user", "token", "place"]) if (families.includes(name)) await reload(`${name}s`);
      await filterAudit();
    }, 300);
  });
  fillAuditFilters();
  render();
  return { data };
})();
