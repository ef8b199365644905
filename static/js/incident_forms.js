// Register, edit and move an incident: the same forms on the board and the incident page.
"use strict";

const IncidentForms = (() => {
  const me = State.user || {};
  const canCommand = me.role === "command";

  function detailFields(incident) {
    return [
      { name: "title", label: t("f_title"), required: true, value: incident.title },
      { name: "category", label: t("f_category"), type: "select", options: optionsOf("category"), value: incident.category, required: true },
      { name: "location", label: t("f_location"), required: true, value: incident.location },
      { name: "headcount", label: t("f_headcount"), type: "number", min: 1, required: true, value: incident.headcount },
      { name: "level", label: t("f_level"), type: "select", options: optionsOf("level", "level_long"), value: incident.level, required: true },
      { name: "demands", label: t("f_demands"), type: "textarea", value: incident.demands, keepEmpty: true },
    ];
  }

  function register() {
    const fields = detailFields({ level: "III", category: "other" });
    fields.splice(0, 0, { name: "kind", label: t("f_kind"), type: "select", options: optionsOf("kind"), value: "petition", required: true });
    fields.push({ name: "occurred_at", label: t("f_occurred_at"), type: "datetime", value: Time.local(new Date()), required: true });
    return openForm({ title: t("new_incident"), fields, submitLabel: t("register"), onSubmit: async (values) => {
      if (!values.demands) values.demands = "";
      const incident = await Api.post("/api/incidents", values);
      return incident;
    } });
  }

  function edit(incident) {
    return openForm({ title: `${t("edit_incident")} ${incident.ref}`, fields: detailFields(incident),
      onSubmit: (values) => Api.patch(`/api/incidents/${incident.id}`, { ...values, version: incident.version }) });
  }

  function changeStatus(incident) {
    const allowed = (Client.transitions.incident[incident.status] || []).map(([action]) => [action, label("incident_action", action)]);
    return openForm({ title: `${t("change_status")} · ${incident.ref} (${label("status", incident.status)})`,
      fields: [{ name: "action", label: t("f_action"), type: "select", options: allowed, required: true },
               { name: "note", label: t("note"), type: "textarea" }],
      onSubmit: (values) => Api.post(`/api/incidents/${incident.id}/transitions`, values) });
  }

  return { canCommand, register, edit, changeStatus };
})();
