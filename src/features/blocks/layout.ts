/**
 * @file Where each block goes in the U-Net drawing: the down path as a column on the left (flowing
 * down), the up path on the right (flowing up), one horizontal band per resolution level, and the
 * middle block at the bottom. Pure, so the layout is unit-tested.
 */
import type { ManifestBlock, ManifestSkip } from '../../core/manifest/types';

export interface BlockBox {
  name: string;
  x: number;
  y: number;
}

export interface UNetLayout {
  boxes: BlockBox[];
  width: number;
  height: number;
  /** Consecutive blocks in forward order (the main data path). */
  flow: [string, string][];
  skips: [string, string][];
}

export const BOX_W = 122;
export const BOX_H = 28;
const GAP_Y = 8;
const BAND_GAP = 14;
const MID_COL = BOX_W + 18;

export function layoutUNet(
  blocks: readonly ManifestBlock[],
  skips: readonly ManifestSkip[] = [],
): UNetLayout {
  const levels = [...new Set(blocks.map((b) => b.level))].sort((a, b) => a - b);
  const boxes: BlockBox[] = [];
  const rightX = MID_COL * 2;
  let y = 0;
  for (const level of levels) {
    const downs = blocks.filter((b) => b.stage === 'down' && b.level === level);
    const ups = blocks.filter((b) => b.stage === 'up' && b.level === level).reverse();
    const rows = Math.max(downs.length, ups.length, 1);
    for (const [i, b] of downs.entries()) boxes.push({ name: b.name, x: 0, y: y + i * (BOX_H + GAP_Y) });
    for (const [i, b] of ups.entries()) boxes.push({ name: b.name, x: rightX, y: y + i * (BOX_H + GAP_Y) });
    y += rows * (BOX_H + GAP_Y) + BAND_GAP;
  }
  for (const [i, b] of blocks.filter((b) => b.stage === 'mid').entries())
    boxes.push({ name: b.name, x: MID_COL, y: y + i * (BOX_H + GAP_Y) });
  const height = Math.max(...boxes.map((b) => b.y + BOX_H)) + 4;
  const flow: [string, string][] = [];
  for (let i = 1; i < blocks.length; i++) flow.push([blocks[i - 1].name, blocks[i].name]);
  return { boxes, width: rightX + BOX_W + 2, height, flow, skips: skips.map((s) => [s.from, s.to]) };
}

/** Long words of common U-Net module paths (diffusers, guided-diffusion) and their short forms. */
const ABBREVIATIONS: [RegExp, string][] = [
  [/\binput_blocks\b/g, 'in'],
  [/\boutput_blocks\b/g, 'out'],
  [/\bmiddle_block\b|\bmid_block\b/g, 'mid'],
  [/\bdown_blocks\b/g, 'down'],
  [/\bup_blocks\b/g, 'up'],
  [/\bresnets\b/g, 'res'],
  [/\battentions\b/g, 'attn'],
  [/\bdownsamplers\b/g, 'ds'],
  [/\bupsamplers\b/g, 'us'],
];

/**
 * A label that fits a box for any block name. ONNX node names carry their module path and op
 * ("/down_blocks.0/resnets.1/Add"): the op and the leading slash say nothing here; torch repeats a
 * Sequential's scope in its children ("/input_blocks.1/input_blocks.1.0/Add_1"), so a segment
 * that only prefixes the next one goes; common long words are shortened; and the end of the path,
 * the distinctive part, is kept. The full name stays the button's accessible name and tooltip.
 */
export function shortLabel(name: string, max = 15): string {
  const trimmed = name.replace(/^\//, '').replace(/\/[A-Z][A-Za-z]*(_\d+)?$/, '') || name;
  const segments = trimmed.split('/');
  const kept = segments.filter(
    (seg, i) => !(i + 1 < segments.length && segments[i + 1].startsWith(`${seg}.`)),
  );
  let label = kept.join('.');
  for (const [pattern, short] of ABBREVIATIONS) label = label.replace(pattern, short);
  if (label.length <= max) return label;
  // Whole path segments from the end, as many as fit; a single long segment is cut.
  const parts = label.split('.');
  let tail = parts.pop()!;
  while (parts.length && tail.length + parts[parts.length - 1].length + 2 <= max)
    tail = `${parts.pop()}.${tail}`;
  return `…${tail.length < max ? tail : tail.slice(tail.length - (max - 1))}`;
}
