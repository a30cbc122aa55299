import { aggregateCurves } from '@naslab/analysis';
import { describe, expect, it } from 'vitest';
import { curveSpec, renderSvg } from './charts.js';

/** The text of every x-axis tick label in a Vega SVG (the axis group's labels). */
function tickLabels(svg: string): string[] {
  return [...svg.matchAll(/role-axis-label[^>]*>(.*?)<\/g>/g)].flatMap((m) => [...m[1]!.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((t) => t[1]!));
}

describe('epoch axes', () => {
  it('a 2-epoch curve gets ticks 1 and 2 only, never 1.0, 1.1, … 2.0', async () => {
    const curves = [[50, 60], [52, 61], [49, 63]];
    const svg = await renderSvg(curveSpec({ title: 'toy', aggregate: aggregateCurves(curves, 1), sample: curves }));
    const labels = tickLabels(svg);
    expect(labels).toContain('1');
    expect(labels).toContain('2');
    expect(labels.filter((l) => /^\d+\.\d+$/.test(l) && Number(l) >= 1 && Number(l) <= 2)).toEqual([]);
  });

  it('a long curve keeps integer ticks', async () => {
    const curves = [Array.from({ length: 37 }, (_, e) => 40 + e), Array.from({ length: 37 }, (_, e) => 41 + e)];
    const svg = await renderSvg(curveSpec({ title: 'toy', aggregate: aggregateCurves(curves, 1) }));
    const epochs = tickLabels(svg).filter((l) => /^[\d.]+$/.test(l)).map(Number).filter((v) => v <= 37 && v >= 1);
    expect(epochs.length).toBeGreaterThan(2);
    expect(epochs.every(Number.isInteger)).toBe(true);
  });
});
