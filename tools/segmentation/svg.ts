/**
 * Segmentation proof, the SVG picture of the tier matrix (split out of render.ts, which keeps the
 * text views and the tier grouping this picture draws): one grid per group, cells coloured by kind
 * and marked where no flow intends a connection, long port lists in numbered footnotes. Pure: no
 * Pulumi imports.
 */
import type { ConnectionSet, ConnectivityResult, NamespaceInfo } from "../../policypack/lib/netpol";
import {
  cellText,
  isExternalClass,
  tierGroups,
  unintendedText,
  type TierGroups,
  type TierViewOptions,
} from "./render";

const xmlEscape = (s: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Cell text of the picture: the port list in lines of at most `width` characters, cut at commas. */
export function wrapPorts(text: string, width = 20, maxLines = 3): { lines: string[]; truncated: boolean } {
  const words = text.split(/(?<=,)/);
  const lines: string[] = [];
  let cur = "";
  for (const w of words) {
    if (cur && (cur + w).length > width) {
      lines.push(cur);
      cur = "";
    }
    cur += w;
  }
  if (cur) lines.push(cur);
  if (lines.length <= maxLines) return { lines, truncated: false };
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1].replace(/,$/, "")} …`;
  return { lines: kept, truncated: true };
}

export interface SvgFootnote {
  ref: number;
  group: string;
  src: string;
  dst: string;
  /** The full connection set. */
  full: string;
}

/** Cells whose port list the picture shortens (numbered as in the picture's footnotes). */
export function matrixSvgFootnotes(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: MatrixSvgOptions = {},
): SvgFootnote[] {
  return svgLayout(tierGroups(result, namespaces, options)).footnotes;
}

export interface MatrixSvgOptions extends TierViewOptions {
  title?: string;
  cellWidth?: number;
  cellHeight?: number;
  /** Grids are placed side by side up to this width, then wrap (default: the widest grid, at least 1100). */
  maxWidth?: number;
}

const COLORS = {
  same: "#9ecae1",
  between: "#fdae6b",
  outside: "#a1d99b",
  unintended: "#fb6a4a",
  none: "#ffffff",
};

interface SvgCell {
  group: string;
  src: string;
  dst: string;
  conns: ConnectionSet;
  wrong: ConnectionSet;
  lines: string[];
  ref?: number;
}

function svgLayout(tg: TierGroups) {
  const footnotes: SvgFootnote[] = [];
  const grids = tg.groups.map((g) => {
    const cells: SvgCell[][] = g.tiers.map((src) =>
      g.tiers.map((dst) => {
        const conns = tg.cell(g.name, src, dst);
        const wrong = tg.unintended(g.name, src, dst);
        const w = wrapPorts(cellText(conns));
        const cell: SvgCell = { group: g.name, src, dst, conns, wrong, lines: w.lines };
        if (w.truncated) {
          cell.ref = footnotes.length + 1;
          cell.lines[cell.lines.length - 1] += ` [${cell.ref}]`;
          footnotes.push({ ref: cell.ref, group: g.name, src, dst, full: conns.toString() });
        }
        return cell;
      }),
    );
    return { name: g.name, tiers: g.tiers, cells };
  });
  return { grids, footnotes };
}

/** The legend of the colours, drawn at `y`; returns the `y` below it. */
function svgLegend(parts: string[], pad: number, y: number): number {
  const legend: [string, string, string][] = [
    [COLORS.same, "", "inside a tier"],
    [COLORS.between, "", "between tiers"],
    [COLORS.outside, "", "with the API server, nodes/host, addresses or DNS names (toFQDNs)"],
    [COLORS.unintended, "4 3", "⚠ not intended by any flow (e.g. an observe allow-all)"],
  ];
  const lx = pad;
  parts.push(`<text x="${pad}" y="${y + 10}" font-size="11" font-weight="bold">Legend</text>`);
  y += 16;
  for (const [fill, dash, text] of legend) {
    parts.push(
      `<rect class="legend" x="${lx}" y="${y}" width="18" height="12" fill="${fill}" stroke="${dash ? "#a50f15" : "#888"}" stroke-width="${dash ? 2 : 1}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>` +
        `<text x="${lx + 24}" y="${y + 10}" font-size="11">${xmlEscape(text)}</text>`,
    );
    y += 16;
  }
  parts.push(
    `<text x="${pad}" y="${y + 10}" font-size="10" fill="#555">${xmlEscape("Rows: from, columns: to. Hover a cell for its full port list; a list ending in … [n] is written out in footnote n below.")}</text>`,
  );
  return y + 26;
}

/** The shortened port lists written out in full, drawn at `y`; returns the `y` below them. */
function svgFootnoteLines(
  parts: string[],
  footnotes: readonly SvgFootnote[],
  pad: number,
  y: number,
): number {
  if (!footnotes.length) return y;
  parts.push(`<text x="${pad}" y="${y + 12}" font-size="12" font-weight="bold">Port lists in full</text>`);
  y += 20;
  for (const f of footnotes) {
    parts.push(
      `<text x="${pad}" y="${y + 11}" font-size="10">${xmlEscape(`[${f.ref}] ${f.group}: ${f.src} → ${f.dst}: ${f.full}`)}</text>`,
    );
    y += 14;
  }
  return y + pad;
}

