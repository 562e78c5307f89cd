import { describe, expect, it } from 'vitest';
import { createRng } from '../core/rng';
import { imageStructure } from './image-structure';

describe('imageStructure', () => {
  const w = 28;
  it('a constant or almost constant square is flat', () => {
    expect(imageStructure(new Uint8Array(w * w), w, w).kind).toBe('flat');
    const nearly = Uint8Array.from({ length: w * w }, (_, i) => (i === 5 ? 255 : 0));
    expect(imageStructure(nearly, w, w).kind).toBe('flat');
  });

  it('independent pixels, saturated or not, are noise', () => {
    const rng = createRng(1);
    const salt = Uint8Array.from({ length: w * w }, () => (rng.nextFloat() < 0.5 ? 0 : 255));
    const s = imageStructure(salt, w, w);
    expect(s.kind).toBe('noise');
    expect(Math.abs(s.correlation)).toBeLessThan(0.15);
  });

  it('a shape (a filled disc with a soft edge) is structured', () => {
    const disc = Uint8Array.from({ length: w * w }, (_, i) => {
      const r = Math.hypot((i % w) - 14, Math.floor(i / w) - 14);
      return Math.max(0, Math.min(255, (10 - r) * 60));
    });
    const s = imageStructure(disc, w, w);
    expect(s.kind).toBe('structured');
    expect(s.correlation).toBeGreaterThan(0.8);
  });
});
