/**
 * @file Saving an on-screen SVG chart as .svg or .png. Charts that are saved use presentation
 * attributes (fill, stroke, font-size) rather than CSS classes, so the file looks the same alone.
 */
import { downloadBytes } from './download';

export function svgMarkup(svg: SVGSVGElement): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const { width, height } = svg.viewBox.baseVal;
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.setAttribute('font-family', 'system-ui, sans-serif');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(clone)}\n`;
}

export function saveSvg(svg: SVGSVGElement, filename: string): void {
  downloadBytes(svgMarkup(svg), filename, 'image/svg+xml');
}

/** Rasterises the SVG at `scale`× its viewBox size on a white background. */
export async function savePng(svg: SVGSVGElement, filename: string, scale = 3): Promise<void> {
  const { width, height } = svg.viewBox.baseVal;
  const url = URL.createObjectURL(new Blob([svgMarkup(svg)], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob>((resolve, reject) =>
      canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('PNG encoding failed'))), 'image/png'),
    );
    downloadBytes(new Uint8Array(await blob.arrayBuffer()), filename, 'image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
