import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LABEL, PAGE, PER_PAGE, QR_SIDE, QUIET_ZONE, labelOrigin, labelSheetSvg, qrPath, type QrMatrix } from './label-sheet.ts';

/** A 21-module matrix (version 1's size) with a diagonal, enough to see each dark module drawn. */
function diagonal(size = 21): QrMatrix {
  const dark = new Uint8Array(size * size);
  for (let i = 0; i < size; i++) dark[i * size + i] = 1;
  return { size, dark };
}

const label = (n: number) => ({ serial: `WN-${n}`, formattedCode: 'ABCD-EFGH-JKMN-PQ', qr: diagonal() });

test('each dark module is one unit square, offset by the 4-module quiet zone', () => {
  const path = qrPath({ size: 2, dark: Uint8Array.from([1, 0, 0, 1]) });
  assert.equal(path, `M${QUIET_ZONE} ${QUIET_ZONE}h1v1h-1zM${QUIET_ZONE + 1} ${QUIET_ZONE + 1}h1v1h-1z`);
  assert.throws(() => qrPath({ size: 3, dark: new Uint8Array(4) }), /has 9 modules, not 4/);
});

test('labels fill an A4 page two across and seven down, then the next page below', () => {
  assert.deepEqual(labelOrigin(0), { x: LABEL.left, y: LABEL.top });
  assert.deepEqual(labelOrigin(1), { x: LABEL.left + LABEL.pitchX, y: LABEL.top });
  assert.deepEqual(labelOrigin(2), { x: LABEL.left, y: LABEL.top + LABEL.pitchY });
  assert.deepEqual(labelOrigin(PER_PAGE), { x: LABEL.left, y: PAGE.height + LABEL.top });
  const last = labelOrigin(PER_PAGE - 1);
  assert.ok(last.x + LABEL.width <= PAGE.width && last.y + LABEL.height <= PAGE.height, 'the last label of a page is on the page');
});

test('the sheet has one label group per unit with its QR path, serial and grouped code, on whole A4 pages', () => {
  const svg = labelSheetSvg(Array.from({ length: 20 }, (_, i) => label(i + 1)));
  assert.match(svg, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="210mm" height="594mm" viewBox="0 0 210 594"/);
  assert.equal(svg.match(/<g class="label"/g)!.length, 20);
  assert.equal(svg.match(/shape-rendering="crispEdges"/g)!.length, 20);
  assert.equal(svg.match(/>ABCD-EFGH-JKMN-PQ</g)!.length, 20);
  assert.match(svg, />WN-20</);
  // the QR code, quiet zone included, is QR_SIDE mm: 21 + 8 modules scaled to it
  assert.ok(svg.includes(`scale(${QR_SIDE / 29})`));
});

test('an empty batch is one blank page, and text is XML-escaped', () => {
  assert.match(labelSheetSvg([]), /height="297mm"/);
  assert.match(labelSheetSvg([{ ...label(1), serial: 'A<B' }]), />A&lt;B</);
});
