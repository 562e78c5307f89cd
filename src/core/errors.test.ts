import { describe, expect, it } from 'vitest';
import { DiffProbeError, ERROR_CODES, isDiffProbeError, quote } from './errors';

describe('DiffProbeError', () => {
  it('carries code, message and detail and is an Error', () => {
    const e = new DiffProbeError('image-type', `unsupported type ${quote('image/heic')}`, {
      type: 'image/heic',
    });
    expect(e).toBeInstanceOf(Error);
    expect(e.name).toBe('DiffProbeError');
    expect(e.code).toBe('image-type');
    expect(e.message).toBe('unsupported type "image/heic"');
    expect(e.detail).toEqual({ type: 'image/heic' });
    expect(isDiffProbeError(e)).toBe(true);
    expect(isDiffProbeError(e, 'image-type')).toBe(true);
    expect(isDiffProbeError(e, 'internal')).toBe(false);
    expect(isDiffProbeError(new Error('x'))).toBe(false);
    expect(new DiffProbeError('internal', 'x').detail).toBeUndefined();
  });

  it('lists every code once', () => {
    expect(new Set(ERROR_CODES).size).toBe(ERROR_CODES.length);
    expect(ERROR_CODES).toContain('out-of-memory');
  });
});

describe('quote', () => {
  it('makes the bad value visible', () => {
    expect(quote('')).toBe('""');
    expect(quote(' rgb')).toBe('" rgb"');
    expect(quote(Number.NaN)).toBe('NaN');
    expect(quote(undefined)).toBe('undefined');
    expect(quote(null)).toBe('null');
    expect(quote([1, Number.POSITIVE_INFINITY])).toBe('[1,"Infinity"]');
    expect(quote({ a: 1 })).toBe('{"a":1}');
    expect(quote('x'.repeat(200)).length).toBe(80);
  });
});
