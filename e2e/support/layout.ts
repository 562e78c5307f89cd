/** Layout checks: the page does not scroll sideways, and no control or chart sticks out of its panel. */
import type { Page } from '@playwright/test';

/** One line per problem; empty when the layout fits. */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth)
      out.push(`the page scrolls sideways: ${doc.scrollWidth} px of content in ${doc.clientWidth} px`);
    const name = (el: Element) => {
      const label =
        el.getAttribute('aria-label') ??
        (el as HTMLInputElement).labels?.[0]?.textContent ??
        el.textContent?.trim().slice(0, 40) ??
        '';
      return `<${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? ` class="${el.className}"` : ''}> "${label}"`;
    };
    for (const panel of document.querySelectorAll<HTMLElement>('.panel')) {
      const p = panel.getBoundingClientRect();
      if (!p.width) continue;
      const items = panel.querySelectorAll<Element>(
        'input, select, button, textarea, svg, canvas, .button-like',
      );
      for (const el of items) {
        // Parts of an SVG are judged by the SVG; visually hidden inputs are 1 px by design.
        if (el.parentElement?.closest('svg') || el.classList.contains('visually-hidden')) continue;
        const r = el.getBoundingClientRect();
        if ((!r.width && !r.height) || !el.checkVisibility()) continue;
        if (
          r.left < p.left - 0.5 ||
          r.right > p.right + 0.5 ||
          r.top < p.top - 0.5 ||
          r.bottom > p.bottom + 0.5
        )
          out.push(
            `#${panel.id}: ${name(el)} at x ${r.left.toFixed(0)}–${r.right.toFixed(0)}, y ${r.top.toFixed(0)}–${r.bottom.toFixed(0)} sticks out of the panel (x ${p.left.toFixed(0)}–${p.right.toFixed(0)}, y ${p.top.toFixed(0)}–${p.bottom.toFixed(0)})`,
          );
      }
      // Anything in the panel that clips or scrolls its content sideways hides part of it (a data
      // table's own scroll region excepted: it is a labelled, focusable region made to scroll).
      for (const el of panel.querySelectorAll<HTMLElement>('*')) {
        if (!el.checkVisibility() || el.classList.contains('table-scroll')) continue;
        const x = getComputedStyle(el).overflowX;
        if ((x === 'auto' || x === 'scroll' || x === 'hidden') && el.scrollWidth > el.clientWidth + 1)
          if (!el.classList.contains('visually-hidden') && el.tagName !== 'SELECT' && el.tagName !== 'INPUT')
            out.push(
              `#${panel.id}: ${name(el)} hides ${el.scrollWidth - el.clientWidth} px of its content sideways`,
            );
      }
    }
    return out;
  });
}
