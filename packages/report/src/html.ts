import type { TopLevelSpec } from 'vega-lite';
import {
  ablationSpec,
  curveSpec,
  distributionSpec,
  groupSpec,
  renderSvg,
  riChartSpec,
  slopeSpec,
  tauByEpochSpec,
} from './charts.js';
import { cellDiagramSvg } from './cell-diagram.js';
import { rankAgreementTable, rankScatterSpec } from './rank-agreement.js';
import { latencySpec, latencyTable } from './latency.js';
import type { ReportData } from './report-data.js';
import { searchCostSpec } from './search-cost.js';
import { spaceComparisonTable, spaceHistogramSpec } from './space-comparison.js';
import { ablationTableView, divergedTable, escapeHtml, groupTable, paperComparisonTable, rankTable, riTable, searchCostTable, tableToHtml } from './tables.js';

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}caption{caption-side:bottom;text-align:left;color:#555;padding-top:.4rem;max-width:1100px}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:right}th{background:#f3f3f3}td:first-child,td:nth-child(2){text-align:left}
.warnings{background:#fff7e6;border:1px solid #f0c36d;padding:.5rem 1rem}.notes{color:#444}
figure{margin:1rem 0;display:inline-block;vertical-align:top}figure svg{max-width:100%;height:auto}
figure.cells{display:block;border-top:1px solid #eee;padding-top:.5rem}figure.cells figcaption{font-weight:600;margin-bottom:.3rem}
figure.cells svg{margin-right:1.5rem;vertical-align:top}
`;

async function figure(spec: TopLevelSpec, id: string): Promise<string> {
  const svg = await renderSvg(spec);
  return `<figure id="${escapeHtml(id)}" class="chart">${svg}</figure>`;
}

/**
 * Self-contained HTML: inline CSS, tables and charts rendered to inline SVG
 * with Vega-Lite in Node; no script, no external resource.
 */
export async function renderHtml(data: ReportData): Promise<string> {
  const s: string[] = [];
  s.push(`<h1>${escapeHtml(data.title)}</h1>`);
  if (data.subtitle) s.push(`<p>${escapeHtml(data.subtitle)}</p>`);
  if (data.warnings.length) {
    s.push('<section class="warnings"><h2>Warnings</h2><ul>', ...data.warnings.map((w) => `<li>${escapeHtml(w)}</li>`), '</ul></section>');
  }
  if (data.notes.length) s.push('<section class="notes"><h2>Method</h2><ul>', ...data.notes.map((n) => `<li>${escapeHtml(n)}</li>`), '</ul></section>');
  if (data.ri) {
    s.push('<h2>Relative improvement over random sampling</h2>', tableToHtml(riTable(data.ri, data.searchCost, data.searchCostSource)));
    s.push(await figure(riChartSpec(data.ri.rows, data.ri.settings.confidence), 'ri-chart'));
    const cmp = paperComparisonTable(data);
    if (cmp) s.push("<h3>Comparison with the paper's Table 1</h3>", tableToHtml(cmp));
  }
  const diverged = divergedTable(data);
  if (diverged) s.push('<h2 id="diverged">Diverged runs</h2>', `<p>${escapeHtml(data.diverged!.note)}</p>`, tableToHtml(diverged));
  if (data.searchCost?.length) {
    s.push('<h2>Search cost beside accuracy</h2>', tableToHtml(searchCostTable(data.searchCost, data.searchCostSource)));
    const datasets = [...new Set(data.searchCost.map((r) => r.dataset))];
    for (const [i, d] of datasets.entries()) {
      if (data.searchCost.some((r) => r.dataset === d && r.accuracyMean !== null)) s.push(await figure(searchCostSpec(d, data.searchCost), `search-cost-${i}`));
    }
  }
  if (data.architectures?.length) {
    s.push(
      '<h2>Searched and sampled cells</h2>',
      '<p>Normal and reduction cell of every architecture, as DARTS draws them: inputs c_{k-2}, c_{k-1} (the two previous cells), intermediate nodes, and c_{k}, the concatenation of the nodes it lists; each edge carries its operation. Layout by dagre.</p>',
    );
    for (const [i, a] of data.architectures.entries()) {
      const acc = a.accuracy !== undefined && Number.isFinite(a.accuracy) ? ` — test accuracy ${a.accuracy.toFixed(2)} %` : '';
      const cells = a.cells.map((c, j) => cellDiagramSvg(c, `cells-${i}-${j}`)).join('');
      s.push(`<figure id="cells-${i}" class="cells"><figcaption>${escapeHtml(`${a.title} (${a.kind})${acc}`)}</figcaption>${cells}</figure>`);
    }
  }
  for (const b of data.otherBaselines ?? []) {
    s.push(`<h2>Relative improvement over ${escapeHtml(b.baseline)}${b.description ? ` (${escapeHtml(b.description)})` : ''}</h2>`, tableToHtml(riTable(b.ri)));
  }
  if (data.distributions?.length) {
    s.push('<h2>Accuracy distributions: random vs searched</h2>');
    const datasets = [...new Set(data.distributions.map((p) => p.dataset))];
    for (const [i, d] of datasets.entries()) s.push(await figure(distributionSpec(d, data.distributions), `distribution-${i}`));
  }
  if (data.spaceComparisons?.length) {
    s.push('<h2>Accuracy distributions of two spaces</h2>', tableToHtml(spaceComparisonTable(data.spaceComparisons)!));
    for (const [i, c] of data.spaceComparisons.entries()) s.push(await figure(spaceHistogramSpec(c), `space-histogram-${i}`));
  }
  if (data.latency) {
    s.push('<h2>Accuracy and latency</h2>', tableToHtml(latencyTable(data.latency)));
    for (const [i, d] of [...new Set(data.latency.points.map((p) => p.dataset))].entries()) s.push(await figure(latencySpec(d, data.latency), `latency-${i}`));
  }
  if (data.ablation) {
    s.push(`<h2>${escapeHtml(data.ablation.title)}</h2>`, tableToHtml(ablationTableView(data)!));
    s.push(await figure(ablationSpec(data.ablation.title, data.ablation.table), 'ablation-chart'));
  }
  if (data.rankStudies?.length) {
    s.push('<h2>Rank stability</h2>', tableToHtml(rankTable(data.rankStudies)!));
    for (const [i, r] of data.rankStudies.entries()) s.push(await figure(slopeSpec(r), `slope-${i}`));
  }
  if (data.rankAgreement?.length) {
    s.push('<h2>Rank agreement between protocols</h2>', tableToHtml(rankAgreementTable(data.rankAgreement)!));
    for (const [i, r] of data.rankAgreement.entries()) s.push(await figure(rankScatterSpec(r), `rank-scatter-${i}`));
  }
  if (data.groupStudies?.length) {
    for (const [i, g] of data.groupStudies.entries()) {
      s.push(`<h2>${escapeHtml(g.title)}</h2>`, tableToHtml(groupTable(g)), await figure(groupSpec(g), `group-${i}`));
    }
  }
  if (data.anytimeStudies?.length) {
    s.push('<h2>Anytime performance</h2>', '<p>Test accuracy of the best architecture found so far (by the search metric) after each query.</p>');
    for (const [i, c] of data.anytimeStudies.entries()) s.push(await figure(curveSpec(c), `anytime-${i}`));
  }
  if (data.curveStudies?.length) {
    s.push('<h2>Training curves</h2>');
    for (const [i, c] of data.curveStudies.entries()) {
      s.push(await figure(curveSpec(c), `curve-${i}`));
      if (c.tauByEpoch?.length) s.push(await figure(tauByEpochSpec(c), `tau-${i}`));
    }
  }
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(data.title)}</title><style>${STYLE}</style></head>
<body>
${s.join('\n')}
<footer><p class="notes">Generated by @naslab/report. Charts: Vega-Lite rendered to SVG; cell diagrams laid out by dagre.</p></footer>
</body></html>
`;
}
