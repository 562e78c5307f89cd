import { describe, expect, it } from 'vitest';
import type { Manifest } from '../core/manifest/types';
import { ckaFigure } from '../features/cka/figure';
import { type CkaSpec, emptyMatrix } from '../pipeline/cka-spec';
import { gridMove } from './grid-keys';
import { matrixLayout, matrixSvg } from './matrix-heatmap';

const manifest = { name: 'M', blocks: [] } as unknown as Manifest;

/** A 'models' CKA matrix: two blocks of model A × two blocks of its twin, one value undefined. */
function modelsMatrix() {
  const spec: CkaSpec = {
    view: 'models',
    rows: ['mid', 'up1_0'].map((block) => ({ model: 'A', block, t: 10 })),
    cols: ['mid', 'up1_0'].map((block) => ({ model: 'B', block, t: 10 })),
    estimator: 'biased',
    features: 'pooled',
    pooling: { kind: 'avg' },
    seed: 0,
    images: { source: 'test', ids: Array.from({ length: 10 }, (_, i) => `test:${i}`) },
    models: {
      A: { name: 'DDPM <small>', sha256: 'a'.repeat(64), manifest },
      B: {
        name: 'DDPM, random weights (init seed 0)',
        sha256: 'b'.repeat(64),
        manifest,
        twin: { of: 'A', seed: 0 },
      },
    },
  };
  const m = emptyMatrix(spec);
  m.values = [
    [0.99996, 0.5],
    [null, 0.25],
  ];
  m.reasons[1][0] = 'constant';
  return m;
}

describe('a CKA matrix as a heatmap', () => {
  it('each cell names its pair (with the models) and its full value; undefined said in words', () => {
    const fig = ckaFigure(modelsMatrix());
    expect(fig.description).toBe(
      'Heatmap: linear CKA between the blocks of DDPM <small> (rows) and DDPM, random weights (init seed 0) (columns) at t = 10 (global average pooling, 10 images)',
    );
    expect(fig.cellTitle(0, 1)).toBe(
      'mid at t = 10 (DDPM <small>) × up1_0 at t = 10 (DDPM, random weights (init seed 0)): CKA 0.5000',
    );
    expect(fig.cellTitle(1, 0)).toMatch(/: undefined: a representation is the same for every image/);
    expect(fig.rowAxis).toBe('block of DDPM <small>');
    const l = matrixLayout(fig);
    expect(l.cells).toHaveLength(4);
    // Printed to two decimals (1.00 for 0.99996: the full value is in the cell's name), '—' where undefined.
    expect(l.cells.map((c) => c.label?.text)).toEqual(['1.00', '0.50', '—', '0.25']);
    // Sequential 0…1: a higher value is a lighter (viridis) colour; undefined cells are grey.
    const lum = (f: string) => [1, 3, 5].reduce((sum, k) => sum + Number.parseInt(f.slice(k, k + 2), 16), 0);
    expect(lum(l.cells[0].fill)).toBeGreaterThan(lum(l.cells[1].fill));
    expect(l.cells[2].fill).toBe('#eef0f4');
  });

  it('the standalone SVG: escaped names, a <title> per cell, one colour-bar stop per tenth', () => {
    const svg = matrixSvg(ckaFigure(modelsMatrix()));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('DDPM &#60;small&#62;');
    expect(svg).not.toContain('<small>');
    expect(svg.match(/<title>/g)).toHaveLength(1 + 4);
    expect(svg.match(/<stop /g)).toHaveLength(11);
    // Coordinates to 0.01 at most.
    expect(svg).not.toMatch(/="\d+\.\d{3,}/);
  });

  it('large matrices print no values (the tooltip has them) and keep every cell', () => {
    const names = Array.from({ length: 40 }, (_, i) => `block${i}`);
    const l = matrixLayout({
      description: 'd',
      rows: names,
      cols: names,
      values: names.map(() => names.map(() => 0.5)),
      color: { kind: 'sequential', domain: [0, 1] },
      format: (v) => v.toFixed(2),
      cellTitle: (i, j) => `${i},${j}`,
      legend: 'CKA',
      rowAxis: 'block',
      colAxis: 'block',
    });
    expect(l.cells).toHaveLength(1600);
    expect(l.cells.every((c) => c.label === null)).toBe(true);
    expect(l.cells[41].title).toBe('1,1');
  });
});

describe('the arrow keys in a heatmap grid', () => {
  it('move within the rows × cols grid, stop at its edges, Home/End to the row’s ends', () => {
    // 2 rows × 3 cols; cell 4 is row 1, col 1.
    expect(gridMove('ArrowRight', 4, 2, 3)).toBe(5);
    expect(gridMove('ArrowRight', 5, 2, 3)).toBe(5);
    expect(gridMove('ArrowLeft', 3, 2, 3)).toBe(3);
    expect(gridMove('ArrowUp', 4, 2, 3)).toBe(1);
    expect(gridMove('ArrowUp', 1, 2, 3)).toBe(1);
    expect(gridMove('ArrowDown', 1, 2, 3)).toBe(4);
    expect(gridMove('ArrowDown', 4, 2, 3)).toBe(4);
    expect(gridMove('Home', 5, 2, 3)).toBe(3);
    expect(gridMove('End', 3, 2, 3)).toBe(5);
    expect(gridMove('a', 3, 2, 3)).toBeNull();
  });
});
