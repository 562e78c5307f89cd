/** Class legend whose entries are toggle buttons: pressed = shown. Keyboard-usable as buttons are. */
export function EmbeddingLegend({
  classes,
  colors,
  counts,
  hidden,
  onToggle,
}: {
  classes: readonly string[];
  colors: readonly string[];
  counts: number[];
  hidden: ReadonlySet<number>;
  onToggle: (c: number) => void;
}) {
  return (
    <ul className="embedding-legend" aria-label="Classes (toggle to hide or show)">
      {classes.map((name, c) => (
        <li key={name}>
          <button
            type="button"
            aria-pressed={!hidden.has(c)}
            title={hidden.has(c) ? `Show ${name}` : `Hide ${name}`}
            onClick={() => onToggle(c)}
          >
            <span className="swatch" style={{ background: colors[c] }} aria-hidden="true" />
            {name}
            <span className="muted"> ({counts[c] ?? 0})</span>
          </button>
        </li>
      ))}
    </ul>
  );
}
