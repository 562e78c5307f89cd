/**
 * Layout checks: the page does not scroll sideways, no control or chart sticks out of its panel, no
 * drop-down is too narrow for the choice it shows, and the header's status is one line.
 */
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
    // A drop-down narrower than its chosen option cuts the words off (Normalisation at 1920 px
    // once): its width with that option alone, laid out freely, is what it needs.
    for (const select of document.querySelectorAll<HTMLSelectElement>('select')) {
      if (!select.checkVisibility() || select.selectedIndex < 0) continue;
      const probe = select.cloneNode(false) as HTMLSelectElement;
      probe.append(select.options[select.selectedIndex].cloneNode(true));
      probe.style.cssText =
        'position:absolute;visibility:hidden;width:auto;min-width:0;max-width:none;flex:none';
      select.parentElement?.append(probe);
      const needed = probe.getBoundingClientRect().width;
      probe.remove();
      const has = select.getBoundingClientRect().width;
      if (has + 0.5 < needed)
        out.push(`${name(select)} is ${has.toFixed(0)} px wide, its choice needs ${needed.toFixed(0)} px`);
    }
    // The status is one line (what runs which model); the reasons are under Details.
    const status = document.querySelector<HTMLElement>('[role="status"]');
    if (status) {
      const lineHeight = Number.parseFloat(getComputedStyle(status).lineHeight) || 20;
      const height = status.getBoundingClientRect().height;
      if (height > 1.8 * lineHeight)
        out.push(
          `the status takes ${height.toFixed(0)} px, more than one line (${lineHeight.toFixed(0)} px)`,
        );
    }
    return out;
  });
}
