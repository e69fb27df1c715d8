/** Static CSS and in-page script of `report.html` (no templating: the page reads the embedded result). */
export const PAGE_STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px;color:#111827;background:#fff}
h1{font-size:22px;margin:0 0 12px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d1d5db;padding:4px 8px;text-align:left;vertical-align:top}
table.facts th{background:#f9fafb;font-weight:600}thead th{background:#f3f4f6}
code,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
pre{background:#f9fafb;border:1px solid #e5e7eb;padding:8px;white-space:pre-wrap;word-break:break-word}
.verdict{padding:2px 8px;border-radius:4px;color:#fff}.verdict-pass{background:#15803d}.verdict-fail{background:#b91c1c}.verdict-error{background:#7f1d1d}
.status{font-weight:700}.status-pass{color:#15803d}.status-fail,.status-error{color:#b91c1c}
.status-simulated,.status-unavailable,.status-unsupported{color:#b45309}
.not-run{border-left:4px solid #d97706;background:#fffbeb;padding:4px 12px;margin:12px 0}
.not-eligible{color:#b91c1c}.eligible{color:#15803d}
.charts{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0;border:1px solid #e5e7eb;padding:8px}
`;

/** Runs in the page: draws every `canvas[data-chart]` from the embedded result, then sets `data-charts-ready`. */
export const RENDER_CHARTS_SCRIPT = `
(function () {
  "use strict";
  var result = JSON.parse(document.getElementById("run-result").textContent);
  var runStartMs = Date.parse(result.startedAt);
  var palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];
  var byId = {};
  result.checks.forEach(function (c) { byId[c.id] = c; });
  function fmt(n) { return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(4))); }
  function title(text) { return { display: true, text: text }; }
  function histogram(canvas, check) {
    var h = check.measured.histogram;
    var bounds = h.bucketUpperBounds;
    var labels = bounds.map(function (b) { return "\\u2264 " + fmt(b) + " " + h.unit; });
    labels.push(bounds.length > 0 ? "> " + fmt(bounds[bounds.length - 1]) + " " + h.unit : "all");
    return new Chart(canvas, {
      type: "bar",
      data: { labels: labels, datasets: [{ label: "count", data: h.counts, backgroundColor: palette[0] }] },
      options: {
        animation: false, responsive: false,
        plugins: { legend: { display: false }, title: title(check.title) },
        scales: { x: { title: title("bucket (" + h.unit + ")") }, y: { beginAtZero: true, title: title("count") } }
      }
    });
  }
  function series(canvas, check) {
    var all = check.measured.series;
    var units = [];
    all.forEach(function (s) { if (units.indexOf(s.unit) === -1) units.push(s.unit); });
    var scales = { x: { type: "linear", title: title("seconds since run start") } };
    units.forEach(function (u, i) {
      scales["y" + i] = { type: "linear", position: i === 0 ? "left" : "right", beginAtZero: true, title: title(u), grid: { drawOnChartArea: i === 0 } };
    });
    var datasets = all.map(function (s, i) {
      var color = palette[i % palette.length];
      return {
        label: s.name + " (" + s.unit + ")",
        data: s.points.map(function (p) { return { x: (p.atMs - runStartMs) / 1000, y: p.value }; }),
        yAxisID: "y" + units.indexOf(s.unit), borderColor: color, backgroundColor: color, pointRadius: 2, borderWidth: 2
      };
    });
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: { animation: false, responsive: false, plugins: { title: title(check.title) }, scales: scales }
    });
  }
  var drawn = 0;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var check = byId[canvas.getAttribute("data-check-id")];
    if (!check || !check.measured) throw new Error("no measurement for " + canvas.id);
    (canvas.getAttribute("data-chart") === "hist" ? histogram : series)(canvas, check);
    drawn += 1;
  });
  document.body.setAttribute("data-charts-ready", String(drawn));
})();
`;

/** Style of the timeline section (only in reports of runs with a timeline). */
export const TIMELINE_STYLE = `table.timeline td:last-child{max-width:720px}figure.timeline{margin:8px 0}
`;

/** Runs in the page after the check charts: draws \`canvas[data-timeline]\` from the embedded result, then sets \`data-timeline-ready\`. */
export const RENDER_TIMELINE_SCRIPT = `
(function () {
  "use strict";
  var result = JSON.parse(document.getElementById("run-result").textContent);
  var runStartMs = Date.parse(result.startedAt);
  var palette = ["#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2"];
  function title(text) { return { display: true, text: text }; }
  function timeline(canvas) {
    var t = result.timeline;
    var sec = function (ms) { return (ms - runStartMs) / 1000; };
    var units = [];
    t.series.forEach(function (s) { if (units.indexOf(s.unit) === -1) units.push(s.unit); });
    var scales = { x: { type: "linear", title: title("seconds since run start") }, yFault: { type: "linear", display: false, min: 0, max: 1 } };
    units.forEach(function (u, i) {
      scales["y" + i] = { type: "linear", position: i === 0 ? "left" : "right", beginAtZero: true, title: title(u), grid: { drawOnChartArea: i === 0 } };
    });
    var datasets = t.series.map(function (s, i) {
      var color = palette[i % palette.length];
      return { type: "line", label: s.name + " (" + s.unit + ")", data: s.points.map(function (p) { return { x: sec(p.atMs), y: p.value }; }), yAxisID: "y" + units.indexOf(s.unit), borderColor: color, backgroundColor: color, pointRadius: 1, borderWidth: 1.5 };
    });
    t.windows.forEach(function (w) {
      datasets.push({ type: "line", label: "fault: " + w.label, data: [{ x: sec(w.fromMs), y: 1 }, { x: sec(w.toMs), y: 1 }], yAxisID: "yFault", fill: "origin", borderWidth: 0, pointRadius: 0, backgroundColor: "rgba(220,38,38,0.12)" });
    });
    var kinds = {};
    t.events.forEach(function (e) { (kinds[e.kind] = kinds[e.kind] || []).push(e); });
    var marks = { "fault-injected": "#dc2626", "fault-healed": "#16a34a", recovered: "#2563eb", steady: "#0891b2", loss: "#7f1d1d", alert: "#d97706", note: "#6b7280" };
    Object.keys(kinds).forEach(function (k) {
      datasets.push({ type: "scatter", label: k, data: kinds[k].map(function (e) { return { x: sec(e.atMs), y: 0.95, label: e.label }; }), yAxisID: "yFault", pointStyle: "triangle", pointRadius: 6, borderColor: marks[k] || "#111827", backgroundColor: marks[k] || "#111827" });
    });
    return new Chart(canvas, {
      type: "line",
      data: { datasets: datasets },
      options: {
        animation: false, responsive: false, scales: scales,
        plugins: { title: title("timeline"), tooltip: { callbacks: { label: function (ctx) { return ctx.raw && ctx.raw.label ? ctx.raw.label : ctx.dataset.label + ": " + ctx.formattedValue; } } } }
      }
    });
  }
  var canvas = document.querySelector("canvas[data-timeline]");
  if (canvas) timeline(canvas);
  document.body.setAttribute("data-timeline-ready", canvas ? "1" : "0");
})();
`;
