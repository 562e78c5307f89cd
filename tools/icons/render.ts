/**
 * Renders the app's icons (public/icons/*.png) from public/icons/icon.svg in headless Chromium:
 * 192 and 512 px as drawn (rounded, transparent corners), a 512 px maskable one (the mark inside
 * the 80% safe zone on a full-bleed background) and a 180 px apple-touch-icon (full bleed; iOS
 * rounds it itself). Run after editing the SVG:
 *
 *     npx tsx tools/icons/render.ts
 */
import { readFileSync } from 'node:fs';
import { chromium } from '@playwright/test';
import { findChromium } from '../../e2e/support/chromium';

const DIR = new URL('../../public/icons/', import.meta.url).pathname;
const svg = readFileSync(`${DIR}icon.svg`, 'utf8');
const square = svg.replace('rx="96"', 'rx="0"');
const background = /<rect[^>]*fill="([^"]+)"/.exec(svg)![1];

const icons: { name: string; size: number; html: string; transparent: boolean }[] = [
  { name: 'icon-192.png', size: 192, html: svg, transparent: true },
  { name: 'icon-512.png', size: 512, html: svg, transparent: true },
  {
    name: 'icon-512-maskable.png',
    size: 512,
    html: `<div style="width:100%;height:100%;background:${background};display:grid;place-items:center"><div style="width:80%;height:80%">${square}</div></div>`,
    transparent: false,
  },
  { name: 'apple-touch-icon.png', size: 180, html: square, transparent: false },
];

const browser = await chromium.launch({ executablePath: findChromium(), args: ['--no-sandbox'] });
for (const icon of icons) {
  const page = await browser.newPage({ viewport: { width: icon.size, height: icon.size } });
  await page.setContent(`<html><body style="margin:0">${icon.html}</body></html>`);
  await page.addStyleTag({ content: 'svg{width:100%;height:100%;display:block}' });
  await page.screenshot({ path: `${DIR}${icon.name}`, omitBackground: icon.transparent });
  await page.close();
  console.log(`wrote public/icons/${icon.name}`);
}
await browser.close();
