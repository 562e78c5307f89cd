/**
 * @file Where this page's cross-origin isolation comes from: the host's COOP/COEP headers, or the
 * service worker that added them to the page's response (service-worker/isolation.ts marks those
 * with a Server-Timing entry, which the navigation's timing entry shows here).
 */
import { ISOLATED_BY_SW } from '../../service-worker/isolation';
import type { OfflineState } from './state';

export function isolationSource(
  isolated: boolean = globalThis.crossOriginIsolated === true,
  navigation: PerformanceEntry | undefined = globalThis.performance?.getEntriesByType?.('navigation')[0],
): OfflineState['isolation'] {
  if (!isolated) return 'none';
  const timing = (navigation as PerformanceNavigationTiming | undefined)?.serverTiming ?? [];
  return timing.some((t) => t.name === ISOLATED_BY_SW) ? 'service-worker' : 'headers';
}
