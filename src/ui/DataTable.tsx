/**
 * A chart's numbers as a table, folded away under a summary line: what a screen reader or a
 * keyboard user reads instead of the picture (and anyone who wants the exact values).
 */
export function DataTable({
  summary,
  caption,
  columns,
  rows,
}: {
  summary: string;
  caption: string;
  /** Header of every column, the row header's first. */
  columns: string[];
  rows: { key: string; header: string; cells: string[] }[];
}) {
  return (
    <details className="chart-data">
      <summary>{summary}</summary>
      {/* A wide table scrolls in its own region, which the keyboard can focus and scroll. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scroll region must be focusable to be scrolled by keyboard */}
      <section className="table-scroll" aria-label={caption} tabIndex={0}>
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key}>
                <th scope="row">{r.header}</th>
                {r.cells.map((c, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: cells are identified by their column
                  <td key={i}>{c}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </details>
  );
}
