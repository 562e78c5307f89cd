import { describe, expect, it } from 'vitest';
import { embeddingToCsv, legendSvgFragment, pointsSvgFragment } from './export';

describe('embedding exports', () => {
  it('CSV: header and one row per point, class names, quoted when needed', () => {
    const csv = embeddingToCsv(
      ['test:0', 'test:7'],
      Int32Array.of(1, 0),
      ['T-shirt/top', 'Trouser, long'],
      Float32Array.of(1.5, -2, 0.25, 3),
    );
    expect(csv).toBe('id,label,x,y\ntest:0,"Trouser, long",1.5,-2\ntest:7,T-shirt/top,0.25,3\n');
  });

  it('points fragment: visible classes only, inside the plot area, rounded', () => {
    const svg = pointsSvgFragment({
      coords: Float32Array.of(0.123, 0, 1, 1, 2, 2, 50, 50),
      labels: Int32Array.of(0, 1, 0, 0),
      colors: ['#111', '#222'],
      hidden: new Set([1]),
      x: (v) => v * 10,
      y: (v) => v * 10,
      radius: 2,
      area: { x: 0, y: 0, width: 100, height: 100 },
    });
    expect(svg).toBe(
      '<g class="points" stroke="none"><g fill="#111" fill-opacity="0.8"><circle cx="1.23" cy="0" r="2"/><circle cx="20" cy="20" r="2"/></g></g>',
    );
  });

  it('legend fragment escapes names and marks hidden classes', () => {
    const svg = legendSvgFragment(['a<b', 'c'], ['#111', '#222'], new Set([1]), 5, 10);
    expect(svg).toContain('a&#60;b');
    expect(svg).toContain('c (hidden)');
    expect(svg.match(/<rect/g)).toHaveLength(2);
  });
});
