import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fnv1a64, modelIdentity, numbersKey } from './numbers-key';
import type { Manifest } from './types';

const bundled = (): Manifest =>
  JSON.parse(
    readFileSync(new URL('../../../public/models/fashion-mnist-ddpm/manifest.json', import.meta.url), 'utf8'),
  );

/** Manifest JSON that the tests edit freely. */
// biome-ignore lint/suspicious/noExplicitAny: the tests write into arbitrary fields
type Json = Record<string, any>;

/** The bundled manifest with `edit` applied to a deep copy. */
function edited(edit: (m: Json) => void): Manifest {
  const m = bundled() as unknown as Json;
  edit(m);
  return m as unknown as Manifest;
}

describe('numbersKey', () => {
  const base = numbersKey(bundled());

  it('is 16 hex digits and the same for equal manifests (not only the same object)', () => {
    expect(base).toMatch(/^[0-9a-f]{16}$/);
    expect(numbersKey(bundled())).toBe(base);
  });

  it('changes with what changes the numbers: schedule, block → output, input, timestep, prediction, extra inputs', () => {
    const variants = [
      edited((m) => {
        m.schedule.betaEnd = 0.021;
      }),
      edited((m) => {
        m.schedule = { type: 'cosine', steps: 1000 };
      }),
      edited((m) => {
        m.blocks[3].output = m.blocks[4].output;
      }),
      edited((m) => {
        m.input.range = [0, 1];
      }),
      edited((m) => {
        m.input.name = 'sample';
      }),
      edited((m) => {
        m.timestep.dtype = 'int64';
      }),
      edited((m) => {
        m.prediction.type = 'v_prediction';
      }),
      edited((m) => {
        m.timestep.convention = 'fraction';
      }),
      edited((m) => {
        m.timestep.convention = 'scaled';
      }),
      edited((m) => {
        m.timestep.convention = 'sigma';
        m.prediction.type = 'sample';
      }),
      edited((m) => {
        m.timestep.convention = 'sigma';
        m.timestep.sigmaData = 1;
        m.prediction.type = 'sample';
      }),
      edited((m) => {
        m.timestep.rank = 2;
      }),
      edited((m) => {
        m.timestep.dtype = 'float16';
      }),
      edited((m) => {
        m.prediction.variance = 'learned_range';
      }),
      edited((m) => {
        m.prediction.variance = 'learned';
      }),
      edited((m) => {
        m.extraInputs = [{ name: 'y', dtype: 'int64', shape: [], batched: true, value: 3 }];
      }),
    ];
    const keys = variants.map(numbersKey);
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
    const y = (value: number) =>
      edited((m) => {
        m.extraInputs = [{ name: 'y', dtype: 'int64', shape: [], batched: true, value }];
      });
    expect(numbersKey(y(3))).not.toBe(numbersKey(y(4)));
  });

  it('reads an absent convention as "index" and an absent σ_data as EDM\'s 0.5', () => {
    expect(numbersKey(edited((m) => (m.timestep.convention = 'index')))).toBe(base);
    const sigma = (sigmaData?: number) =>
      edited((m) => {
        m.timestep.convention = 'sigma';
        if (sigmaData !== undefined) m.timestep.sigmaData = sigmaData;
        m.prediction.type = 'sample';
      });
    expect(numbersKey(sigma())).toBe(numbersKey(sigma(0.5)));
    expect(numbersKey(sigma())).not.toBe(numbersKey(sigma(0.6)));
  });

  it('is a deny-list: preprocessing, the data set and a field added to the manifest later all count', () => {
    const variants = [
      edited((m) => {
        m.preprocessing.invert = 'never';
      }),
      edited((m) => {
        m.preprocessing.mean = [0.25];
      }),
      edited((m) => {
        m.dataset = 'other-data.json';
      }),
      // A shared contract landing in another branch (timestep conventions): never escapes the key.
      edited((m) => {
        (m.timestep as Record<string, unknown>).convention = 'fraction';
      }),
      edited((m) => {
        (m as Record<string, unknown>).conditioning = { classes: 10 };
      }),
      edited((m) => {
        (m.blocks[2] as Record<string, unknown>).scale = 2;
      }),
    ];
    const keys = variants.map(numbersKey);
    for (const k of keys) expect(k).not.toBe(base);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('ignores what does not: name, description, classes, skips, the file entry, key order, block order and drawing data', () => {
    const same = [
      edited((m) => {
        m.description = 'another description';
      }),
      edited((m) => {
        m.name = 'renamed';
        m.classes = ['a', 'b'];
        delete m.skips;
      }),
      edited((m) => {
        m.model = { ...m.model, file: 'renamed.onnx' };
      }),
      edited((m) => {
        m.blocks.reverse();
        m.blocks[0].stage = 'mid';
        m.blocks[0].level = 5;
      }),
      edited((m) => {
        m.schedule = { steps: 1000, betaEnd: 0.02, betaStart: 0.0001, type: 'linear' };
      }),
    ];
    for (const m of same) expect(numbersKey(m)).toBe(base);
  });

  it('fnv1a64 and canonicalJson', () => {
    expect(fnv1a64(new Uint8Array())).toBe('cbf29ce484222325');
    expect(fnv1a64(new TextEncoder().encode('a'))).toBe('af63dc4c8601ec8c');
    expect(fnv1a64(new TextEncoder().encode('foobar'))).toBe('85944171f73967e8');
    // Against the textbook BigInt form, over every byte value.
    const bytes = Uint8Array.from({ length: 3000 }, (_, i) => (i * 131 + (i >> 3)) & 255);
    let h = 0xcbf29ce484222325n;
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
    expect(fnv1a64(bytes)).toBe(h.toString(16).padStart(16, '0'));
    expect(canonicalJson({ b: [1, { d: 2, c: undefined, a: 'x' }], a: 0.1 })).toBe(
      '{"a":0.1,"b":[1,{"a":"x","d":2}]}',
    );
  });
});

describe('modelIdentity', () => {
  it('changes with the bytes and with the numbers, not with the name', () => {
    const m = bundled();
    const sha = 'a'.repeat(64);
    const id = modelIdentity(sha, m);
    expect(modelIdentity('b'.repeat(64), m)).not.toBe(id);
    expect(modelIdentity(sha, { ...m, schedule: { type: 'cosine', steps: 1000 } })).not.toBe(id);
    expect(modelIdentity(sha, { ...m, name: 'renamed' })).toBe(id);
  });
});
