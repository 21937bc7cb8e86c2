// The HTML report. The C++ side only streams data: the page head (with its CSS), one JSON record per
// document, pair and cluster inside a <script type="application/json"> element, and at the end the
// page's script, which draws the tables and, on demand, the pairs. Rendering in the browser keeps
// the file small (each article once, offsets instead of repeated passage texts) and keeps a report
// of 10,000 pairs responsive: the DOM holds one page of table rows and the pair being read.

#include "html_printer.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "naql/json.h"

namespace naql::cli {
namespace {

constexpr uint32_t kMaxRowsPerPage = 10000;

// The page up to the start of the title, then from the title to the data. Fonts: local ones only
// (a report must open without network access); Noto Naskh / Amiri / Scheherazade are common
// Arabic book faces, Arial and DejaVu Sans carry Arabic on most systems.
constexpr char kPageStart[] = R"html(<!DOCTYPE html>
<html lang="ar" dir="rtl">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="naql )html" NAQL_VERSION_STRING R"html(">
<title>)html";

constexpr char kStyle[] = R"html(</title>
<style>
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #dcdce0; --panel: #f6f6f8; --accent: #0b57a4; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff; line-height: 1.6;
  font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Amiri", "Scheherazade New", "Arial",
    "DejaVu Sans", sans-serif; }
