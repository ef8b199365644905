// The incident's after-action review: its line (live) and, for command once the incident is resolved or closed, the
// form that records it with up to three improvements (each a task for its unit).
"use strict";

(() => {
  const id = State.incident.id;
  const line = document.getElementById("review");
  const button = document.getElementById("record-review");
  if (!line) return;
  let review = State.review || null;
  const IMPROVEMENTS = 3;

  function render() {
    const status = (Store.incidents.get(id) || State.incident).status;
    if (button) button.hidden = Boolean(review) || !(Client.reviewable_statuses || []).includes(status);
    line.replaceChildren(...(review ? [t("review_recorded", { t: Time.at(review.recorded_at) }), " · ",
      h("a", { href: review.page_url }, t("report_page")), " · ",
      h("a", { href: `${review.pdf_url}?lang=${Client.locale}` }, t("report_pdf"))] : [h("span", { class: "muted" }, t("review_none"))]));
  }

  function record() {
    const units = Units.options((u) => u.kind !== "command");
    const fields = [
      { name: "summary", label: t("review_summary"), type: "textarea", required: true },
      { name: "lessons", label: t("review_lessons"), type: "textarea", required: true },
    ];
    for (let n = 1; n <= IMPROVEMENTS; n++) {
      fields.push({ name: `text_${n}`, label: t("review_improvement", { n }), type: "text" },
        { name: `unit_${n}`, label: t("review_improvement_unit", { n }), type: "select", numeric: true, options: [["", "—"], ...units] },
        { name: `due_${n}`, label: t("review_improvement_due", { n }), type: "datetime" });
    }
    openForm({ title: t("review_record"), submitLabel: t("review_record"), fields, onSubmit: async (values) => {
      const improvements = [];
      for (let n = 1; n <= IMPROVEMENTS; n++) {
        if (values[`text_${n}`]) improvements.push({ text: values[`text_${n}`], unit_id: values[`unit_${n}`], due_at: values[`due_${n}`] });
      }
      const saved = await Api.post(`/api/incidents/${id}/review`, { summary: values.summary, lessons: values.lessons, improvements });
      review = { id: saved.id, recorded_at: saved.recorded_at, page_url: saved.page_url, pdf_url: saved.pdf_url };
      render();
      return saved;
    }, done: () => t("review_saved") });
  }

  Live.on((event) => {
    if (event.incident_id !== id) return;
    if (event.type === "review.recorded" && !review) {
      review = { id: event.data.review.id, recorded_at: event.at, page_url: `/incidents/${id}/review`,
        pdf_url: `/api/incidents/${id}/review.pdf` };
    }
    render();  // a status change may offer (or withdraw) the form
  });
  if (button) button.addEventListener("click", record);
  render();
})();
