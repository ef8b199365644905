// Response plans: the plans page (list by category and level; write, edit, delete) and, on the incident page,
// command's "apply response plan" (choose, see the tasks it dispatches, confirm). Kept live by response_plan.* events.
"use strict";

const ResponsePlans = (() => {
  const may = Client.may || {};
  const LEVEL_ORDER = Client.choices.level || [];

  // The plans this page knows, replaced whole by each event (a saved plan's event carries it).
  const Store = (() => {
    const byId = new Map((State.response_plans || []).map((plan) => [plan.id, plan]));
    const listeners = [];
    function set(plan) { byId.set(plan.id, plan); listeners.forEach((listener) => listener(plan)); }
    function drop(planId) { byId.delete(planId); listeners.forEach((listener) => listener({ id: planId, deleted: true })); }
    Live.on((event) => {
      const plan = event.data && event.data.response_plan;
      if (event.type === "response_plan.saved" && plan) set(plan);
      if (event.type === "response_plan.deleted" && plan) drop(plan.id);
    });
    return { byId, set, drop, all: () => [...byId.values()], onChange: (listener) => listeners.push(listener) };
  })();

  const within = (minutes) => t("rp_within", { t: Time.span(minutes * 60000) });
  const levelsOf = (plan) => plan.levels.map((level) => levelBadge(level));
  const units = () => Units.options((u) => u.kind !== "command");

  // One plan's tasks as a table: who, what, how urgent, how long.
  function tasksTable(plan, { from } = {}) {
    return h("table", { class: "list rp-tasks" },
      h("thead", {}, h("tr", {}, h("th", {}, t("lead_unit")), h("th", {}, t("f_title")), h("th", {}, t("f_priority")),
        h("th", {}, from ? t("f_due_at") : t("f_due_in_minutes")))),
      h("tbody", {}, plan.tasks.map((task) => h("tr", {},
        h("td", {}, h("strong", {}, Units.name(task.unit_id)),
          task.co_unit_ids.length ? h("div", { class: "sub" }, `${t("co_units")}: ${task.co_unit_ids.map(Units.name).join("、")}`) : null),
        h("td", {}, task.title, task.instructions ? h("div", { class: "sub" }, task.instructions) : null),
        h("td", {}, h("span", { class: `prio-${task.priority}` }, label("priority", task.priority))),
        h("td", { class: "num" }, within(task.due_in_minutes),
          from ? h("div", { class: "sub" }, Time.at(new Date(from.getTime() + task.due_in_minutes * 60000))) : null)))));
  }

  // ---- the plan's form: name, category, levels and a row per task (errors beside the field the server names) ----
  function planForm(plan) {
    const editing = !!plan;
    plan = plan || { name: "", category: "other", levels: ["III"], tasks: [{ priority: "normal", due_in_minutes: 120, co_unit_ids: [] }] };
    const dialog = h("dialog", { class: "form-dialog rp-form", "aria-labelledby": "dialog-title" });
    const form = h("form", { method: "dialog", novalidate: true });
    const rows = h("ol", { class: "plain rp-rows" });
    const problem = h("p", { class: "error form-error", role: "alert" });
    const field = (name, text, control, required) => h("div", { class: "field" },
      h("label", { for: `f-${name}`, id: `f-${name}-label` }, text, required ? h("span", { class: "req", "aria-hidden": "true" }, " *") : null),
      control, h("p", { class: "field-error", id: `f-${name}-error` }));
    const control = (spec) => fieldControl(spec, `f-${spec.name}`);

    function taskRow(task) {
      const li = h("li", { class: "rp-row" });
      li.task = task;
      return li;
    }
    // Rows are renumbered after adding or removing one, so each control's name is the field the server names.
    function paintRows() {
      [...rows.children].forEach((li, index) => {
        const task = readRow(li) || li.task;
        const name = (key) => `tasks.${index}.${key}`;
        li.replaceChildren(
          h("div", { class: "rp-row-head" }, h("h3", {}, t("rp_task_n", { n: index + 1 })),
            h("button", { type: "button", class: "small quiet rp-remove", disabled: rows.children.length === 1 || null,
              "aria-label": `${t("rp_remove_task")} ${index + 1}`, onclick: () => { li.remove(); paintRows(); } }, t("rp_remove_task"))),
          field(name("unit_id"), t("lead_unit"), control({ name: name("unit_id"), type: "select", options: units(), value: task.unit_id }), true),
          field(name("title"), t("f_title"), control({ name: name("title"), required: true, value: task.title }), true),
          field(name("instructions"), t("f_instructions"), control({ name: name("instructions"), type: "textarea", rows: 2, value: task.instructions })),
          h("div", { class: "rp-pair" },
            field(name("priority"), t("f_priority"), control({ name: name("priority"), type: "select", options: optionsOf("priority"), value: task.priority || "normal" }), true),
            field(name("due_in_minutes"), t("f_due_in_minutes"), control({ name: name("due_in_minutes"), type: "number", min: 1, value: task.due_in_minutes }), true)),
          h("details", { open: (task.co_unit_ids || []).length ? true : null }, h("summary", {}, t("co_units")),
            field(name("co_unit_ids"), t("co_units"), control({ name: name("co_unit_ids"), type: "checkboxes", options: units(), value: task.co_unit_ids || [] }))));
      });
    }
    function readRow(li) {
      const get = (key) => li.querySelector(`[name$=".${key}"]`);
      if (!get("title")) return null;
      return { unit_id: Number(get("unit_id").value), title: get("title").value, instructions: get("instructions").value,
        priority: get("priority").value, due_in_minutes: get("due_in_minutes").value === "" ? undefined : Number(get("due_in_minutes").value),
        co_unit_ids: [...li.querySelectorAll('[name$=".co_unit_ids"]:checked')].map((box) => Number(box.value)) };
    }

    const levels = control({ name: "levels", type: "checkboxes", options: optionsOf("level", "level_long"), value: plan.levels });
    form.append(h("h2", { id: "dialog-title" }, editing ? `${t("rp_edit")} · ${plan.name}` : t("rp_new")),
      field("name", t("f_plan_name"), control({ name: "name", required: true, value: plan.name }), true),
      field("category", t("f_category"), control({ name: "category", type: "select", options: optionsOf("category"), value: plan.category }), true),
      field("levels", t("f_levels"), levels, true),
      rows,
      h("button", { type: "button", id: "rp-add-task", onclick: () => {
        rows.append(taskRow({ priority: "normal", due_in_minutes: 120, co_unit_ids: [] }));
        paintRows();
        rows.lastElementChild.querySelector("select").focus();
      } }, `+ ${t("rp_add_task")}`),
      problem,
      h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, t("save")),
        h("button", { type: "button", class: "quiet", onclick: () => dialog.close() }, t("cancel"))));
    plan.tasks.forEach((task) => rows.append(taskRow(task)));
    paintRows();

    function mark(name, message) {
      const error = document.getElementById(`f-${name}-error`);
      if (!error) return false;
      error.textContent = message;
      const target = form.querySelector(`[name="${name}"]`);
      if (target) target.setAttribute("aria-invalid", "true");
      return true;
    }
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      form.querySelectorAll(".field-error").forEach((p) => { p.textContent = ""; });
      form.querySelectorAll("[aria-invalid]").forEach((c) => c.removeAttribute("aria-invalid"));
      const body = { name: form.elements.namedItem("name").value, category: form.elements.category.value,
        levels: [...levels.querySelectorAll("input:checked")].map((box) => box.value)
          .sort((a, b) => LEVEL_ORDER.indexOf(a) - LEVEL_ORDER.indexOf(b)),
        tasks: [...rows.children].map(readRow) };
      if (editing) body.version = plan.version;
      const submit = form.querySelector("button[type=submit]");
      submit.disabled = true;
      try {
        const saved = editing ? await Api.request("PUT", `/api/response-plans/${plan.id}`, body) : await Api.post("/api/response-plans", body);
        Store.set(saved);
        dialog.close();
        flash(`${t("rp_saved")}: ${saved.name}`, "ok");
      } catch (error) {
        const unplaced = Object.entries(error.fields || {}).filter(([name, messages]) => !mark(name, [].concat(messages).join(" ")))
          .map(([, messages]) => [].concat(messages).join(" "));
        problem.textContent = [explain(error), ...unplaced].join(" ");
        const invalid = form.querySelector("[aria-invalid]");
        if (invalid) invalid.focus();
      } finally {
        submit.disabled = false;
      }
    });
    dialog.append(form);
    document.body.append(dialog);
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
    form.elements.namedItem("name").focus();
    return dialog;
  }

  function deletePlan(plan) {
    return openForm({ title: `${t("rp_delete")} · ${plan.name}`, fields: [], submitLabel: t("rp_delete"), danger: true,
      intro: [h("p", {}, t("rp_delete_confirm", { name: plan.name }))], done: t("rp_deleted"),
      onSubmit: async () => { await Api.del(`/api/response-plans/${plan.id}`); Store.drop(plan.id); } });
  }

  return { Store, tasksTable, planForm, deletePlan, levelsOf, within };
})();

