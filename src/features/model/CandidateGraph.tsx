import { Fragment, type KeyboardEvent, useMemo } from 'react';
import type { BlockCandidate, BlockSkip } from '../../worker/jobs';
import { graphLabel, layoutCandidateGraph, OPS_H, TENSOR_H } from './graph-layout';

const LEFT = 4;

/**
 * The candidates on the graph: in forward order, each candidate tensor (a checkbox, as in the
 * table) after the ops that lead to it, the op that follows it, and the skip connections as arcs,
 * so a user can check that a suggested tensor is where a stage ends (it enters a ConvTranspose, it
 * is not that op's output). ↑/↓ move between candidates; Space picks.
 */
export function CandidateGraph({
  candidates,
  skips,
  picked,
  onToggle,
}: {
  candidates: readonly BlockCandidate[];
  skips: readonly BlockSkip[];
  picked: ReadonlySet<string>;
  onToggle: (name: string) => void;
}) {
  const layout = useMemo(() => layoutCandidateGraph(candidates, skips), [candidates, skips]);
  const x0 = LEFT + layout.gutter;
  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const boxes = [...e.currentTarget.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
    const at = boxes.indexOf(document.activeElement as HTMLInputElement);
    const next = boxes[Math.min(boxes.length - 1, Math.max(0, at + (e.key === 'ArrowDown' ? 1 : -1)))];
    if (!next) return;
    e.preventDefault();
    next.focus();
    next.scrollIntoView({ block: 'nearest' });
  };
  return (
    <section
      className="candidate-graph"
      aria-label="Candidates on the graph"
      // biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll region must be focusable to be scrolled by keyboard
      tabIndex={0}
      onKeyDown={onKeyDown}
    >
      <div className="cg-canvas" style={{ height: layout.height }}>
        <svg className="cg-edges" height={layout.height} aria-hidden="true">
          {layout.rows.map((r, i) =>
            i === 0 ? null : (
              <line
                key={`flow-${r.candidate.name}`}
                className="cg-flow"
                x1={x0 + 14}
                x2={x0 + 14}
                y1={layout.rows[i - 1].tensorY + TENSOR_H}
                y2={r.opsY}
              />
            ),
          )}
          {layout.rows.map((r) => (
            <line
              key={`into-${r.candidate.name}`}
              className="cg-flow"
              x1={x0 + 14}
              x2={x0 + 14}
              y1={r.opsY + OPS_H}
              y2={r.tensorY}
            />
          ))}
          {layout.arcs.map((a) => {
            const x = x0 - 6 - a.lane * 7;
            return (
              <path
                key={`${a.from}->${a.concat}`}
                className="cg-skip"
                d={`M${x0},${a.y1} H${x + 4} Q${x},${a.y1} ${x},${a.y1 + 4} V${a.y2 - 4} Q${x},${a.y2} ${x + 4},${a.y2} H${x0}`}
              />
            );
          })}
        </svg>
        {layout.rows.map((r) => {
          const c = r.candidate;
          const next = (c.consumers ?? []).map((o) => o.op);
          return (
            <div key={c.name}>
              <div
                className="cg-ops"
                style={{ top: r.opsY, left: x0, height: OPS_H }}
                title={(c.path?.ops ?? []).map((o) => `${o.op} ${o.node}`).join('\n')}
              >
                {r.after && <span className="cg-after">after {graphLabel(r.after)}:</span>}
                {r.truncated && <span className="cg-more">…</span>}
                {r.ops.map((g, i) => (
                  <Fragment key={g.nodes[0].node || `${g.label}-${g.nodes.length}`}>
                    {i === r.foldAt && r.hiddenOps > 0 && <span className="cg-more">+{r.hiddenOps} ops</span>}
                    <span className={`cg-op cg-${g.kind}`}>{g.label}</span>
                  </Fragment>
                ))}
              </div>
              <div
                className={`cg-tensor unet-${c.stage}${c.preselected ? ' cg-suggested' : ''}${c.transit ? ' cg-transit' : ''}`}
                style={{ top: r.tensorY, left: x0, height: TENSOR_H }}
              >
                <label title={(c.why ?? c.reasons).join('\n')}>
                  <input
                    type="checkbox"
                    aria-label={`Use block ${c.name}`}
                    checked={picked.has(c.name)}
                    onChange={() => onToggle(c.name)}
                  />
                  <span className="mono" aria-hidden="true">
                    {graphLabel(c.name)}
                  </span>
                </label>
                <span className="cg-shape">
                  {c.resolution[0]}×{c.resolution[1]}×{c.channels} · {c.stage} {c.level}
                  {c.preselected ? ' · suggested' : c.transit ? ' · resampling step' : ''}
                </span>
                <span className="cg-why">{(c.why ?? c.reasons)[0]}</span>
                {next.length > 0 && (
                  <span className="cg-next" title={(c.consumers ?? []).map((o) => o.node || o.op).join('\n')}>
                    → {next.join(', ')}
                  </span>
                )}
              </div>
            </div>
          );
        })}
      </div>
    </section>
  );
}
