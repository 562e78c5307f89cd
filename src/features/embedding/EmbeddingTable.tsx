import { useMemo } from 'react';
import type { EmbeddingRun } from './commands';
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
    <details className="chart-data">
      <summary>Classes of the {name} map as a table</summary>
      <div className="table-scroll">
        <table>
          <caption className="visually-hidden">
            Points per class and the centre of each class in the {name} map
          </caption>
          <thead>
            <tr>
              <th scope="col">class</th>
              <th scope="col">points</th>
              <th scope="col">centre x</th>
              <th scope="col">centre y</th>
              <th scope="col">spread</th>
            </tr>
          </thead>
          <tbody>
            {classes.map((c, k) =>
              centres[k].count ? (
                <tr key={c}>
                  <th scope="row">
                    {c}
                    {hidden.has(k) ? ' (hidden)' : ''}
                  </th>
                  <td>{centres[k].count}</td>
                  <td>{centres[k].x.toFixed(1)}</td>
                  <td>{centres[k].y.toFixed(1)}</td>
                  <td>{centres[k].spread.toFixed(1)}</td>
                </tr>
              ) : null,
            )}
          </tbody>
        </table>
      </div>
    </details>
  );
}
