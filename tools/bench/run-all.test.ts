import { describe, expect, it } from 'vitest';
import { insertSection, parseOutput, section } from './run-all';

describe('npm run bench: ratios read from each script’s output', () => {
  it('infer, explorer, probe, tsne, sweep', () => {
    const infer = parseOutput(
      'infer',
      '| batch | native 1T |\n| 32 | 107.8 | 27.2 | 0.25× | 146.6 | 47.8 | 0.33× |\n',
    );
    expect(infer.map((r) => r.ratio)).toEqual([0.25, 0.33]);
    const helper = parseOutput(
      'infer',
      'Two cores, all 16 blocks, sub-graph + ONNX pooling, batch 32: browser engine + helper (1 thread each, the automatic setting on 2 cores) 45.0 images/s; one engine with 2 threads 40.0; native 2 threads 150.0: ratio 0.30× (helper) / 0.27× (one engine)',
    );
    expect(helper).toEqual([expect.objectContaining({ value: '45.0 / 150.0 img/s', ratio: 0.3 })]);
    const explorer = parseOutput(
      'explorer',
      '| block switch → repaint (no re-run), 32 switches | 23.2 ms | 43.5 ms | 62.3 ms |\n| timestep change → forward pass → repaint, 30 moves | 84.2 ms | 104.4 ms | 126.6 ms |\n',
    );
    expect(explorer.map((r) => r.ratio)).toEqual([43.5 / 50, 104.4 / 150]);
    expect(
      parseOutput('probe', 'browser / scikit-learn time (medians of 5 alternating runs): 0.41×')[0].ratio,
    ).toBe(0.41);
    const tsne = parseOutput(
      'tsne',
      'N=5000: sklearn 12.50 s (KL 1.2), TS 9.10 s (KL 1.3; phases x); ratio TS/sklearn = 0.73',
    );
    expect(tsne[0]).toMatchObject({ ratio: 0.73, value: '9.10 s / 12.50 s' });
    expect(parseOutput('sweep', 'Default sweep (16 blocks × 5 timesteps, x): 412 s')[0]).toMatchObject({
      ratio: null,
      value: '412 s',
    });
    const heads = parseOutput(
      'heads',
      'mlp: parity within ±1 point (Δ -0.73), browser / PyTorch time 2.31× (3 seeds)',
    );
    expect(heads[0]).toMatchObject({ ratio: 2.31, value: '2.31×' });
    expect(heads[0].measure).toContain('Δ -0.73 points, within ±1, 3 seeds');
    expect(parseOutput('infer', 'something else')).toEqual([]);
  });

  it('cka', () => {
    const rows = parseOutput(
      'cka',
      [
        'CKA 16 × 16 on 1000 images, pooled, biased: browser 0.512 s / numpy 0.0400 s = 12.8× (max |browser − numpy| 2.2e-16)',
        'CKA 16 × 16 on 500 images, full maps (207200 values per image): wasm 40.10 s / numpy 2.00 s = 20.1×',
      ].join('\n'),
    );
    expect(rows).toEqual([
      {
        bench: 'cka',
        measure: 'CKA time, browser / NumPy, 16 × 16 on 1000 images, pooled, biased',
        value: '0.512 s / 0.0400 s',
        ratio: 12.8,
      },
      {
        bench: 'cka',
        measure: 'CKA time, wasm / NumPy, 16 × 16 on 500 images, full maps (207200 values per image)',
        value: '40.10 s / 2.00 s',
        ratio: 20.1,
      },
    ]);
  });

  it('writes a dated section, newest first, under one heading', () => {
    const rows = [{ bench: 'probe', measure: 'm', value: '0.41×', ratio: 0.41 }];
    const a = section(new Date('2026-12-01T10:00:00Z'), 'test machine', [0.5, 0.7], rows, [
      'sweep: no Chromium',
    ]);
    expect(a).toContain('### 2026-12-01 10:00 UTC');
    expect(a).toContain('| probe | m | 0.41× | 0.41× |');
    expect(a).toContain('| sweep | failed: no Chromium | – | – |');
    const doc1 = insertSection('# Benchmarks\n\nintro\n\n## Old\n\ntext\n', a);
    expect(doc1.indexOf('## All benchmarks')).toBeLessThan(doc1.indexOf('## Old'));
    const b = section(new Date('2026-12-02T10:00:00Z'), 'test machine', [0.5, 0.7], rows, []);
    const doc2 = insertSection(doc1, b);
    expect(doc2.indexOf('2026-12-02')).toBeLessThan(doc2.indexOf('2026-12-01'));
    expect(doc2.match(/## All benchmarks/g)).toHaveLength(1);
  });
});
