// The incident's situation reports: the list (live), the publish form for command (proposing the next kind, or a
// draft to be signed off), and for drafts: edit (command) and sign off (a leader or command).
"use strict";

(() => {
  const id = State.incident.id;
  const reports = [...(State.reports || [])];
  const list = document.getElementById("reports");
  if (!list) return;

  function remember(report) {
    const at = reports.findIndex((r) => r.id === report.id);
    if (at >= 0) reports[at] = report; else reports.push(report);
    render();
    highlight(list.querySelector(`[data-report-id="${report.id}"]`));
  }

  function item(report) {
    const draft = report.status === "draft";
    const actions = draft ? [
      Client.may.publish_report ? h("button", { type: "button", class: "small edit-report", onclick: () => edit(report) }, t("edit")) : null,
      Client.may.approve_report ? h("button", { type: "button", class: "small primary approve-report", onclick: () => approve(report) }, t("report_approve")) : null,
    ] : [];
    return h("li", { dataset: { reportId: report.id, status: report.status } },
      h("strong", {}, label("report_kind", report.kind)), " ",
      draft ? h("span", { class: "badge draft" }, t("report_draft")) : h("span", {}, t("report_no", { n: report.number })),
      h("span", { class: "muted" }, ` · ${Time.at(draft ? report.drafted_at : report.published_at)} · `),
      h("a", { href: report.page_url }, t("report_page")), " · ",
      h("a", { href: `${report.pdf_url}?lang=${Client.locale}` }, t("report_pdf")), " ", ...actions);
  }
  function render() {
    // drafts first, then the published ones newest first
    const shown = reports.slice().sort((a, b) => (b.number ?? 1e9) - (a.number ?? 1e9) || b.id - a.id);
    list.replaceChildren(...(shown.length ? shown.map(item) : [h("li", { class: "muted" }, t("no_reports"))]));
  }

  function textFields(report) {
    return [
      { name: "summary", label: t("report_summary"), type: "textarea", value: report ? report.summary : "" },
      { name: "next_steps", label: t("report_next_steps"), type: "textarea", required: true, value: report ? report.next_steps : "" },
    ];
  }
  async function publish() {
    const status = (Store.incidents.get(id) || State.incident).status;
    const kinds = (Client.report_kinds || {})[status] || [];
    // the server says which kind comes next (a follow-up once the initial report is out)
    const { next_kind: proposed } = await Api.get(`/api/incidents/${id}/reports`);
    openForm({ title: t("publish_report"), submitLabel: t("publish_report"), fields: [
      { name: "kind", label: t("report_kind"), type: "select", required: true, value: proposed,
        options: kinds.map((kind) => [kind, label("report_kind", kind)]),
        hint: kinds.includes("final") ? null : t("final_when_over") },
      ...textFields(null),
      { name: "draft", label: t("report_as_draft"), type: "checkbox", hint: t("report_as_draft_hint") },
    ], onSubmit: async (values) => {
      const report = await Api.post(`/api/incidents/${id}/reports`, values);
      if (report.status === "draft") remember(report);  // a draft is announced to nobody: this page shows it
      return report;
    }, done: (report) => t(report.status === "draft" ? "report_drafted" : "report_published") });
  }
  function edit(report) {
    const status = (Store.incidents.get(id) || State.incident).status;
    const kinds = (Client.report_kinds || {})[status] || [];
    openForm({ title: `${t("edit")} · ${label("report_kind", report.kind)} · ${t("report_draft")}`, fields: [
      { name: "kind", label: t("report_kind"), type: "select", required: true, value: report.kind,
        options: kinds.map((kind) => [kind, label("report_kind", kind)]) },
      ...textFields(report).map((f) => ({ ...f, keepEmpty: f.name === "summary" })),
    ], onSubmit: async (values) => remember(await Api.patch(`/api/reports/${report.id}`, values)) });
  }
  function approve(report) {
    openForm({ title: t("report_approve"), submitLabel: t("report_approve"),
      intro: [h("p", {}, t("report_approve_intro", { kind: label("report_kind", report.kind) }))], fields: [],
      onSubmit: async () => remember(await Api.post(`/api/reports/${report.id}/approve`, { incident_id: id })),
      done: () => t("report_published") });
  }

  Live.on((event) => {
    if (event.type !== "report.published" || event.incident_id !== id) return;
    const report = (event.data || {}).report;
    if (report) remember({ ...(reports.find((r) => r.id === report.id) || {}), ...report });
  });
  const button = document.getElementById("publish-report");
  if (button) button.addEventListener("click", publish);
  render();
})();
