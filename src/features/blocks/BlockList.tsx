import { useStore } from '../../state/store';

/**
 * The U-Net's blocks in forward order, grouped by stage. Each is a toggle button named after the
 * block; click selects one, shift-click (or ctrl/cmd-click) adds or removes it.
 */
export function BlockList() {
  const blocks = useStore((s) => s.model?.manifest.blocks);
  const selected = useStore((s) => s.view.blocks);
  const selectBlock = useStore((s) => s.selectBlock);
  if (!blocks) return <p className="muted">Blocks appear once a model is loaded.</p>;
  const stages = ['down', 'mid', 'up'] as const;
  return (
    <fieldset className="block-list">
      <legend>U-Net blocks</legend>
      {stages.map((stage) => (
        <div key={stage} className={`block-stage block-stage-${stage}`}>
          {blocks
            .filter((b) => b.stage === stage)
            .map((b) => (
              <button
                key={b.name}
                type="button"
                aria-pressed={selected.includes(b.name)}
                title={`${b.stage} level ${b.level}: ${b.resolution.join('×')} × ${b.channels} channels`}
                onClick={(e) => selectBlock(b.name, e.shiftKey || e.ctrlKey || e.metaKey)}
              >
                {b.name}
                <small aria-hidden="true">
                  {' '}
                  {b.resolution[0]}²×{b.channels}
                </small>
              </button>
            ))}
        </div>
      ))}
    </fieldset>
  );
}
