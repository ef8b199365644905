// The incident's situation reports: the list (live) and, for command, the publish form.
"use strict";

(() => {
  const id = State.incident.id;
  const reports = [...(State.reports || [])];
  const list = document.getElementById("reports");
  if (!list) return;

  function item(report) {
    return h("li", { dataset: { reportId: report.id } },
      h("strong", {}, label("report_kind", report.kind)), " ", h("span", {}, t("report_no", { n: report.number })),
      h("span", { class: "muted" }, ` · ${Time.at(report.published_at)} · `),
      h("a", { href: report.page_url }, t("report_page")), " · ",
      h("a", { href: `${report.pdf_url}?lang=${Client.locale}` }, t("report_pdf")));
  }
  function render() {
    const shown = reports.slice().sort((a, b) => b.number - a.number);
    list.replaceChildren(...(shown.length ? shown.map(item) : [h("li", { class: "muted" }, t("no_reports"))]));
  }

  function publish() {
    const status = (Store.incidents.get(id) || State.incident).status;
    const kinds = (Client.report_kinds || {})[status] || [];
    openForm({ title: t("publish_report"), submitLabel: t("publish_report"), fields: [
      { name: "kind", label: t("report_kind"), type: "select", required: true,
        options: kinds.map((kind) => [kind, label("report_kind", kind)]),
        hint: kinds.includes("final") ? null : t("final_when_over") },
      { name: "summary", label: t("report_summary"), type: "textarea" },
      { name: "next_steps", label: t("report_next_steps"), type: "textarea", required: true },
    ], onSubmit: (values) => Api.post(`/api/incidents/${id}/reports`, values), done: () => t("report_published") });
  }

  Live.on((event) => {
    if (event.type !== "report.published" || event.incident_id !== id) return;
    const report = (event.data || {}).report;
    if (!report || reports.some((r) => r.id === report.id)) return;
    reports.push(report);
    render();
    highlight(list.querySelector(`[data-report-id="${report.id}"]`));
  });
  const button = document.getElementById("publish-report");
  if (button) button.addEventListener("click", publish);
  render();
})();
