/**
 * axe-core in the page. The app's CSP forbids inline scripts, so axe's source is evaluated through
 * the DevTools protocol (page.evaluate), which the CSP does not govern, rather than a script tag.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from '@playwright/test';

const source = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Every axe violation on the page as it is now, with the first nodes of each; with `within` (CSS
 * selectors), only in those parts of the page (a fraction of the time on a page full of results).
 */
export async function axeViolations(page: Page, within?: string[]): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(source);
  return page.evaluate(async (within) => {
    const w = window as unknown as {
      axe: {
        run: (
          ctx: Document | { include: string[][] },
          options: object,
        ) => Promise<{
          violations: {
            id: string;
            impact: string | null;
            help: string;
            nodes: { target: unknown[]; failureSummary?: string }[];
          }[];
        }>;
      };
    };
    const context = within ? { include: within.map((selector) => [selector]) } : document;
    const result = await w.axe.run(context, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes
        .slice(0, 5)
        .map((n) => `${n.target.join(' ')}: ${(n.failureSummary ?? '').slice(0, 200)}`),
    }));
  }, within);
}

export const isSerious = (v: AxeViolation) => v.impact === 'serious' || v.impact === 'critical';

/** "id (impact) × n" per violation, for logs and failure messages. */
export function summarise(violations: AxeViolation[]): string {
  return violations.map((v) => `${v.id} (${v.impact}) × ${v.nodes.length}: ${v.help}`).join('; ') || 'none';
}
