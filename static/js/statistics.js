// The statistics page: bar charts drawn from the same tables the page shows (the tables stay the
// readable form; the charts are pictures of them). Series are named by the tables' own headings.
"use strict";

(() => {
  const charts = [];

  function headings(tableId) {
    return [...document.querySelectorAll(`#${tableId} thead th`)].map((th) => th.textContent.trim());
  }

  function draw(elementId, option) {
    const element = document.getElementById(elementId);
    if (!element || typeof echarts === "undefined") return;
    const chart = echarts.init(element, null, { renderer: "canvas" });
    chart.setOption({
      animation: false,
      aria: { enabled: false },  // the table beside it is what a screen reader reads
      textStyle: { fontFamily: getComputedStyle(document.body).fontFamily },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0, type: "scroll" },
      ...option,
    });
    element.dataset.rendered = "true";
    charts.push(chart);
  }

  const units = (State.units_table || {}).items || [];
  if (units.length) {
    const names = headings("stats-units");
    // [column heading index, field]: the counts, which share one axis
    const counts = [[1, "tasks_received"], [5, "returns"], [6, "supervision_notices"], [7, "escalations"]];
    const shown = units.slice().reverse();  // the busiest unit on top
    draw("stats-units-chart", {
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: shown.map((row) => row.unit), axisLabel: { width: 120, overflow: "truncate" } },
      series: counts.map(([index, field]) => ({ type: "bar", name: names[index], data: shown.map((row) => row[field]) })),
    });
    document.getElementById("stats-units-chart").style.height = `${Math.max(220, 60 + shown.length * 44)}px`;
  }

  const incidents = (State.incidents_table || {}).items || [];
  if (incidents.length) {
    const names = headings("stats-incidents");
    draw("stats-incidents-chart", {
      grid: { left: 8, right: 8, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: incidents.map((row) => row.label), axisLabel: { interval: 0, rotate: incidents.length > 4 ? 30 : 0 } },
      // the legend names both series; the left axis counts incidents, the right one minutes
      yAxis: [{ type: "value", minInterval: 1 }, { type: "value", splitLine: { show: false } }],
      series: [
        { type: "bar", name: names[1], data: incidents.map((row) => row.incidents) },
        { type: "bar", name: names[4], yAxisIndex: 1, data: incidents.map((row) => row.median_minutes_to_first_claim) },
      ],
    });
  }

  // The figures are the log's at the moment the page was computed; what the units do meanwhile is
  // announced (with its count) and counted on the officer's word, never by redrawing under their eyes.
  const changed = document.getElementById("stats-changed");
  const counted = /^(incident|task|supervision|commitment)\./;
  let changes = 0;
  if (changed && typeof Live !== "undefined") {
    Live.on((event) => {
      if (!counted.test(event.type)) return;
      changes += 1;
      changed.querySelector(".stats-changed-text").textContent = t("stats_changed", { n: changes });
      changed.hidden = false;
    });
    document.getElementById("stats-refresh").addEventListener("click", () => window.location.reload());
  }

  charts.forEach((chart) => chart.resize());
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
})();