// ---- the plans page ----
(() => {
  const list = document.getElementById("rp-list");
  if (!list) return;
  const filters = { category: document.getElementById("rp-category"), level: document.getElementById("rp-level") };
  const categories = Client.choices.category || [];
  const LEVELS = Client.choices.level || [];
  const mostSevere = (plan) => Math.min(...plan.levels.map((level) => LEVELS.indexOf(level)));

  function card(plan) {
    const buttons = Client.may.edit_response_plans ? [
      h("button", { type: "button", class: "small", onclick: () => ResponsePlans.planForm(plan) }, t("edit")),
      h("button", { type: "button", class: "small danger", onclick: () => ResponsePlans.deletePlan(plan) }, t("rp_delete"))] : [];
    return h("section", { class: "panel rp-plan", dataset: { planId: plan.id }, "aria-labelledby": `rp-name-${plan.id}` },
      h("div", { class: "panel-head" }, ...ResponsePlans.levelsOf(plan),
        h("h2", { class: "grow", id: `rp-name-${plan.id}` }, plan.name),
        h("span", { class: "muted" }, t("rp_tasks_n", { n: plan.tasks.length })), ...buttons),
      ResponsePlans.tasksTable(plan));
  }

  function render(changedId) {
    const all = ResponsePlans.Store.all();
    const shown = all.filter((plan) => (!filters.category.value || plan.category === filters.category.value)
      && (!filters.level.value || plan.levels.includes(filters.level.value)));
    const groups = categories.map((category) => [category, shown.filter((plan) => plan.category === category)
      .sort((a, b) => mostSevere(a) - mostSevere(b) || a.id - b.id)]).filter(([, plans]) => plans.length);
    list.replaceChildren(...groups.map(([category, plans]) => h("div", { class: "rp-group", dataset: { category } },
      h("h2", { class: "rp-category" }, label("category", category)), plans.map(card))));
    document.getElementById("rp-empty").hidden = shown.length > 0;
    document.getElementById("rp-count").textContent = t("rp_count", { n: shown.length, total: all.length });
    if (changedId) highlight(list.querySelector(`[data-plan-id="${changedId}"]`));
  }

  filtersInAddress(filters, render);
  ResponsePlans.Store.onChange((plan) => render(plan.deleted ? null : plan.id));
  const create = document.getElementById("new-response-plan");
  if (create) create.addEventListener("click", () => ResponsePlans.planForm());
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    if (event.target.matches("input, textarea, select")) return;
    if (event.key === "n" && create) { event.preventDefault(); ResponsePlans.planForm(); }
  });
  render();
})();

