"use strict";
// The status page: /health/history drawn with uPlot (both processes' RSS, the child's budget and the
// memory limit as lines, a dashed mark at each restart of the child), and /health as a table below.
// Refreshed every sampling interval (at least every few seconds). Service text enters only as textContent.

const SHORTEST_REFRESH_S = 5;
const CHART_HEIGHT = 320;
const RESTART_COLOUR = "#b3261e";

const chartBox = document.getElementById("chart");
const summary = document.getElementById("summary");
const restartList = document.getElementById("restarts");
const healthTable = document.getElementById("health");
const errorBox = document.getElementById("error");

let chart = null;
let restartMarks = [];

refresh();
window.addEventListener("resize", () => {
  if (chart !== null) {
    chart.setSize({ width: chartWidth(), height: CHART_HEIGHT });
  }
});

async function refresh() {
  let every = SHORTEST_REFRESH_S;
  try {
    const [history, health] = await Promise.all([getJson("/health/history"), getJson("/health")]);
    every = Math.max(SHORTEST_REFRESH_S, history.interval_s);
    showHistory(history);
    showHealth(health);
    errorBox.hidden = true;
  } catch (error) {
    errorBox.textContent = error.message;
    errorBox.hidden = false;
  }
  window.setTimeout(refresh, every * 1000);
}

// /health answers 503 with its JSON when unhealthy: that is still a report to show.
async function getJson(path) {
  let response;
  try {
    response = await fetch(path, { headers: { Accept: "application/json" } });
  } catch (error) {
    throw new Error(`The service could not be reached (${error.message}).`);
  }
  const body = await response.json().catch(() => null);
  if (body === null || (!response.ok && response.status !== 503)) {
    const message = body && body.error ? body.error.message : response.statusText;
    throw new Error(`${path}: ${message} (HTTP ${response.status}).`);
  }
  return body;
}

function showHistory(history) {
  const samples = history.samples;
  const times = samples.time;
  restartMarks = history.restarts;
  const data = [
    times,
    samples.web_rss_mb,
    samples.model_rss_mb,
    times.map(() => history.model_budget_mb),
    times.map(() => history.memory_limit_mb),
  ];
  if (chart === null) {
    chart = new uPlot(chartOptions(history), data, chartBox);
  } else {
    chart.setData(data);
  }
  showSummary(history);
  restartList.replaceChildren(...history.restarts.map(restartItem));
  if (history.restarts.length === 0) {
    restartList.append(element("li", "none", "None since the service started."));
  }
}

function chartOptions(history) {
  const megabytes = (u, value) => (value === null || value === undefined ? "–" : `${value.toFixed(1)} MB`);
  return {
    width: chartWidth(),
    height: CHART_HEIGHT,
    scales: { y: { range: (u, min, max) => [0, yTop(history)] } },
    series: [
      {},
      { label: "web RSS", stroke: "#1f6fb2", width: 2, value: megabytes },
      { label: "model RSS", stroke: "#d9730d", width: 2, value: megabytes },
      { label: "model budget", stroke: "#6b6b6b", width: 1, dash: [8, 4], points: { show: false }, value: megabytes },
      {
        label: `memory limit (${history.memory_limit_source})`,
        stroke: RESTART_COLOUR,
        width: 1,
        points: { show: false },
        value: megabytes,
      },
    ],
    axes: [{}, { label: "MB", values: (u, ticks) => ticks.map((tick) => tick.toFixed(0)) }],
    plugins: [{ hooks: { draw: [drawRestartMarks] } }],
  };
}

// Up to the memory limit, unless it is far above everything else (a machine's RAM outside a container):
// then up to half again the highest of the budget and the samples, so the curves are not flattened.
function yTop(history) {
  const measured = [...history.samples.web_rss_mb, ...history.samples.model_rss_mb].filter((v) => v !== null);
  const highest = Math.max(history.model_budget_mb, ...measured);
  return Math.min(history.memory_limit_mb, highest * 1.5) * 1.05;
}

// A dashed vertical line at each restart within the chart's time range, labelled with its kind.
function drawRestartMarks(u) {
  const context = u.ctx;
  const { left, top, width, height } = u.bbox;
  context.save();
  context.strokeStyle = RESTART_COLOUR;
  context.fillStyle = RESTART_COLOUR;
  context.lineWidth = Math.max(1, window.devicePixelRatio);
  context.setLineDash([4 * window.devicePixelRatio, 4 * window.devicePixelRatio]);
  context.font = `${11 * window.devicePixelRatio}px sans-serif`;
  for (const mark of restartMarks) {
    const x = Math.round(u.valToPos(mark.time, "x", true));
    if (x < left || x > left + width) {
      continue;
    }
    context.beginPath();
    context.moveTo(x, top);
    context.lineTo(x, top + height);
    context.stroke();
    context.fillText(mark.reason.split(":")[0], x + 3 * window.devicePixelRatio, top + 12 * window.devicePixelRatio);
  }
  context.restore();
}

function chartWidth() {
  return Math.max(280, chartBox.clientWidth);
}

function showSummary(history) {
  const last = history.samples.time.length - 1;
  if (last < 0) {
    summary.textContent = "No samples yet: the first is taken within a second of the start.";
    return;
  }
  const web = history.samples.web_rss_mb[last];
  const model = history.samples.model_rss_mb[last];
  const shown = (value) => (value === null ? "not measured" : `${value.toFixed(1)} MB`);
  const minutes = Math.round((history.samples.time[last] - history.samples.time[0]) / 60);
  summary.textContent =
    `Now: web ${shown(web)}, model ${shown(model)}; the model's budget is ${history.model_budget_mb} MB, ` +
    `the limit ${history.memory_limit_mb} MB. Last ${minutes} min, a sample every ${history.interval_s} s.`;
}

function restartItem(mark) {
  const item = element("li");
  const time = element("time", null, new Date(mark.time * 1000).toLocaleTimeString());
  time.dateTime = new Date(mark.time * 1000).toISOString();
  item.append(time, " ", element("span", "reason", mark.reason));
  return item;
}

// Every field of /health, one row each, nested ones by their path ("processes.model.rss_mb").
function showHealth(health) {
  const rows = [];
  for (const [name, value] of flatten(health, "")) {
    const row = element("tr", name === "status" ? `status-${value}` : null);
    const header = element("th", null, name);
    header.scope = "row";
    row.append(header, element("td", null, value === null ? "–" : String(value)));
    rows.push(row);
  }
  healthTable.replaceChildren(...rows);
}

function* flatten(value, path) {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) {
      yield* flatten(inner, path ? `${path}.${key}` : key);
    }
  } else {
    yield [path, Array.isArray(value) ? value.join(", ") : value];
  }
}