header.top { padding: .7rem 1.2rem; background: var(--panel); border-bottom: 1px solid var(--line); }
h1 { font-size: 1.3rem; margin: 0; }
h2 { font-size: 1.1rem; margin: 1.1rem 0 .5rem; }
header.top p { margin: .2rem 0 0; color: var(--muted); }
main { padding: 0 1.2rem 2rem; }
bdi.id { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .9em; overflow-wrap: anywhere; }
.controls { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; align-items: center; margin: .3rem 0 .5rem; }
.controls input[type=search] { width: 16rem; }
table.grid { border-collapse: collapse; width: 100%; font-size: .92rem; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: .25rem .5rem; text-align: start; vertical-align: top; }
table.grid th { background: var(--panel); position: sticky; top: 0; }
table.grid .num { text-align: center; font-variant-numeric: tabular-nums; white-space: nowrap; direction: ltr; }
th button { all: unset; cursor: pointer; font-weight: 600; }
th button:focus-visible { outline: 2px solid var(--accent); }
th[aria-sort=descending] button::after { content: " \25BC"; font-size: .7em; }
th[aria-sort=ascending] button::after { content: " \25B2"; font-size: .7em; }
tr.row { cursor: pointer; }
tr.row:hover, tr.row:focus { background: #eaf2fc; outline: none; }
.pager { display: flex; gap: .6rem; align-items: center; margin: .5rem 0; color: var(--muted); }
.kind { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .82em; }
.kind.duplicate { background: #fde3e0; color: #8a1c14; }
.kind.reuse { background: #e2eefc; color: #0b4a8a; }
.quote-flag { display: inline-block; padding: 0 .45rem; border-radius: .6rem; font-size: .82em; background: #fff1cc; color: #6b4a00; border: 1px dashed #9a6b00; }
button.member { all: unset; cursor: pointer; color: var(--accent); margin-inline-end: .6rem; }
button.member:hover { text-decoration: underline; }
nav.pairnav { display: flex; gap: .8rem; align-items: center; margin: .8rem 0 0; }
section.pair { border-top: 2px solid var(--line); margin-top: 1rem; }
.scores { color: var(--muted); margin: .2rem 0 .5rem; }
.legend { font-size: .88rem; color: var(--muted); margin: .3rem 0 .6rem; }
table.passages { width: auto; min-width: 50%; }
table.passages tr { cursor: pointer; }
.sides { display: flex; gap: 1rem; align-items: flex-start; }
.side { flex: 1 1 0; min-width: 0; border: 1px solid var(--line); border-radius: 6px; }
.side > header { padding: .35rem .7rem; background: var(--panel); border-bottom: 1px solid var(--line); font-size: .85rem; color: var(--muted); }
.side > header b { color: var(--fg); }
.text { white-space: pre-wrap; overflow-wrap: anywhere; padding: .6rem .9rem; max-height: 78vh; overflow-y: auto; font-size: 1.08rem; line-height: 2; }
.text.missing { color: var(--muted); font-style: italic; }
mark { color: inherit; border-radius: 2px; cursor: pointer; }
mark.q { outline: 1px dashed #7a5200; outline-offset: 1px; }
mark.flash { animation: flash .9s ease-out; }
@keyframes flash { from { box-shadow: 0 0 0 4px #0b57a4; } to { box-shadow: 0 0 0 0 transparent; } }
.ed { color: #8b0000; text-decoration: underline wavy #c0392b; text-decoration-skip-ink: none; text-underline-offset: 4px; }
.va { text-decoration: underline dotted #6a4c93; text-decoration-thickness: 2px; text-decoration-skip-ink: none; text-underline-offset: 4px; }
.sw { display: inline-block; min-width: 1.6rem; text-align: center; border-radius: 3px; }
.c0 { background: #ffe38a; } .c1 { background: #a9e7cf; } .c2 { background: #ffc6a5; }
.c3 { background: #b7d8ff; } .c4 { background: #e2c0ff; } .c5 { background: #cdef94; }
.c6 { background: #ffb8ca; } .c7 { background: #a3eeee; } .c8 { background: #f2d3ad; }
.c9 { background: #d3d3ff; }
.empty { color: var(--muted); }
@media (max-width: 820px) { .sides { flex-direction: column; } .side { width: 100%; } }
@media print { .text { max-height: none; overflow: visible; } .pager, .controls, nav.pairnav { display: none; } }
</style>
</head>
<body>
<header class="top"><h1>)html";

constexpr char kBodyStart[] = R"html(</h1><p><bdi id="stats" dir="ltr"></bdi></p></header>
<noscript><p>This report is drawn by a script: enable JavaScript to read it. Its findings are also
in this file as JSON, in the element with id "naql-data".</p></noscript>
<main>
<section id="list">
<section id="clusters-section" hidden><h2>Clusters of copies</h2><div id="clusters"></div></section>
<section id="pairs-section"><h2>Pairs of articles that share text</h2>
<div class="controls">
<label>Article id contains <input type="search" id="pair-filter" dir="auto"></label>
<label>Kind <select id="kind-filter"><option value="">all</option><option value="duplicate">duplicate</option><option value="reuse">reuse</option></select></label>
<label><input type="checkbox" id="quote-filter"> with quotations only</label>
</div>
<div id="pairs"></div>
</section>
<section id="quotes-section" hidden><h2>Quotations repeated across articles</h2><div id="quotes"></div></section>
</section>
<section id="detail" hidden></section>
<section id="all" hidden></section>
</main>
<script type="application/json" id="naql-data" data-rows-per-page=")html";

// The page's script: reads the records, draws the tables, and draws a pair when it is opened.
constexpr char kScript[] = R"html(
]</script>
<script>
(() => {
'use strict';
const dataElement = document.getElementById('naql-data');
const ROWS = Math.max(1, parseInt(dataElement.dataset.rowsPerPage, 10) || 100);
const $ = (id) => document.getElementById(id);
let records;
try {
  records = JSON.parse(dataElement.textContent);
} catch (error) {
  $('pairs').textContent = 'The data of this report cannot be read: ' + error.message;
  return;
}

// ---- Data -------------------------------------------------------------------------------------
const docs = new Map();
const pairs = [];
const clusters = [];
const quotes = [];
let summary = null;
for (const r of records) {
  if (r.type === 'document') docs.set(r.index, r);
  else if (r.type === 'pair') { r.n = pairs.length; pairs.push(r); }
  else if (r.type === 'cluster') clusters.push(r);
  else if (r.type === 'quote') quotes.push(r);
  else if (r.type === 'summary') summary = r;
}
const docOf = (i) => docs.get(i) || { index: i, id: '#' + i };
for (const p of pairs) {
  let words = 0, similarity = 0, quotes = 0;
  for (const s of p.spans) {
    words += s.words;
    similarity = Math.max(similarity, s.similarity);
    if (s.quote) ++quotes;
  }
  p.words = words;
  p.similarity = similarity;
  p.quotes = quotes;
  // The score: the share of the more covered article that it shares with the other.
  p.score = Math.max(p.coverage_a, p.coverage_b);
  p.ida = docOf(p.a).id;
  p.idb = docOf(p.b).id;
}

// ---- Helpers ----------------------------------------------------------------------------------
const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const esc = (s) => String(s).replace(/[&<>"']/g, (c) => ESCAPES[c]);
const fixed = (x, digits = 2) => (x === null || x === undefined) ? '\u2013' : Number(x).toFixed(digits);
const count = (n, noun) => n + ' ' + noun + (n === 1 ? '' : 's');
const idHtml = (id) => '<bdi class="id" dir="auto">' + esc(id) + '</bdi>';
const kindHtml = (kind) => '<span class="kind ' + esc(kind) + '">' + esc(kind) + '</span>';
// JavaScript strings are UTF-16; report offsets count code points. Array.from splits by code
// point, so cps[i] is code point i (the embedded text holds no lone surrogates).
const codePoints = (doc) => doc.cps || (doc.cps = Array.from(doc.text));
const safeUrl = (url) => /^https?:\/\//i.test(url || '') ? url : '';

// ---- Sortable, paginated tables -----------------------------------------------------------------
// columns: {key, label, title?, num?, value?(row) for sorting, html(row)}.
class Table {
  constructor(root, columns, rows, options) {
    this.root = root;
    this.columns = columns;
    this.rows = rows;
    this.sortKey = options.sortKey;
    this.sortDir = options.sortDir;
    this.filter = options.filter || (() => true);
    this.rowAttributes = options.rowAttributes || (() => '');
    this.onRow = options.onRow;
    this.page = 0;
    this.view = rows;
    root.addEventListener('click', (event) => this.click(event));
    root.addEventListener('keydown', (event) => {
      const row = event.target.closest('tr.row');
      if (row && event.key === 'Enter' && this.onRow) this.onRow(this.view[+row.dataset.i]);
    });
  }
  refresh() {
    const column = this.columns.find((c) => c.key === this.sortKey);
    this.view = this.rows.filter(this.filter);
    if (column && column.value) {
      const dir = this.sortDir, value = column.value;
      const compare = (x, y) => (typeof x === 'string') ? x.localeCompare(y) : x - y;
      this.view.sort((r, s) => dir * compare(value(r), value(s)));  // stable: ties keep input order
    }
    this.page = Math.min(this.page, Math.max(0, this.pages() - 1));
    this.render();
  }
  pages() { return Math.ceil(this.view.length / ROWS); }
  render() {
    const first = this.page * ROWS;
    const rows = this.view.slice(first, first + ROWS);
    const html = ['<table class="grid"><thead><tr>'];
    for (const c of this.columns) {
      const sort = c.key === this.sortKey ?
          ' aria-sort="' + (this.sortDir > 0 ? 'ascending' : 'descending') + '"' : '';
      const label = c.value ? '<button type="button" data-key="' + c.key + '" title="' +
          esc(c.title || 'Sort by ' + c.label) + '">' + esc(c.label) + '</button>' : esc(c.label);
      html.push('<th' + (c.num ? ' class="num"' : '') + sort + '>' + label + '</th>');
    }
    html.push('</tr></thead><tbody>');
    rows.forEach((r, i) => {
      html.push('<tr data-i="' + (first + i) + '"' + this.rowAttributes(r) + '>');
      for (const c of this.columns) html.push('<td' + (c.num ? ' class="num"' : '') + '>' + c.html(r) + '</td>');
      html.push('</tr>');
    });
    html.push('</tbody></table>');
    if (this.view.length === 0) {
      html.push('<p class="empty">No rows match.</p>');
    } else if (this.pages() > 1) {
      const last = Math.min(first + ROWS, this.view.length);
      html.push('<div class="pager"><button type="button" data-page="first">first</button>' +
          '<button type="button" data-page="previous"' + (this.page === 0 ? ' disabled' : '') + '>previous</button>' +
          '<span dir="ltr">page ' + (this.page + 1) + ' of ' + this.pages() + ' \u00b7 rows ' + (first + 1) + '\u2013' + last +
          ' of ' + this.view.length + '</span>' +
          '<button type="button" data-page="next"' + (this.page + 1 >= this.pages() ? ' disabled' : '') + '>next</button>' +
          '<button type="button" data-page="last">last</button></div>');
    }
    this.root.innerHTML = html.join('');
  }
  click(event) {
    const sortButton = event.target.closest('th button[data-key]');
    if (sortButton) {
      const key = sortButton.dataset.key;
      const column = this.columns.find((c) => c.key === key);
      if (key === this.sortKey) this.sortDir = -this.sortDir;
      else { this.sortKey = key; this.sortDir = column.num ? -1 : 1; }
      this.refresh();
      return;
    }
    const pageButton = event.target.closest('button[data-page]');
    if (pageButton) {
      const to = pageButton.dataset.page;
      const lastPage = Math.max(0, this.pages() - 1);
      this.page = to === 'first' ? 0 : to === 'last' ? lastPage :
          Math.min(lastPage, Math.max(0, this.page + (to === 'next' ? 1 : -1)));
      this.render();
      return;
    }
    if (event.target.closest('button')) return;
    const row = event.target.closest('tr.row');
    if (row && this.onRow) this.onRow(this.view[+row.dataset.i]);
  }
}

// ---- The summary line -----------------------------------------------------------------------------
if (summary) {
  const duplicates = pairs.filter((p) => p.kind === 'duplicate').length;
  $('stats').textContent = count(summary.documents, 'article') +
      (summary.skipped ? ' (' + summary.skipped + ' inputs skipped)' : '') + ' \u00b7 ' +
      count(summary.pairs, 'pair') + ' (' + count(duplicates, 'duplicate') + ', ' + (pairs.length - duplicates) +
      ' reuse) \u00b7 ' + count(summary.clusters, 'cluster') + ' \u00b7 ' + count(summary.quotes, 'repeated quotation') +
      ' \u00b7 ' + fixed(summary.seconds) + ' s';
} else {
  $('stats').textContent = 'The report is incomplete (no summary record): the scan did not finish.';
}

// ---- The pairs table ----------------------------------------------------------------------------
const pairFilter = $('pair-filter'), kindFilter = $('kind-filter'), quoteFilter = $('quote-filter');
const pairColumns = [
  { key: 'n', label: '#', num: true, value: (p) => p.n, html: (p) => String(p.n + 1) },
  { key: 'a', label: 'article a', value: (p) => p.ida, html: (p) => idHtml(p.ida) },
  { key: 'b', label: 'article b', value: (p) => p.idb, html: (p) => idHtml(p.idb) },
  { key: 'kind', label: 'kind', value: (p) => p.kind, html: (p) => kindHtml(p.kind) },
  { key: 'score', label: 'score', num: true, value: (p) => p.score, html: (p) => fixed(p.score),
    title: 'The larger coverage: the share of the more covered article that the other one holds' },
  { key: 'jaccard', label: 'jaccard', num: true, value: (p) => p.jaccard === null ? -1 : p.jaccard,
    html: (p) => fixed(p.jaccard), title: 'MinHash estimate of shingle resemblance (\u2013: found by passages only)' },
  { key: 'coverage_a', label: 'coverage a', num: true, value: (p) => p.coverage_a, html: (p) => fixed(p.coverage_a) },
  { key: 'coverage_b', label: 'coverage b', num: true, value: (p) => p.coverage_b, html: (p) => fixed(p.coverage_b) },
  { key: 'passages', label: 'passages', num: true, value: (p) => p.spans.length, html: (p) => String(p.spans.length) },
  { key: 'words', label: 'words', num: true, value: (p) => p.words, html: (p) => String(p.words) },
  { key: 'similarity', label: 'similarity', num: true, value: (p) => p.similarity, html: (p) => fixed(p.similarity),
    title: 'The highest word similarity of its passages' },
  { key: 'quotes', label: 'quotations', num: true, value: (p) => p.quotes,
    html: (p) => p.quotes ? '<span class="quote-flag">' + p.quotes + '</span>' : '' },
];
const pairTable = new Table($('pairs'), pairColumns, pairs, {
  sortKey: 'score', sortDir: -1,
  filter: (p) => {
    const needle = pairFilter.value.trim().toLowerCase();
    return (!needle || p.ida.toLowerCase().includes(needle) || p.idb.toLowerCase().includes(needle)) &&
        (!kindFilter.value || p.kind === kindFilter.value) && (!quoteFilter.checked || p.quotes > 0);
  },
  rowAttributes: (p) => ' class="row" tabindex="0" data-pair="' + p.n + '"',
  onRow: (p) => { location.hash = 'pair=' + p.n; },
});
let filterTimer = 0;
pairFilter.addEventListener('input', () => {
  clearTimeout(filterTimer);
  filterTimer = setTimeout(() => pairTable.refresh(), 150);
});
kindFilter.addEventListener('change', () => pairTable.refresh());
quoteFilter.addEventListener('change', () => pairTable.refresh());
if (pairs.length === 0) {
  $('pairs').innerHTML = '<p class="empty">No two articles share a passage.</p>';
  document.querySelector('#pairs-section .controls').hidden = true;
} else {
  pairTable.refresh();
}

// ---- The clusters table ---------------------------------------------------------------------------
const MEMBERS_SHOWN = 30;
const moreHtml = (total) => total > MEMBERS_SHOWN ?
    ' <bdi dir="ltr" class="empty">and ' + (total - MEMBERS_SHOWN) + ' more</bdi>' : '';
const memberButton = (i, title) => '<button type="button" class="member" data-id="' + esc(docOf(i).id) +
    '" title="' + esc(title || 'Show the pairs of this article') + '">' + idHtml(docOf(i).id) + '</button>';
// A click on an article id in the clusters or quotations table filters the pairs table by it.
for (const table of [$('clusters'), $('quotes')]) {
  table.addEventListener('click', (event) => {
    const member = event.target.closest('button.member');
    if (!member) return;
    pairFilter.value = member.dataset.id;
    pairTable.refresh();
    $('pairs-section').scrollIntoView();
  });
}
if (clusters.length) {
  $('clusters-section').hidden = false;
  const clusterTable = new Table($('clusters'), [
    { key: 'id', label: '#', num: true, value: (c) => c.id, html: (c) => String(c.id + 1) },
    { key: 'size', label: 'copies', num: true, value: (c) => c.members.length, html: (c) => String(c.members.length) },
    { key: 'origin', label: 'origin (earliest)', value: (c) => docOf(c.origin).id,
      html: (c) => memberButton(c.origin) + (docOf(c.origin).date ? ' ' + esc(docOf(c.origin).date) : '') },
    { key: 'members', label: 'members', html: (c) => c.members.slice(0, MEMBERS_SHOWN).map((i) => memberButton(i)).join(' ') +
        moreHtml(c.members.length) },
  ], clusters, { sortKey: 'size', sortDir: -1 });
  clusterTable.refresh();
}

// ---- The quotations table ------------------------------------------------------------------------
const QUOTE_CHARS_SHOWN = 300;
if (quotes.length) {
  $('quotes-section').hidden = false;
  const shortText = (text) => {
    const cps = Array.from(text);
    return cps.length > QUOTE_CHARS_SHOWN ? cps.slice(0, QUOTE_CHARS_SHOWN).join('') + ' \u2026' : text;
  };
  const quoteTable = new Table($('quotes'), [
    { key: 'id', label: '#', num: true, value: (q) => q.id, html: (q) => String(q.id + 1) },
    { key: 'count', label: 'occurrences', num: true, value: (q) => q.occurrences.length,
      html: (q) => String(q.occurrences.length) },
    { key: 'text', label: 'quotation (first occurrence)',
      html: (q) => '<span dir="auto">' + esc(shortText(q.occurrences.length ? q.occurrences[0].text : q.text)) + '</span>' },
    { key: 'where', label: 'articles', html: (q) => q.occurrences.slice(0, MEMBERS_SHOWN).map((o) =>
        memberButton(o.doc, o.begin + '\u2013' + o.end + ': ' + o.text)).join(' ') +
        moreHtml(q.occurrences.length) },
  ], quotes, { sortKey: 'count', sortDir: -1 });
  quoteTable.refresh();
}

// ---- Edits inside a passage -----------------------------------------------------------------------
// The words of the two sides of a passage are aligned as the aligner compares them: words are runs
// of letters, marks and digits (format controls join them: the normalizer removes them before
// tokenizing), folded with the normalizer's rules, light clitics stripped as the tokenizer strips
// them, and two stems match when equal or spelling variants (the aligner's default rule: edit
// distance 1 for stems of 4+ letters, 2 for 7+, or one proclitic letter و ف ب ل ك in front).
// A word left unmatched is an edit; a word matched to a variant is marked as a variant.
const WORD_CHAR = /^[\p{L}\p{M}\p{N}\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]$/u;
const REMOVED = /[\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u00AD\u061C\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]/g;
const LETTER_FOLDS = { '\u0622': '\u0627', '\u0623': '\u0627', '\u0625': '\u0627', '\u0671': '\u0627',
  '\u0649': '\u064A', '\u0629': '\u0647', '\u0624': '\u0648', '\u0626': '\u064A', '\u06A9': '\u0643',
  '\u06BE': '\u0647', '\u06CC': '\u064A', '\u06D0': '\u064A' };
const fold = (word) => word.normalize('NFKC').replace(REMOVED, '')
    .replace(/[\u0622\u0623\u0625\u0671\u0649\u0629\u0624\u0626\u06A9\u06BE\u06CC\u06D0]/g, (c) => LETTER_FOLDS[c])
    .replace(/[\u0660-\u0669]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x0660 + 48))
    .replace(/[\u06F0-\u06F9]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0x06F0 + 48))
    .toLowerCase();
const WAW = '\u0648', ALEF = '\u0627', LAM = '\u0644';
const ARTICLE_CARRIERS = '\u0648\u0641\u0628\u0643';  // و ف ب ك before ال
const PROCLITICS = '\u0648\u0641\u0628\u0644\u0643';  // و ف ب ل ك
// The tokenizer's clitic stripping: وال فال بال كال, then ال لل, leaving 2+ letters; else و, leaving 3+.
function stemOf(letters) {
  let article = 0;
  if (letters.length > 2 && ARTICLE_CARRIERS.includes(letters[0]) && letters[1] === ALEF && letters[2] === LAM) article = 3;
  else if (letters.length > 1 && (letters[0] === ALEF || letters[0] === LAM) && letters[1] === LAM) article = 2;
  if (article && letters.length - article >= 2) return letters.slice(article);
  if (letters[0] === WAW && letters.length - 1 >= 3) return letters.slice(1);
  return letters;
}

function wordsOf(cps, begin, end) {
  const words = [];
  let start = -1;
  for (let i = begin; i <= end; ++i) {
    const inWord = i < end && WORD_CHAR.test(cps[i]);
    if (inWord && start < 0) start = i;
    if (!inWord && start >= 0) {
      const stem = stemOf(Array.from(fold(cps.slice(start, i).join(''))));
      if (stem.length) {
        let letters = 0;  // a 32-bit letter-set mask, for a cheap filter before the distance
        for (const c of stem) letters |= 1 << (c.codePointAt(0) % 31);
        words.push({ begin: start, end: i, key: stem.join(''), stem, letters });
      }
      start = -1;
    }
  }
  return words;
}

function bitCount(x) {
  let n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

// Optimal-string-alignment distance (Levenshtein with adjacent transpositions).
function osaDistance(a, b) {
  let before = null, previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; ++i) {
    const row = [i];
    for (let j = 1; j <= b.length; ++j) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost);
      if (before && i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, before[j - 2] + 1);
      row.push(d);
    }
    before = previous;
    previous = row;
  }
  return previous[b.length];
}

// Whether two different stems are spelling variants under the aligner's default rule.
function isVariant(x, y) {
  const a = x.stem, b = y.stem;
  if (a.length > 32 || b.length > 32) return false;
  const proclitic = (longer, shorter) => longer.length === shorter.length + 1 && shorter.length >= 2 &&
      PROCLITICS.includes(longer[0]) && longer.slice(1).join('') === shorter.join('');
  if (proclitic(a, b) || proclitic(b, a)) return true;
  const shortest = Math.min(a.length, b.length);
  const allowed = shortest >= 7 ? 2 : shortest >= 4 ? 1 : 0;
  if (allowed === 0 || Math.abs(a.length - b.length) > allowed) return false;
  if (bitCount(x.letters ^ y.letters) > 2 * allowed) return false;
  return osaDistance(a, b) <= allowed;
}

const UNMATCHED = 0, EQUAL = 1, VARIANT = 2;
// Aligns the words of the two sides: a longest common subsequence under "equal or variant"
// (dynamic programming as in Wagner–Fischer; taking a matching diagonal is always optimal, for
// any match relation), common prefix and suffix first. Above 4M cells the table would be too
// slow, and a multiset match of equal words is used instead. Returns a state per word.
function matchWords(a, b) {
  const stateA = new Uint8Array(a.length), stateB = new Uint8Array(b.length);
  let low = 0, highA = a.length, highB = b.length;
  while (low < highA && low < highB && a[low].key === b[low].key) { stateA[low] = stateB[low] = EQUAL; ++low; }
  while (highA > low && highB > low && a[highA - 1].key === b[highB - 1].key) {
    --highA; --highB;
    stateA[highA] = stateB[highB] = EQUAL;
  }
  const n = highA - low, m = highB - low;
  if (n === 0 || m === 0) return [stateA, stateB];
  if (n * m > 4e6) {
    const countA = new Map(), countB = new Map();
    for (let i = low; i < highA; ++i) countA.set(a[i].key, (countA.get(a[i].key) || 0) + 1);
    for (let j = low; j < highB; ++j) countB.set(b[j].key, (countB.get(b[j].key) || 0) + 1);
    for (let i = low; i < highA; ++i) {
      const c = countB.get(a[i].key);
      if (c) { stateA[i] = EQUAL; countB.set(a[i].key, c - 1); }
    }
    for (let j = low; j < highB; ++j) {
      const c = countA.get(b[j].key);
      if (c) { stateB[j] = EQUAL; countA.set(b[j].key, c - 1); }
    }
    return [stateA, stateB];
  }
  const width = m + 1;
  const relation = new Uint8Array(n * m);  // EQUAL, VARIANT or UNMATCHED per pair of words
  const lcs = new Uint32Array((n + 1) * width);  // lcs[i][j]: of a[low+i..) and b[low+j..)
  for (let i = n - 1; i >= 0; --i) {
    for (let j = m - 1; j >= 0; --j) {
      const x = a[low + i], y = b[low + j];
      const r = x.key === y.key ? EQUAL : isVariant(x, y) ? VARIANT : UNMATCHED;
      relation[i * m + j] = r;
      lcs[i * width + j] = r !== UNMATCHED ? lcs[(i + 1) * width + j + 1] + 1 :
          Math.max(lcs[(i + 1) * width + j], lcs[i * width + j + 1]);
    }
  }
  for (let i = 0, j = 0; i < n && j < m;) {
    const r = relation[i * m + j];
    if (r !== UNMATCHED) { stateA[low + i] = stateB[low + j] = r; ++i; ++j; }
    else if (lcs[(i + 1) * width + j] >= lcs[i * width + j + 1]) ++i;
    else ++j;
  }
  return [stateA, stateB];
}

// Per side, one state per code point of the article: 1 (EDITED) inside a word that the other
// side's passage lacks, 2 (VARIANT) inside a word matched to a spelling variant. Computed once
// per pair, when it is first drawn.
const EDITED = 1;
function editFlags(p) {
  if (p.editFlags !== undefined) return p.editFlags;
  const docA = docOf(p.a), docB = docOf(p.b);
  if (typeof docA.text !== 'string' || typeof docB.text !== 'string') return (p.editFlags = null);
  const cpsA = codePoints(docA), cpsB = codePoints(docB);
  const flags = { a: new Uint8Array(cpsA.length), b: new Uint8Array(cpsB.length) };
  const flag = (state) => state === UNMATCHED ? EDITED : state === VARIANT ? VARIANT : 0;
  for (const s of p.spans) {
    const wordsA = wordsOf(cpsA, Math.min(s.a_begin, cpsA.length), Math.min(s.a_end, cpsA.length));
    const wordsB = wordsOf(cpsB, Math.min(s.b_begin, cpsB.length), Math.min(s.b_end, cpsB.length));
    const [stateA, stateB] = matchWords(wordsA, wordsB);
    wordsA.forEach((w, i) => { if (stateA[i] !== EQUAL) flags.a.fill(flag(stateA[i]), w.begin, w.end); });
    wordsB.forEach((w, i) => { if (stateB[i] !== EQUAL) flags.b.fill(flag(stateB[i]), w.begin, w.end); });
  }
  return (p.editFlags = flags);
}

// ---- Drawing a pair -----------------------------------------------------------------------------
function passageTitle(s, k) {
  return 'passage ' + (k + 1) + ': ' + s.words + ' words, ' + s.matches + ' matching, ' + s.edits +
      ' edits, similarity ' + fixed(s.similarity) + (s.quote ? ', a quotation in both articles' : '');
}

// The article text with the passages of this side as <mark> elements. The text is cut at every
// passage boundary; each piece is wrapped in one mark per passage covering it (nested when
// passages overlap), so the marks of one passage together hold exactly its text.
function markedText(p, side, cps, edits) {
  const length = cps.length;
  const ranges = [];
  p.spans.forEach((s, k) => {
    const begin = Math.min(side === 'a' ? s.a_begin : s.b_begin, length);
    const end = Math.min(side === 'a' ? s.a_end : s.b_end, length);
    if (end > begin) ranges.push({ k, begin, end, s });
  });
  const cuts = Array.from(new Set([0, length, ...ranges.flatMap((r) => [r.begin, r.end])])).sort((x, y) => x - y);
  const html = [];
  for (let c = 0; c + 1 < cuts.length; ++c) {
    const from = cuts[c], to = cuts[c + 1];
    const cover = ranges.filter((r) => r.begin <= from && to <= r.end);
    if (cover.length === 0) { html.push(esc(cps.slice(from, to).join(''))); continue; }
    for (const r of cover) {
      html.push('<mark class="c' + (r.k % 10) + (r.s.quote ? ' q' : '') + '" data-pair="' + p.n +
          '" data-span="' + r.k + '" data-side="' + side + '" title="' + esc(passageTitle(r.s, r.k)) + '">');
    }
    // Inside the passage: runs of edited and unedited text.
    let run = from;
    while (run < to) {
      const edited = edits ? edits[run] : 0;
      let next = run + 1;
      while (next < to && (edits ? edits[next] : 0) === edited) ++next;
      const text = esc(cps.slice(run, next).join(''));
      html.push(edited === EDITED ? '<span class="ed" title="not in the other article\u2019s passage (an edit)">' + text + '</span>' :
          edited === VARIANT ? '<span class="va" title="a spelling variant of a word of the other article\u2019s passage">' + text + '</span>' : text);
      run = next;
    }
    html.push('</mark>'.repeat(cover.length));
  }
  return html.join('');
}

function sideHtml(p, side) {
  const doc = docOf(side === 'a' ? p.a : p.b);
  const facts = [];
  if (doc.date) facts.push(esc(doc.date));
  if (doc.source) facts.push(esc(doc.source));
  if (doc.words) facts.push(doc.words + ' words');
  const url = safeUrl(doc.url);
  if (url) facts.push('<a href="' + esc(url) + '" rel="noreferrer noopener" target="_blank">link</a>');
  let html = '<article class="side" data-side="' + side + '"><header><b>' + side + '</b> ' + idHtml(doc.id) +
      (facts.length ? ' \u00b7 ' + facts.join(' \u00b7 ') : '') +
      (doc.title ? '<br><b dir="auto">' + esc(doc.title) + '</b>' : '') + '</header>';
  if (typeof doc.text !== 'string') {
    html += '<div class="text missing">The text of this article is not in the report.</div>';
  } else {
    const edits = editFlags(p);
    html += '<div class="text" dir="auto">' + markedText(p, side, codePoints(doc), edits && edits[side]) + '</div>';
  }
  return html + '</article>';
}

function pairHtml(p) {
  const html = ['<section class="pair" id="pair-' + p.n + '" data-pair="' + p.n + '" data-a="' + esc(p.ida) +
      '" data-b="' + esc(p.idb) + '">'];
  html.push('<h2><bdi dir="ltr">Pair ' + (p.n + 1) + ': a ' + idHtml(p.ida) + ' \u2194 b ' + idHtml(p.idb) + '</bdi> ' + kindHtml(p.kind) + '</h2>');
  html.push('<p class="scores"><bdi dir="ltr">jaccard ' + fixed(p.jaccard) + ' \u00b7 coverage a ' + fixed(p.coverage_a) +
      ' \u00b7 coverage b ' + fixed(p.coverage_b) + ' \u00b7 ' + p.spans.length +
      (p.spans.length === 1 ? ' passage' : ' passages') + ', ' + p.words + ' words</bdi></p>');
  html.push('<table class="grid passages"><thead><tr><th>passage</th><th class="num">words</th>' +
      '<th class="num">matching</th><th class="num">edits</th><th class="num">similarity</th>' +
      '<th>quotation</th><th class="num">a: code points</th><th class="num">b: code points</th></tr></thead><tbody>');
  p.spans.forEach((s, k) => {
    html.push('<tr data-span="' + k + '" title="Show this passage on both sides"><td><span class="sw c' + (k % 10) + '">' + (k + 1) +
        '</span></td><td class="num">' + s.words + '</td><td class="num">' + s.matches + '</td><td class="num">' +
        s.edits + '</td><td class="num">' + fixed(s.similarity) + '</td><td>' +
        (s.quote ? '<span class="quote-flag">quotation</span>' : '') + '</td><td class="num">' + s.a_begin + '\u2013' +
        s.a_end + '</td><td class="num">' + s.b_begin + '\u2013' + s.b_end + '</td></tr>');
  });
  html.push('</tbody></table>');
  html.push('<p class="legend"><bdi dir="ltr">Each shared passage has one colour on both sides; ' +
      '<span class="ed">underlined</span> words are not in the other article\u2019s passage (edits), ' +
      '<span class="va">dotted</span> ones are spelling variants of a word there; ' +
      '<span class="c0" style="outline:1px dashed #7a5200">outlined</span> passages are quotations in both articles. ' +
      'Click a passage to find it on the other side.</bdi></p>');
  html.push('<div class="sides">' + sideHtml(p, 'a') + sideHtml(p, 'b') + '</div></section>');
  return html.join('');
}

// Scrolls a mark into the middle of its article's box (not the window) and flashes it.
function reveal(mark, flash = true) {
  const box = mark.closest('.text');
  if (!box) return;
  box.scrollTop += mark.getBoundingClientRect().top - box.getBoundingClientRect().top - box.clientHeight / 3;
  if (!flash) return;
  mark.classList.remove('flash');
  void mark.offsetWidth;  // restarts the animation
  mark.classList.add('flash');
}
document.addEventListener('click', (event) => {
  if (!(event.target instanceof Element)) return;
  const section = event.target.closest('section.pair');
  if (!section) return;
  const mark = event.target.closest('mark[data-span]');
  const row = event.target.closest('tr[data-span]');
  const span = mark ? mark.dataset.span : row ? row.dataset.span : null;
  if (span === null) return;
  const sides = mark ? [mark.dataset.side === 'a' ? 'b' : 'a'] : ['a', 'b'];
  for (const side of sides) {
    const target = section.querySelector('mark[data-span="' + span + '"][data-side="' + side + '"]');
    if (target) reveal(target);
  }
});

// ---- Views: the list (""), one pair ("#pair=N"), everything ("#all") -------------------------------------
const listView = $('list'), detailView = $('detail'), allView = $('all');
let allTimer = 0;

function showPair(n) {
  const order = pairTable.view;
  let at = order.findIndex((p) => p.n === n);
  const previous = at > 0 ? order[at - 1] : null, next = at >= 0 && at + 1 < order.length ? order[at + 1] : null;
  detailView.innerHTML = '<nav class="pairnav"><a href="#">all pairs</a>' +
      '<button type="button" data-go="' + (previous ? previous.n : '') + '"' + (previous ? '' : ' disabled') + '>previous</button>' +
      '<span dir="ltr">' + (at >= 0 ? 'pair ' + (at + 1) + ' of ' + order.length + ' in the table\u2019s order' : '') + '</span>' +
      '<button type="button" data-go="' + (next ? next.n : '') + '"' + (next ? '' : ' disabled') + '>next</button></nav>' +
      pairHtml(pairs[n]);
  listView.hidden = true;
  allView.hidden = true;
  allView.innerHTML = '';
  detailView.hidden = false;
  window.scrollTo(0, 0);
  // Each side starts at the pair's first passage.
  for (const side of ['a', 'b']) {
    const first = detailView.querySelector('mark[data-span="0"][data-side="' + side + '"]');
    if (first) reveal(first, false);
  }
}
detailView.addEventListener('click', (event) => {
  const go = event.target.closest('button[data-go]');
  if (go && go.dataset.go !== '') location.hash = 'pair=' + go.dataset.go;
});
document.addEventListener('keydown', (event) => {
  if (detailView.hidden || event.target.closest('input, select, textarea')) return;
  const button = detailView.querySelectorAll('nav.pairnav button')[event.key === 'p' ? 0 : event.key === 'n' ? 1 : -1];
  if (button && !button.disabled) button.click();
});

function showList() {
  detailView.hidden = true;
  detailView.innerHTML = '';
  allView.hidden = true;
  allView.innerHTML = '';
  listView.hidden = false;
}

// Every pair, in report order: the first ones at once, the rest in slices that keep the page
// responsive.
function showAll() {
  showList();
  allView.hidden = false;
  let next = 0;
  const drawSome = (count) => {
    const html = [];
    for (const end = Math.min(pairs.length, next + count); next < end; ++next) html.push(pairHtml(pairs[next]));
    allView.insertAdjacentHTML('beforeend', html.join(''));
    if (next < pairs.length) allTimer = setTimeout(() => drawSome(20), 0);
  };
  clearTimeout(allTimer);
  drawSome(50);
}

// `initial`: the page has just loaded; a page made to show one pair (naql compare) opens it.
function route(initial) {
  clearTimeout(allTimer);
  const match = /^#pair=(\d+)$/.exec(location.hash);
  if (match && +match[1] < pairs.length) showPair(+match[1]);
  else if (location.hash === '#all') showAll();
  else if (initial === true && location.hash === '' && pairs.length > 0 &&
           dataElement.dataset.openFirstPair === '1') showPair(0);
  else showList();
}
window.addEventListener('hashchange', () => route(false));
route(true);
})();
</script>
</body>
</html>
)html";

// Appends `text` as a JSON string that is safe inside a <script> element: the HTML parser ends the
// element at "</script" and treats "<!--" specially, so every '<' is written as \u003c (the same
// JSON string).
void AppendScriptJsonString(absl::string_view text, std::string* out) {
  const size_t start = out->size();
  AppendJsonString(text, out);
  if (std::memchr(out->data() + start, '<', out->size() - start) == nullptr) return;
  std::string json = out->substr(start);
  out->resize(start);
  for (char c : json) {
    if (c == '<') {
      out->append("\\u003c");
    } else {
      out->push_back(c);
    }
  }
}

// Appends text for an HTML element's content: & < > escaped, invalid UTF-8 repaired.
void AppendHtmlText(absl::string_view text, std::string* out) {
  std::string valid;
  AppendValidUtf8(text, &valid);
  for (char c : valid) {
    switch (c) {
      case '&': out->append("&amp;"); break;
      case '<': out->append("&lt;"); break;
      case '>': out->append("&gt;"); break;
      case '"': out->append("&quot;"); break;
      default: out->push_back(c);
    }
  }
}

void AppendMetaField(const char* name, const std::string& value, std::string* out) {
  if (value.empty()) return;
  absl::StrAppend(out, ",\"", name, "\":");
  AppendScriptJsonString(value, out);
}

}  // namespace

absl::Status HtmlReportOptions::Validate() const {
  if (rows_per_page < 1 || rows_per_page > kMaxRowsPerPage) {
    return absl::InvalidArgumentError(absl::StrCat("html rows_per_page must be 1..", kMaxRowsPerPage,
                                                   ", got ", rows_per_page));
  }
  return absl::OkStatus();
}

HtmlPrinter::HtmlPrinter(Output* out, const std::vector<ScannedDocument>* documents,
                         const HtmlReportOptions& options)
    : out_(out), documents_(documents), options_(options) {
  std::string* page = out_->buffer();
  page->append(kPageStart);
  AppendHtmlText(options_.title, page);
  page->append(kStyle);
  AppendHtmlText(options_.title, page);
  page->append(kBodyStart);
  absl::StrAppend(page, options_.rows_per_page, "\"",
                  options_.open_first_pair ? " data-open-first-pair=\"1\"" : "", ">[\n");
  out_->MaybeFlush();
}

void HtmlPrinter::BeginRecord(std::string* out) {
  if (!first_record_) out->append(",\n");
  first_record_ = false;
}

void HtmlPrinter::MaybeAppendDocument(uint32_t index, const Document* doc, std::string* out) {
  if (index < seen_.size() && seen_[index]) return;
  if (index >= seen_.size()) seen_.resize(std::max<size_t>(index + 1, seen_.size() * 2), false);
  seen_[index] = true;
  const ScannedDocument* scanned =
      documents_ != nullptr && index < documents_->size() ? &(*documents_)[index] : nullptr;
  BeginRecord(out);
  absl::StrAppend(out, "{\"type\":\"document\",\"index\":", index, ",\"id\":");
  const DocumentMeta* meta = doc != nullptr ? &doc->meta : scanned != nullptr ? &scanned->meta : nullptr;
  if (doc != nullptr) {
    AppendScriptJsonString(doc->id, out);
  } else if (scanned != nullptr) {
    AppendScriptJsonString(scanned->id, out);
  } else {
    absl::StrAppend(out, "\"#", index, "\"");
  }
  if (meta != nullptr) {
    AppendMetaField("date", meta->date, out);
    AppendMetaField("source", meta->source, out);
    AppendMetaField("title", meta->title, out);
    AppendMetaField("url", meta->url, out);
  }
  if (scanned != nullptr && scanned->words > 0) absl::StrAppend(out, ",\"words\":", scanned->words);
  if (doc != nullptr) {
    out->append(",\"text\":");
    AppendScriptJsonString(doc->text, out);
  }
  out->push_back('}');
}

void HtmlPrinter::OnPair(const PairReport& pair, const Document& a, const Document& b) {
  std::string* data = out_->buffer();
  MaybeAppendDocument(pair.a, &a, data);
  MaybeAppendDocument(pair.b, &b, data);
  BeginRecord(data);
  absl::StrAppend(data, "{\"type\":\"pair\",\"a\":", pair.a, ",\"b\":", pair.b, ",\"kind\":\"",
                  PairKindName(pair.kind), "\",\"jaccard\":");
  if (pair.jaccard.has_value()) {
    AppendJsonNumber(*pair.jaccard, 4, data);
  } else {
    data->append("null");
  }
  data->append(",\"coverage_a\":");
  AppendJsonNumber(pair.coverage_a, 4, data);
  data->append(",\"coverage_b\":");
  AppendJsonNumber(pair.coverage_b, 4, data);
  data->append(",\"spans\":[");
  for (size_t i = 0; i < pair.spans.size(); ++i) {
    const Span& s = pair.spans[i];
    if (i > 0) data->push_back(',');
    absl::StrAppend(data, "{\"a_begin\":", s.a.cp_begin, ",\"a_end\":", s.a.cp_end,
                    ",\"b_begin\":", s.b.cp_begin, ",\"b_end\":", s.b.cp_end,
                    ",\"words\":", s.words, ",\"matches\":", s.matches, ",\"edits\":", s.edits,
                    ",\"similarity\":");
    AppendJsonNumber(s.similarity, 4, data);
    absl::StrAppend(data, ",\"quote\":", s.quote ? "true" : "false", "}");
  }
  data->append("]}");
  out_->MaybeFlush();
}

void HtmlPrinter::OnCluster(const Cluster& cluster) {
  std::string* data = out_->buffer();
  for (uint32_t member : cluster.members) MaybeAppendDocument(member, nullptr, data);
  MaybeAppendDocument(cluster.origin, nullptr, data);
  BeginRecord(data);
  absl::StrAppend(data, "{\"type\":\"cluster\",\"id\":", cluster.id, ",\"members\":[");
  for (size_t i = 0; i < cluster.members.size(); ++i) {
    if (i > 0) data->push_back(',');
    absl::StrAppend(data, cluster.members[i]);
  }
  absl::StrAppend(data, "],\"origin\":", cluster.origin, "}");
  out_->MaybeFlush();
}

void HtmlPrinter::OnQuote(const RepeatedQuote& quote) {
  std::string* data = out_->buffer();
  for (const QuoteOccurrence& occurrence : quote.occurrences) {
    MaybeAppendDocument(occurrence.doc, nullptr, data);
  }
  BeginRecord(data);
  absl::StrAppend(data, "{\"type\":\"quote\",\"id\":", quote.id, ",\"text\":");
  AppendScriptJsonString(quote.text, data);
  data->append(",\"occurrences\":[");
  for (size_t i = 0; i < quote.occurrences.size(); ++i) {
    const QuoteOccurrence& o = quote.occurrences[i];
    if (i > 0) data->push_back(',');
    absl::StrAppend(data, "{\"doc\":", o.doc, ",\"begin\":", o.span.cp_begin, ",\"end\":",
                    o.span.cp_end, ",\"text\":");
    AppendScriptJsonString(o.text, data);
    data->push_back('}');
  }
  data->append("]}");
  out_->MaybeFlush();
}

void HtmlPrinter::PrintSummary(const ReportSummary& summary) {
  std::string* data = out_->buffer();
  BeginRecord(data);
  absl::StrAppend(data, "{\"type\":\"summary\",\"documents\":", summary.documents,
                  ",\"skipped\":", summary.skipped, ",\"pairs\":", summary.pairs,
                  ",\"clusters\":", summary.clusters, ",\"quotes\":", summary.quotes,
                  ",\"seconds\":");
  AppendJsonNumber(summary.seconds, 3, data);
  data->append("}");
  data->append(kScript);
  out_->Flush();
}

}  // namespace naql::cli
