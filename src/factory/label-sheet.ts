// labels.svg: the batch's printable label sheet (issue 14). Each label carries the unit's QR code (its
// qr-payload.ts text), its serial, and its setup code in groups of 4 for a person to type.
//
// Layout: A4 pages of 2 × 7 labels of 99.1 × 38.1 mm, the common office label stock (Avery L7163: side margin
// 4.65 mm, top margin 15.15 mm, horizontal pitch 101.6 mm, vertical pitch 38.1 mm), so one sheet is one page.
// A batch of more than 14 units stacks its pages below each other in the one SVG; the drawing is 210 mm wide and
// a whole number of 297 mm pages tall, so a print tool that tiles by A4 cuts it between labels.
// Each QR code keeps the quiet zone of 4 modules that ISO/IEC 18004 §6.3.8 requires, drawn white, and is one
// path of whole-module squares with crispEdges, so a rasteriser draws no grey seams a decoder would stumble on.

export interface QrMatrix {
  /** modules per side */
  readonly size: number;
  /** size × size, row-major, 1 = dark */
  readonly dark: Uint8Array;
}

export interface SheetLabel {
  readonly serial: string;
  /** the setup code in groups of 4 (setup-code.ts formatSetupCode) */
  readonly formattedCode: string;
  readonly qr: QrMatrix;
}

export const PAGE = { width: 210, height: 297 } as const;
export const LABEL = { width: 99.1, height: 38.1, columns: 2, rows: 7, left: 4.65, top: 15.15, pitchX: 101.6, pitchY: 38.1 } as const;
export const PER_PAGE = LABEL.columns * LABEL.rows;
/** The QR code's side on the label, quiet zone included, and its inset from the label's edge (mm). */
export const QR_SIDE = 32;
const INSET = (LABEL.height - QR_SIDE) / 2;
export const QUIET_ZONE = 4;

/** Top-left corner (mm) of label `index` on the sheet. */
export function labelOrigin(index: number): { x: number; y: number } {
  const page = Math.floor(index / PER_PAGE);
  const onPage = index % PER_PAGE;
  return {
    x: LABEL.left + (onPage % LABEL.columns) * LABEL.pitchX,
    y: page * PAGE.height + LABEL.top + Math.floor(onPage / LABEL.columns) * LABEL.pitchY,
  };
}

const mm = (n: number): string => String(Math.round(n * 1000) / 1000);

const escapeXml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);

/** The dark modules as one path in module units, offset by the quiet zone. */
export function qrPath(qr: QrMatrix): string {
  if (qr.dark.length !== qr.size * qr.size) throw new RangeError(`a ${qr.size}-module QR code has ${qr.size * qr.size} modules, not ${qr.dark.length}`);
  const parts: string[] = [];
  for (let row = 0; row < qr.size; row++) {
    for (let col = 0; col < qr.size; col++) {
      if (qr.dark[row * qr.size + col]) parts.push(`M${col + QUIET_ZONE} ${row + QUIET_ZONE}h1v1h-1z`);
    }
  }
  return parts.join('');
}

function labelSvg(label: SheetLabel, index: number): string {
  const { x, y } = labelOrigin(index);
  const modules = label.qr.size + 2 * QUIET_ZONE;
  const scale = QR_SIDE / modules;
  const textX = x + INSET + QR_SIDE + 4;
  return [
    `<g class="label" id="label-${index + 1}">`,
    `<rect x="${mm(x)}" y="${mm(y)}" width="${LABEL.width}" height="${LABEL.height}" rx="2" fill="none" stroke="#bbb" stroke-width="0.2"/>`,
    `<g transform="translate(${mm(x + INSET)} ${mm(y + INSET)}) scale(${scale})">`,
    `<rect width="${modules}" height="${modules}" fill="#fff"/>`,
    `<path d="${qrPath(label.qr)}" fill="#000" shape-rendering="crispEdges"/>`,
    '</g>',
    `<text x="${mm(textX)}" y="${mm(y + 9)}" font-size="2.8">Serial</text>`,
    `<text x="${mm(textX)}" y="${mm(y + 15)}" font-size="5" font-weight="bold">${escapeXml(label.serial)}</text>`,
    `<text x="${mm(textX)}" y="${mm(y + 23)}" font-size="2.8">Setup code</text>`,
    `<text class="code" x="${mm(textX)}" y="${mm(y + 29)}" font-size="4.6" font-family="DejaVu Sans Mono, monospace">${escapeXml(label.formattedCode)}</text>`,
    '</g>',
  ].join('\n');
}

/** The whole sheet: every label in order, on as many A4 pages as they need. */
export function labelSheetSvg(labels: readonly SheetLabel[]): string {
  const pages = Math.max(1, Math.ceil(labels.length / PER_PAGE));
  const height = pages * PAGE.height;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${PAGE.width}mm" height="${height}mm" viewBox="0 0 ${PAGE.width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    `<rect width="${PAGE.width}" height="${height}" fill="#fff"/>`,
    ...labels.map(labelSvg),
    '</svg>',
    '',
  ].join('\n');
}