/**
 * A standalone SVG of the tier matrices (one grid per group): rows are source tiers, columns
 * destination tiers (what lies outside the pods split by externalClass); a cell is filled where any
 * connection is allowed and labelled with its ports, wrapped over up to three lines; a longer list
 * ends in `… [n]` and is written out in full in footnote n (and in every cell's tooltip). Cells with
 * a connection no flow intends (options.unintended) are red with a dashed border, the part not
 * intended named in the tooltip. A legend explains the colours; grids are placed side by side and
 * wrap at `maxWidth`.
 */
export function matrixSvg(
  result: ConnectivityResult,
  namespaces: readonly NamespaceInfo[],
  options: MatrixSvgOptions = {},
): string {
  const tg = tierGroups(result, namespaces, options);
  const { grids, footnotes } = svgLayout(tg);
  const cw = options.cellWidth ?? 112;
  const lineH = 11;
  const maxLines = Math.max(1, ...grids.flatMap((g) => g.cells.flat().map((c) => c.lines.length)));
  const ch = options.cellHeight ?? Math.max(34, maxLines * lineH + 12);
  const labelW = Math.max(110, 12 + 7 * Math.max(0, ...grids.flatMap((g) => g.tiers.map((t) => t.length))));
  const headH =
    12 +
    12 *
      Math.max(
        1,
        ...grids.flatMap((g) => g.tiers.map((t) => wrapPorts(t.replace(/ /g, ","), 18, 4).lines.length)),
      );
  const pad = 16;
  const gap = 32;
  const gridW = (n: number) => labelW + n * cw;
  const gridH = (n: number) => 22 + headH + n * ch;
  const widest = Math.max(0, ...grids.map((g) => gridW(g.tiers.length)));
  const maxWidth = Math.max(options.maxWidth ?? 1100, widest);
  const parts: string[] = [];
  let y = pad;
  if (options.title) {
    parts.push(
      `<text x="${pad}" y="${y + 14}" font-size="16" font-weight="bold">${xmlEscape(options.title)}</text>`,
    );
    y += 28;
  }
  y = svgLegend(parts, pad, y);
  // flow layout: grids side by side, wrapping at maxWidth
  let x = pad;
  let rowH = 0;
  for (const g of grids) {
    const n = g.tiers.length;
    const w = gridW(n);
    if (x > pad && x + w > maxWidth + pad) {
      x = pad;
      y += rowH + gap;
      rowH = 0;
    }
    parts.push(`<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">${xmlEscape(g.name)}</text>`);
    const top = y + 22;
    const x0 = x + labelW;
    const y0 = top + headH;
    parts.push(`<text x="${x}" y="${top + headH - 6}" font-size="10" fill="#555">from \\ to</text>`);
    g.tiers.forEach((t, j) => {
      const words = wrapPorts(t.replace(/ /g, ","), 18, 4).lines.map((l) => l.replace(/,/g, " ").trim());
      words.forEach((wd, k) =>
        parts.push(
          `<text x="${x0 + j * cw + cw / 2}" y="${top + headH - 6 - (words.length - 1 - k) * 12}" font-size="11" text-anchor="middle" font-weight="bold">${xmlEscape(wd)}</text>`,
        ),
      );
    });
    g.cells.forEach((row, i) => {
      const ry = y0 + i * ch;
      parts.push(
        `<text x="${x}" y="${ry + ch / 2 + 4}" font-size="11" font-weight="bold">${xmlEscape(g.tiers[i])}</text>`,
      );
      row.forEach((c, j) => {
        const rx = x0 + j * cw;
        const filled = !c.conns.isEmpty();
        const wrong = !c.wrong.isEmpty();
        const fill = !filled
          ? COLORS.none
          : wrong
            ? COLORS.unintended
            : isExternalClass(c.src) || isExternalClass(c.dst)
              ? COLORS.outside
              : c.src === c.dst
                ? COLORS.same
                : COLORS.between;
        const stroke = wrong
          ? ` stroke="#a50f15" stroke-width="2" stroke-dasharray="4 3"`
          : ` stroke="#888" stroke-width="1"`;
        const tip = `${c.group}: ${c.src} → ${c.dst}: ${filled ? c.conns.toString() : "nothing allowed"}${wrong ? ` — not intended by any flow: ${unintendedText(c.conns, c.wrong)}` : ""}`;
        const text = c.lines.map((l, k) => {
          const ty = ry + ch / 2 + 4 + (k - (c.lines.length - 1) / 2) * lineH;
          return `<text x="${rx + cw / 2}" y="${ty}" font-size="9" text-anchor="middle">${xmlEscape(k === 0 && wrong ? `⚠ ${l}` : l)}</text>`;
        });
        parts.push(
          `<g><title>${xmlEscape(tip)}</title>` +
            `<rect class="cell" x="${rx}" y="${ry}" width="${cw}" height="${ch}" fill="${fill}"${stroke}/>` +
            text.join("") +
            `</g>`,
        );
      });
    });
    x += w + gap;
    rowH = Math.max(rowH, gridH(n));
  }
  y += rowH + pad;
  if (grids.length === 0) {
    parts.push(`<text x="${pad}" y="${y + 14}" font-size="12">no connections</text>`);
    y += 30;
  }
  y = svgFootnoteLines(parts, footnotes, pad, y);
  const width = grids.length ? maxWidth + 2 * pad : 600;
  const height = y;
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">\n` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n` +
    parts.join("\n") +
    `\n</svg>\n`
  );
}
