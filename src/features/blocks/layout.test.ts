import { describe, expect, it } from 'vitest';
import type { ManifestBlock } from '../../core/manifest/types';
import { layoutUNet, shortLabel } from './layout';

const block = (name: string, stage: 'down' | 'mid' | 'up', level: number): ManifestBlock => ({
  name,
  output: name,
  stage,
  level,
  resolution: [28 >> level, 28 >> level],
  channels: 32,
});

describe('layoutUNet', () => {
  const blocks = [
    block('d0', 'down', 0),
    block('d1', 'down', 1),
    block('m', 'mid', 1),
    block('u1', 'up', 1),
    block('u0a', 'up', 0),
    block('u0b', 'up', 0),
  ];
  const l = layoutUNet(blocks, [{ from: 'd0', to: 'u0a' }]);
  const at = (n: string) => l.boxes.find((b) => b.name === n)!;

  it('puts the down path left, the up path right and the middle at the bottom', () => {
    expect(at('d0').x).toBe(0);
    expect(at('u1').x).toBeGreaterThan(at('m').x);
    expect(at('m').x).toBeGreaterThan(at('d0').x);
    expect(at('m').y).toBeGreaterThan(Math.max(at('d1').y, at('u1').y));
  });

  it('aligns levels in bands and lets the up path flow upwards', () => {
    expect(at('d1').y).toBe(at('u1').y);
    expect(at('u0b').y).toBeLessThan(at('u0a').y); // u0a runs first, so it sits lower
    expect(at('d1').y).toBeGreaterThan(at('u0a').y);
  });

  it('lists the forward flow and the skips', () => {
    expect(l.flow[0]).toEqual(['d0', 'd1']);
    expect(l.flow).toHaveLength(5);
    expect(l.skips).toEqual([['d0', 'u0a']]);
  });
});

describe('shortLabel', () => {
  it('keeps short names and trims ONNX node names to their distinctive tail', () => {
    expect(shortLabel('up1_0')).toBe('up1_0');
    expect(shortLabel('/mid_block/Add')).toBe('mid');
    expect(shortLabel('/down_blocks.0/resnets.1/Add')).toBe('down.0.res.1');
    expect(shortLabel('/up_blocks.1/upsamplers.0/Resize_3')).toBe('up.1.us.0');
    expect(shortLabel('/input_blocks.1/input_blocks.1.0/Add_1')).toBe('in.1.0');
    expect(shortLabel('/middle_block/middle_block.2/Add_1')).toBe('mid.2');
    expect(shortLabel('/output_blocks.5/output_blocks.5.2/conv/Conv')).toBe('out.5.2.conv');
    expect(shortLabel('/net/down.0/res/Add_1')).toBe('net.down.0.res');
    expect(shortLabel('a_very_long_single_name_without_dots')).toBe('…e_without_dots');
    expect(shortLabel('/Add')).toBe('Add');
    for (const n of ['/x/y/z/w/v/u/t/Add', 'mid block, attn', 'a'.repeat(300)])
      expect(shortLabel(n).length).toBeLessThanOrEqual(15);
  });
});
