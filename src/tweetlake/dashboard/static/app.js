/* tweetlake dashboard.
 *
 * Everything the page shows comes from the JSON endpoints under /api (or, in a saved report,
 * from the embedded snapshot). Post text, names and other strangers' words are only ever put
 * on the page with textContent, never as HTML. The filter state lives in the URL.
 */
"use strict";

const SNAPSHOT = window.TWEETLAKE_SNAPSHOT || null;
const COLORS = { POSITIVE: "#2e9e5b", NEGATIVE: "#d64545", NEUTRAL: "#9aa3af", MIXED: "#e0a526", NONE: "#7e8aa8" };
const LABELS = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED", "NONE"];
const RANGES = ["15m", "1h", "6h", "24h", "7d", "30d", "all"];
const FILTER_NAMES = ["range", "start", "end", "keyword", "sentiment", "lang", "platform", "entity", "entity_type",
  "hashtag", "mention", "domain", "author"];
const charts = {};
let page = 1;
let refreshTimer = null;
let refreshSeconds = 3;
let inFlight = false;

// -- small DOM helpers (text only) ----------------------------------------------------------------
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}
const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === null || n === undefined ? "–" : Number(n).toLocaleString("en-US"));
const pct = (x) => (x === null || x === undefined ? "–" : `${(100 * x).toFixed(0)} %`);

// -- filter state in the URL ----------------------------------------------------------------------
function filters() {
  const params = new URLSearchParams(location.search);
  const out = {};
  for (const name of FILTER_NAMES) if (params.get(name)) out[name] = params.get(name);
  return out;
}
function setFilters(changes, { push = true } = {}) {
  const params = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(changes)) {
    if (value === null || value === undefined || value === "") params.delete(key);
    else params.set(key, value);
  }
  if ("range" in changes && changes.range !== "custom") { params.delete("start"); params.delete("end"); }
  params.delete("token");
  const url = `${location.pathname}${params.toString() ? "?" + params : ""}`;
  if (push) history.pushState(null, "", url); else history.replaceState(null, "", url);
  page = 1;
  refresh();
}
function query(extra) {
  const params = new URLSearchParams({ ...filters(), ...(extra || {}) });
  return params.toString() ? `?${params}` : "";
}

