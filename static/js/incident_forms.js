// Register, edit and move an incident: the same forms on the board and the incident page.
"use strict";

const IncidentForms = (() => {
  const canCommand = Client.may.edit_incident;

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

  // where it is: a place of the county, or a click on the map (sent as lat / lng)
  const pointField = (incident) => ({ name: "point", label: t("map_where"), type: "custom",
    build: (id) => CountyMap.picker(id, incident) });
  function withPoint(values) {
    const { point, ...rest } = values;
    return point ? { ...rest, lat: point.lat, lng: point.lng } : rest;
  }

  function register() {
    const fields = detailFields({ level: "III", category: "other" });
    fields.splice(0, 0, { name: "kind", label: t("f_kind"), type: "select", options: optionsOf("kind"), value: "petition", required: true });
    fields.push({ name: "occurred_at", label: t("f_occurred_at"), type: "datetime", value: Time.local(new Date()), required: true });
    fields.splice(fields.findIndex((f) => f.name === "location") + 1, 0, pointField(null));
    return openForm({ title: t("new_incident"), fields, submitLabel: t("register"), onSubmit: async (values) => {
      if (!values.demands) values.demands = "";
      const incident = await Api.post("/api/incidents", withPoint(values));
      return incident;
    } });
  }

  // Someone saved first: take their version, keep what the officer typed, and say what they changed.
  function edit(incident) {
    let seen = incident;
    const fields = detailFields(incident);
    fields.splice(fields.findIndex((f) => f.name === "location") + 1, 0, pointField(incident));
    return openForm({ title: `${t("edit_incident")} ${incident.ref}`, fields, onSubmit: async (values) => {
      // only what the officer changed, so a field someone else changed meanwhile is not written back
      const typed = Object.fromEntries(Object.entries(withPoint(values))
        .filter(([name, value]) => String(value ?? "") !== String(incident[name] ?? "")));
      try {
        return await Api.patch(`/api/incidents/${seen.id}`, { ...typed, version: seen.version });
      } catch (error) {
        if (error.status !== 409 || !(error.body && error.body.error && error.body.error.current_version)) throw error;
        const latest = await Api.get(`/api/incidents/${seen.id}`);
        const changed = fields.filter((f) => String(latest[f.name] ?? "") !== String(seen[f.name] ?? ""))
          .map((f) => h("li", {}, `${f.label}: ${seen[f.name] ?? ""} → ${latest[f.name] ?? ""}`));
        seen = latest;
        throw refusal(t("stale_reloaded"), changed.length ? [h("ul", { class: "changed" }, changed)] : []);
      }
    } });
  }

  async function unsettledOf(incident) {
    const detail = await Api.get(`/api/incidents/${incident.id}`);
    return (detail.tasks || []).filter(Rules.isOpen);
  }

  // Resolving with work still open asks first and names it; closing is refused by the server, naming it too.
  function changeStatus(incident) {
    const allowed = (Client.transitions.incident[incident.status] || []).map(([action]) => [action, label("incident_action", action)]);
    let confirmed = false;
    return openForm({ title: `${t("change_status")} · ${incident.ref} (${label("status", incident.status)})`,
      fields: [{ name: "action", label: t("f_action"), type: "select", options: allowed, required: true },
               { name: "note", label: t("note"), type: "textarea" }],
      onSubmit: async (values) => {
        if (values.action === "resolve" && !confirmed) {
          const open = await unsettledOf(incident);
          if (open.length) {
            confirmed = true;
            throw refusal(t("resolve_confirm", { n: open.length }), [taskLinks(open)]);
          }
        }
        try {
          return await Api.post(`/api/incidents/${incident.id}/transitions`, values);
        } catch (error) {
          const tasks = error.body && error.body.error && error.body.error.unsettled_tasks;
          if (tasks) error.nodes = [taskLinks(tasks.map((task) => ({ incident_id: incident.id, ...task })))];
          throw error;
        }
      } });
  }

  return { canCommand, register, edit, changeStatus };
})();