// ---- the incident page: command applies a plan ----
(() => {
  const select = document.getElementById("rp-select");
  if (!select || !State.incident) return;
  const incidentId = State.incident.id;
  const applied = new Set(State.applied_plan_ids || []);
  const button = document.getElementById("rp-apply-button");
  const incident = () => Store.incidents.get(incidentId) || State.incident;

  // Plans for this incident's category and level first, then the others; an applied plan is shown but not offered.
  function fill() {
    const chosen = select.value;
    const { category, level } = incident();
    const plans = ResponsePlans.Store.all().sort((a, b) => a.category.localeCompare(b.category) || a.id - b.id);
    const fits = (plan) => plan.category === category && plan.levels.includes(level);
    const option = (plan) => h("option", { value: plan.id, disabled: applied.has(plan.id) || null },
      applied.has(plan.id) ? t("rp_applied_mark", { name: plan.name }) : plan.name);
    const matching = plans.filter(fits), other = plans.filter((plan) => !fits(plan));
    // a plan for another category or level is chosen on purpose, never by default
    select.replaceChildren(h("option", { value: "" }, plans.length ? t("rp_pick") : t("rp_none_to_apply")),
      ...(matching.length ? [h("optgroup", { label: t("rp_matching") }, matching.map(option))] : []),
      ...(other.length ? [h("optgroup", { label: t("rp_other") }, other.map(option))] : []));
    const offered = [...select.options].filter((o) => o.value && !o.disabled);
    const first = offered.find((o) => fits(ResponsePlans.Store.byId.get(Number(o.value))));
    select.value = offered.some((o) => o.value === chosen) ? chosen : first ? first.value : "";
    select.disabled = !plans.length;
    button.disabled = !offered.length;
  }

  function confirmApply() {
    const plan = ResponsePlans.Store.byId.get(Number(select.value));
    if (!plan) { flash(plans().length ? t("rp_pick_first") : t("rp_none_to_apply")); select.focus(); return; }
    const now = new Date();
    openForm({ title: `${t("rp_apply")} · ${plan.name}`, fields: [], submitLabel: t("rp_apply"),
      intro: [h("p", {}, ...ResponsePlans.levelsOf(plan), " ", label("category", plan.category)),
        h("p", {}, t("rp_will_dispatch", { n: plan.tasks.length })), ResponsePlans.tasksTable(plan, { from: now })],
      onSubmit: async () => {
        try {
          return await Api.post(`/api/incidents/${incidentId}/response-plans/${plan.id}/apply`, {});
        } catch (error) {
          if (error.status === 409 && error.body && error.body.error && error.body.error.applied_at) { applied.add(plan.id); fill(); }
          throw error;
        }
      },
      done: (result) => { applied.add(plan.id); fill(); return t("rp_applied_done", { n: result.tasks.length }); } });
  }
  const plans = () => ResponsePlans.Store.all();

  button.addEventListener("click", confirmApply);
  select.addEventListener("keydown", (event) => { if (event.key === "Enter") { event.preventDefault(); confirmApply(); } });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || document.querySelector("dialog[open]")) return;
    if (event.target.matches("input, textarea, select") || event.key !== "p") return;
    event.preventDefault();
    select.focus();
  });
  Live.on((event) => {
    if (event.type === "response_plan.applied" && event.incident_id === incidentId && event.data.response_plan) {
      applied.add(event.data.response_plan.id);
      fill();
    }
  });
  ResponsePlans.Store.onChange(fill);
  Store.onChange((what) => { if (what.kind === "incident" && what.incidentId === incidentId) fill(); });
  fill();
})();
