/**
 * Medians, ratios, number formats and markdown tables: what the benches' reports have in common.
 * Runtime-neutral (no `Deno`, no `Bun`), because the parser bench and the client cells also run on Bun.
 *
 * @module
 */

/** The median of `xs`: for an even count, the mean of the two middle values. NaN for none. */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * The middle one of `items` ordered by `value`. Unlike {@linkcode median} it returns a measured item, not
 * a mean, so the fields that go with the number (a run's CPU time, its request count) belong to it. For
 * an even count there are two middle items: `tie` picks the lower or the upper one.
 */
export function middle<T>(
  items: readonly T[],
  value: (item: T) => number,
  tie: "lower" | "upper" = "lower",
): T {
  if (items.length === 0) throw new Error("middle() of no items");
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[tie === "lower" ? (sorted.length - 1) >> 1 : sorted.length >> 1]!;
}

/** `a / b`, or null when either is missing or `b` is 0 (a failed cell gives no ratio, not Infinity). */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : a / b;
}

/** A ratio as `1.23x`; `missing` where there is none. */
export function fmtTimes(value: number | null, missing = ""): string {
  return value === null ? missing : `${value.toFixed(2)}x`;
}

/** `n` with thousands separators and exactly `digits` decimals (`12,345.6`), as in every table. */
export function fmtNumber(n: number, digits = 0): string {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** How a markdown table is laid out. */
export interface TableOptions {
  /** Per column; right-aligned columns get `---:` (unpadded) or are padded on the left. Default: left. */
  align?: readonly ("left" | "right")[];
  /**
   * Pad every cell to its column's width, so the table also reads as plain text (the memory and upload
   * benches); unpadded tables (`| a | b |`) are shorter to paste and `deno fmt` aligns them anyway.
   */
  pad?: boolean;
}

/** A markdown table: header row, separator row, one row per entry of `rows`, joined by newlines. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TableOptions = {},
): string {
  const right = (i: number) => options.align?.[i] === "right";
  if (!options.pad) {
    const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
    return [line(header), line(header.map((_, i) => right(i) ? "---:" : "---")), ...rows.map(line)].join(
      "\n",
    );
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => right(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)).join(" | ")} |`;
  const rule = widths.map((w, i) => right(i) ? `${"-".repeat(w - 1)}:` : "-".repeat(w));
  return [line(header), `| ${rule.join(" | ")} |`, ...rows.map(line)].join("\n");
}

/** How a plain-text table is laid out. */
export interface TextTableOptions {
  /** Per column; default left. Numbers read best right-aligned. */
  align?: readonly ("left" | "right")[];
  /**
   * Rows that share this column's value form a group, set apart by a blank line; with `blankRepeats`,
   * the value shows on the group's first row only.
   */
  group?: { column: number; blankRepeats?: boolean };
}

/**
 * A table for the terminal: columns padded to their widths and two spaces apart, a rule of dashes under
 * the header, no trailing spaces. Widths come from every row, repeated values included, so blanking
 * them does not shift the columns.
 */
export function textTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => options.align?.[i] === "right" ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))
      .join("  ").trimEnd();
  const out = [line(header), widths.map((w) => "-".repeat(w)).join("  ")];
  const group = options.group;
  let last: string | undefined;
  for (const row of rows) {
    if (!group) {
      out.push(line(row));
      continue;
    }
    const value = row[group.column]!;
    if (last && value !== last) out.push("");
    out.push(
      line(value === last && group.blankRepeats ? row.map((c, i) => i === group.column ? "" : c) : row),
    );
    last = value;
  }
  return out.join("\n");
}
