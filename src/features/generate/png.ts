/**
 * @file The samples as one PNG: a grid at native resolution (8 a row, 2 px mid-gray gaps), values
 * mapped from the data range to 0…255 as the gallery shows them, and the settings that made them
 * in a tEXt chunk "diffprobe" (export.ts's record, JSON).
 */
import { modelInputToRgba } from '../../core/image/convert';
import { withPngText } from '../../core/image/png-text';
import type { ModelInfo } from '../../worker/jobs';
import { samplesRecord } from './export';
import type { GeneratedSamples } from './samples';

const COLUMNS = 8;
const GAP = 2;

export async function samplesPng(g: GeneratedSamples, model: ModelInfo): Promise<Uint8Array> {
  const { channels, height: h, width: w, range } = model.manifest.input;
  const pixels = channels * h * w;
  const count = g.images.length / pixels;
  const cols = Math.min(COLUMNS, count);
  const rows = Math.ceil(count / cols);
  const canvas = document.createElement('canvas');
  canvas.width = cols * (w + GAP) + GAP;
  canvas.height = rows * (h + GAP) + GAP;
  const ctx = canvas.getContext('2d')!;
  ctx.fillStyle = 'rgb(128, 128, 128)';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  for (let i = 0; i < count; i++) {
    const rgba = modelInputToRgba(g.images.subarray(i * pixels, (i + 1) * pixels), channels, h, w, range);
    ctx.putImageData(
      new ImageData(rgba as Uint8ClampedArray<ArrayBuffer>, w, h),
      GAP + (i % cols) * (w + GAP),
      GAP + Math.floor(i / cols) * (h + GAP),
    );
  }
  const blob = await new Promise<Blob>((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('the canvas gave no PNG'))), 'image/png'),
  );
  return withPngText(
    new Uint8Array(await blob.arrayBuffer()),
    'diffprobe',
    JSON.stringify(samplesRecord(g, model)),
  );
}
