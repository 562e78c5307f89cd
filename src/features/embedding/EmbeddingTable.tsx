import { useMemo } from 'react';
import type { EmbeddingRun } from '../../state/results';
import { DataTable } from '../../ui/DataTable';
import { classCentres } from './points';

/**
 * The map in numbers, for the keyboard and screen readers: per class, how many points it has and
 * where its centre lies. (A thousand points one by one would say less than this.)
 */
export function EmbeddingTable({
  run,
  classes,
  hidden,
}: {
  run: EmbeddingRun;
  classes: readonly string[];
  hidden: ReadonlySet<number>;
}) {
  const centres = useMemo(
    () => (run.coords ? classCentres(run.coords, run.labels, classes.length) : null),
    [run.coords, run.labels, classes.length],
  );
  if (!centres) return null;
  const name = `${run.blocks.join(' + ')} at t = ${run.t}`;
  return (
    <DataTable
      summary={`Classes of the ${name} map as a table`}
      caption={`Points per class and the centre and spread of each class in the ${name} map`}
      columns={['class', 'points', 'centre x', 'centre y', 'spread']}
      rows={classes.flatMap((c, k) =>
        centres[k].count
          ? [
              {
                key: c,
                header: `${c}${hidden.has(k) ? ' (hidden)' : ''}`,
                cells: [
                  String(centres[k].count),
                  centres[k].x.toFixed(1),
                  centres[k].y.toFixed(1),
                  centres[k].spread.toFixed(1),
                ],
              },
            ]
          : [],
      )}
    />
  );
}