// -- data ---------------------------------------------------------------------------------------
async function api(path, extra) {
  if (SNAPSHOT) {
    if (!(path in SNAPSHOT.data)) throw new Error(`not in this report: ${path}`);
    return SNAPSHOT.data[path];
  }
  const response = await fetch(`api/${path}${query(extra)}`, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

async function refresh() {
  if (inFlight) return;
  inFlight = true;
  try {
    const [summary, volume, keywords, entities, hashtags, mentions, domains, authors, langs, platforms, posts] =
      await Promise.all([
        api("summary"), api("volume"), api("keywords"), api("top/entities", { limit: 8 }),
        api("top/hashtags"), api("top/mentions"), api("top/domains"), api("top/authors"),
        api("breakdown/lang"), api("breakdown/platform"), api("posts", { page, size: 20 }),
      ]);
    clearError();
    renderSummary(summary);
    renderVolume(volume);
    renderNet(volume);
    renderSpikes(volume);
    renderKeywords(keywords);
    renderEntities(entities);
    renderList("hashtags", hashtags, (r) => `#${r.hashtag}`, (r) => ({ hashtag: r.hashtag }));
    renderList("mentions", mentions, (r) => `@${r.mention}`, (r) => ({ mention: r.mention }));
    renderList("domains", domains, (r) => r.domain, (r) => ({ domain: r.domain }));
    renderList("authors", authors, (r) => `@${r.author}`, (r) => ({ author: r.author }),
      (r) => `${fmt(r.followers)} followers · ${fmt(r.posts)} posts`, (r) => r.followers || 0);
    renderPie("lang", langs, "lang");
    renderPie("platform", platforms, "platform");
    renderPosts(posts);
    fillSelect("f-keyword", keywords.map((k) => k.keyword));
    fillSelect("f-lang", langs.map((l) => l.lang));
    fillSelect("f-platform", platforms.map((p) => p.platform));
    renderChips();
  } catch (error) {
    showError(error);
  } finally {
    inFlight = false;
  }
}

function showError(error) {
  let banner = document.querySelector(".error-banner");
  if (!banner) {
    banner = el("div", { class: "error-banner", role: "alert" });
    document.querySelector("main").prepend(banner);
  }
  banner.textContent = `Could not load data: ${error.message}`;
}
function clearError() {
  const banner = document.querySelector(".error-banner");
  if (banner) banner.remove();
}
function markReady(name, rows) {
  const card = document.querySelector(`[data-chart="${name}"]`);
  if (card) { card.dataset.state = "ready"; card.dataset.rows = String(rows); }
}

// -- headline figures ---------------------------------------------------------------------------
function renderSummary(s) {
  $("k-posts").textContent = fmt(s.posts);
  $("k-rate").textContent = fmt(s.per_minute);
  const net = s.net_sentiment;
  $("k-net").textContent = net === null ? "–" : Math.abs(net) < 0.005 ? "0.00" : (net > 0 ? "+" : "−") + Math.abs(net).toFixed(2);
  $("k-authors").textContent = fmt(s.authors);
  // Under an entity, hashtag, mention or domain filter the top lists read the newest matches.
  const since = $("lists-since");
  since.hidden = !s.lists;
  since.textContent = s.lists
    ? `· lists count the newest ${fmt(s.lists.newest_posts)} matching posts, since ${new Date(s.lists.since).toLocaleString()}`
    : "";
  $("k-quarantine").textContent = fmt(s.quarantined);
  const age = s.freshness_seconds;
  $("k-fresh").textContent = age === null ? "–" : ago(age);
  $("freshness").textContent = age === null ? "no data yet" : SNAPSHOT ? `snapshot, newest post ${ago(age)}` : `newest post ${ago(age)}`;
  $("live").className = `live ${age !== null && age < 60 ? "fresh" : "stale"}`;
  const bar = $("k-share");
  bar.replaceChildren();
  const parts = { POSITIVE: s.sentiment.positive, NEGATIVE: s.sentiment.negative, NEUTRAL: s.sentiment.neutral,
    MIXED: s.sentiment.mixed, NONE: s.sentiment.unscored };
  const total = Object.values(parts).reduce((a, b) => a + b, 0) || 1;
  for (const label of LABELS) {
    const share = parts[label] / total;
    if (!share) continue;
    bar.append(el("span", { class: `s-${label}`, style: `width:${(100 * share).toFixed(2)}%`,
      title: `${label === "NONE" ? "no label (language)" : label}: ${fmt(parts[label])} (${pct(share)})`,
      onclick: () => setFilters({ sentiment: label }) }, share > 0.07 ? pct(share) : ""));
  }
  markReady("summary", s.posts);
  $("foot").textContent = `lake ${SNAPSHOT ? SNAPSHOT.lake : ""} · window ${s.window.start || "–"} → ${s.window.end || "–"}`;
}
function ago(seconds) {
  if (seconds < 90) return `${Math.max(0, Math.round(seconds))} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  if (seconds < 172800) return `${Math.round(seconds / 3600)} h ago`;
  return `${Math.round(seconds / 86400)} days ago`;
}

// -- charts -------------------------------------------------------------------------------------
function chart(id) {
  if (!charts[id]) {
    charts[id] = echarts.init($(id), null, { renderer: "canvas" });
  }
  return charts[id];
}
function empty(id, message) {
  if (charts[id]) { charts[id].dispose(); delete charts[id]; }
  $(id).replaceChildren(el("div", { class: "empty" }, message || "no posts match these filters"));
}

function renderVolume(v) {
  markReady("volume", v.rows.length);
  if (!v.rows.length) return empty("c-volume");
  const x = v.rows.map((r) => r.bucket);
  const spikeAt = new Set(v.spikes.map((s) => s.bucket));
  const series = LABELS.map((label) => ({
    name: label === "NONE" ? "no label" : label, type: "bar", stack: "v", color: COLORS[label],
    data: v.rows.map((r) => r[label]), emphasis: { focus: "series" }, barCategoryGap: "10%",
  }));
  series.push({
    name: "spike", type: "scatter", symbol: "triangle", symbolSize: 12, color: "#b3261e",
    data: v.rows.map((r) => (spikeAt.has(r.bucket) ? r.total : null)), tooltip: { show: true },
  });
  chart("c-volume").setOption({
    animation: false, tooltip: { trigger: "axis" }, legend: { top: 0, textStyle: { fontSize: 11 } },
    grid: { left: 48, right: 12, top: 30, bottom: 28 },
    xAxis: { type: "category", data: x, axisLabel: { formatter: shortTime, fontSize: 11 } },
    yAxis: { type: "value", minInterval: 1 }, series,
  }, true);
  chart("c-volume").off("click");
  chart("c-volume").on("click", (p) => zoomTo(v.rows[p.dataIndex].bucket, v.bucket_seconds));
}
function zoomTo(bucket, seconds) {
  const start = new Date(bucket);
  const end = new Date(start.getTime() + seconds * 1000);
  setFilters({ range: "custom", start: start.toISOString(), end: end.toISOString() });
}
function shortTime(value) {
  const d = new Date(value);
  return `${String(d.getUTCMonth() + 1).padStart(2, "0")}-${String(d.getUTCDate()).padStart(2, "0")} ` +
    `${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}`;
}

function renderNet(v) {
  const rows = v.rows.filter((r) => r.net !== null);
  markReady("net", rows.length);
  if (!rows.length) return empty("c-net", "no scored posts in this window");
  chart("c-net").setOption({
    animation: false, tooltip: { trigger: "axis", valueFormatter: (x) => (x === null ? "–" : x.toFixed(2)) },
    grid: { left: 44, right: 12, top: 14, bottom: 28 },
    xAxis: { type: "category", data: rows.map((r) => r.bucket), axisLabel: { formatter: shortTime, fontSize: 11 } },
    yAxis: { type: "value", min: -1, max: 1 },
    series: [{ type: "line", name: "net sentiment", data: rows.map((r) => r.net), showSymbol: false, color: "#2f6fde",
      areaStyle: { opacity: 0.12 } }],
  }, true);
}

function renderSpikes(v) {
  const list = $("l-spikes");
  list.replaceChildren();
  markReady("spikes", v.rows.length);
  if (!v.spikes.length) {
    list.append(el("li", { class: "empty" }, `no spikes: volume stays within 3σ of its rolling baseline`));
    return;
  }
  for (const s of [...v.spikes].reverse()) {
    list.append(el("li", { onclick: () => zoomTo(s.bucket, v.bucket_seconds), title: "show the posts that drove it" },
      el("span", { class: "name" }, `▲ ${shortTime(s.bucket)}`),
      el("span", { class: "meta" }, `${s.ratio ? s.ratio + "× " : ""}baseline ${fmt(s.baseline)}`),
      el("span", { class: "n" }, fmt(s.posts))));
  }
}

function renderKeywords(rows) {
  markReady("keywords", rows.length);
  if (!rows.length) return empty("c-keywords", "no keywords configured (use --keywords)");
  const names = rows.map((r) => r.keyword);
  const series = ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"].map((label) => ({
    name: label, type: "bar", stack: "k", color: COLORS[label], data: rows.map((r) => r[label.toLowerCase()]),
  }));
  series.push({ name: "no label", type: "bar", stack: "k", color: COLORS.NONE,
    data: rows.map((r) => r.posts - r.positive - r.negative - r.neutral - r.mixed) });
  chart("c-keywords").setOption({
    animation: false, tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
    legend: { top: 0, textStyle: { fontSize: 11 } }, grid: { left: 90, right: 16, top: 30, bottom: 20 },
    xAxis: { type: "value" }, yAxis: { type: "category", data: names, inverse: true }, series,
  }, true);
  chart("c-keywords").off("click");
  chart("c-keywords").on("click", (p) => setFilters({ keyword: names[p.dataIndex] }));
}

function renderPie(name, rows, key) {
  const id = `c-${name}`;
  markReady(name, rows.length);
  if (!rows.length) return empty(id);
  chart(id).setOption({
    animation: false, tooltip: { trigger: "item" },
    series: [{ type: "pie", radius: ["40%", "70%"], label: { fontSize: 11 },
      data: rows.map((r) => ({ name: r[key], value: r.posts })) }],
  }, true);
  chart(id).off("click");
  chart(id).on("click", (p) => setFilters({ [key]: p.name }));
}

function renderEntities(rows) {
  const root = $("c-entities");
  root.replaceChildren();
  markReady("entities", rows.length);
  if (!rows.length) { root.append(el("div", { class: "empty" }, "no entities in these posts")); return; }
  const byType = {};
  for (const r of rows) (byType[r.type] = byType[r.type] || []).push(r);
  for (const [type, items] of Object.entries(byType)) {
    const max = Math.max(...items.map((r) => r.posts));
    const list = el("ol", { class: "list" });
    for (const r of items) {
      list.append(el("li", { onclick: () => setFilters({ entity: r.entity, entity_type: r.type }), title: "filter by this entity" },
        el("span", { class: "name" }, r.entity),
        el("span", { class: "bar", style: `width:${Math.round(60 * r.posts / max)}px` }),
        el("span", { class: "n" }, fmt(r.posts))));
    }
    root.append(el("div", {}, el("h3", {}, type.replace("_", " ")), list));
  }
}

function renderList(name, rows, label, filter, meta, weight) {
  const list = $(`l-${name}`);
  list.replaceChildren();
  markReady(name, rows.length);
  if (!rows.length) { list.append(el("li", { class: "empty" }, "none in these posts")); return; }
  const value = weight || ((r) => r.posts);
  const max = Math.max(...rows.map(value), 1);
  for (const r of rows) {
    list.append(el("li", { onclick: () => setFilters(filter(r)), title: "filter by this" },
      el("span", { class: "name" }, label(r)),
      meta ? el("span", { class: "meta" }, meta(r)) : el("span", { class: "bar", style: `width:${Math.round(60 * value(r) / max)}px` }),
      meta ? null : el("span", { class: "n" }, fmt(r.posts))));
  }
}

// -- posts --------------------------------------------------------------------------------------
function highlighted(text, entities) {
  // Offsets count Unicode code points; JavaScript strings count UTF-16 units, so slice code points.
  const chars = Array.from(text);
  const out = el("p", { class: "text" });
  let at = 0;
  for (const e of entities) {
    if (e.begin_offset < at || e.end_offset > chars.length) continue;
    out.append(chars.slice(at, e.begin_offset).join(""));
    out.append(el("mark", { title: `${e.type} · score ${Number(e.score).toFixed(2)}`,
      onclick: () => setFilters({ entity: e.entity, entity_type: e.type }) }, chars.slice(e.begin_offset, e.end_offset).join("")));
    at = e.end_offset;
  }
  out.append(chars.slice(at).join(""));
  return out;
}

function renderPosts(data) {
  const list = $("posts");
  list.replaceChildren();
  markReady("posts", data.rows.length);
  $("posts-page").textContent = `page ${data.page}`;
  $("prev").disabled = data.page <= 1 || Boolean(SNAPSHOT);
  $("next").disabled = !data.has_more || Boolean(SNAPSHOT);
  if (!data.rows.length) { list.append(el("li", { class: "empty" }, "no posts match these filters")); return; }
  for (const p of data.rows) {
    const label = p.sentiment || "NONE";
    const head = el("div", { class: "head" },
      el("span", { class: "author", onclick: () => setFilters({ author: p.screen_name }) }, `@${p.screen_name || "?"}`),
      p.name ? el("span", {}, p.name) : null,
      el("span", {}, new Date(p.created_ts).toISOString().replace("T", " ").slice(0, 19) + " UTC"),
      el("span", {}, p.lang || "und"),
      el("span", { class: `badge s-${label}`, title: p.sentiment_reason || "" }, p.sentiment || "no label"),
      p.post_url ? el("a", { href: safeUrl(p.post_url), target: "_blank", rel: "noopener noreferrer" }, "open ↗") : null);
    list.append(el("li", { class: `post s-${label}`, dataset: { id: p.id } }, head, highlighted(p.text, p.entities)));
  }
}
function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : "#";
  } catch { return "#"; }
}

// -- filters UI -----------------------------------------------------------------------------------
function fillSelect(id, values) {
  const select = $(id);
  const current = filters()[select.dataset.filter] || "";
  const wanted = ["", ...new Set([...values, ...(current ? [current] : [])])];
  const have = Array.from(select.options).map((o) => o.value);
  if (id !== "f-sentiment" && JSON.stringify(have) !== JSON.stringify(wanted)) {
    select.replaceChildren(...wanted.map((v) => el("option", { value: v }, v || "all")));
  }
  select.value = current;
}
function renderChips() {
  const chips = $("chips");
  chips.replaceChildren();
  const f = filters();
  for (const [key, value] of Object.entries(f)) {
    if (["range", "keyword", "sentiment", "lang", "platform", "end", "entity_type"].includes(key)) continue;
    const text = key === "start" ? `from ${f.start.slice(0, 16)} to ${(f.end || "").slice(0, 16)}` :
      key === "entity" ? `${value}${f.entity_type ? " (" + f.entity_type + ")" : ""}` : `${key}: ${value}`;
    const clear = key === "start" ? { range: null, start: null, end: null } :
      key === "entity" ? { entity: null, entity_type: null } : { [key]: null };
    chips.append(el("span", { class: "chip" }, text,
      el("button", { type: "button", title: "remove this filter", onclick: () => setFilters(clear) }, "×")));
  }
  for (const button of $("ranges").children) {
    button.setAttribute("aria-pressed", String((f.range || "all") === button.dataset.range));
  }
  document.querySelectorAll("a.csv").forEach((a) => {
    if (SNAPSHOT) { a.remove(); return; }
    a.href = `api/export/${a.dataset.view}.csv${query()}`;
  });
}
function setupFilters() {
  const ranges = $("ranges");
  for (const range of RANGES) {
    ranges.append(el("button", { type: "button", dataset: { range }, onclick: () => setFilters({ range }) }, range));
  }
  document.querySelectorAll("select[data-filter]").forEach((select) => {
    select.addEventListener("change", () => setFilters({ [select.dataset.filter]: select.value }));
    if (SNAPSHOT) select.disabled = true;
  });
  $("clear").addEventListener("click", () => {
    history.pushState(null, "", location.pathname);
    page = 1;
    refresh();
  });
  $("prev").addEventListener("click", () => { page = Math.max(1, page - 1); refresh(); });
  $("next").addEventListener("click", () => { page += 1; refresh(); });
  $("k-quarantine-btn").addEventListener("click", openQuarantine);
  $("q-close").addEventListener("click", () => $("quarantine").close());
  window.addEventListener("popstate", () => { page = 1; refresh(); });
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
}

async function openQuarantine() {
  const data = await api("quarantine");
  const reasons = $("q-reasons");
  const samples = $("q-samples");
  reasons.replaceChildren(...data.reasons.map((r) => el("tr", {}, el("td", {}, r.stage), el("td", {}, r.reason), el("td", {}, fmt(r.records)))));
  samples.replaceChildren(...data.samples.map((r) => el("tr", {}, el("td", {}, r.stage), el("td", {}, r.reason),
    el("td", {}, r.origin), el("td", {}, r.line === null ? "" : String(r.line)))));
  if (!data.reasons.length) reasons.append(el("tr", {}, el("td", { colspan: "3" }, "nothing was quarantined")));
  $("quarantine").showModal();
}

async function start() {
  setupFilters();
  if (SNAPSHOT) {
    document.title = `tweetlake report · ${SNAPSHOT.created}`;
    refreshSeconds = 0;
  } else {
    try { refreshSeconds = (await api("config")).refresh_seconds; } catch (error) { showError(error); }
  }
  await refresh();
  if (refreshSeconds > 0) {
    refreshTimer = setInterval(() => { if (document.visibilityState === "visible") refresh(); }, refreshSeconds * 1000);
  }
}
start();
