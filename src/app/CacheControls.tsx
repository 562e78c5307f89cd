import { useEffect } from 'react';
import { refreshCacheStats } from '../state/jobs';
import { useStore } from '../state/store';
import { ActionButton } from '../ui/ActionButton';
import { clearFeatureCache } from './commands';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 ** 2).toFixed(1)} MB`;
}

/** Size of the IndexedDB feature cache, and a button to empty it. */
export function CacheControls() {
  const stats = useStore((s) => s.cacheStats);
  useEffect(() => {
    void refreshCacheStats();
  }, []);
  if (stats === undefined) return null;
  if (stats === null) return <span className="muted">Feature cache unavailable in this browser</span>;
  return (
    <span className="cache-controls">
      <span>
        Feature cache: {formatBytes(stats.bytes)} ({stats.entries} {stats.entries === 1 ? 'entry' : 'entries'}
        , limit {formatBytes(stats.maxBytes)})
      </span>
      <ActionButton
        onClick={() => void clearFeatureCache()}
        reason={stats.entries === 0 ? 'The cache is empty.' : null}
        quiet
      >
        Clear cache
      </ActionButton>
    </span>
  );
}
