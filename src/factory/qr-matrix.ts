// A label's QR code as a module matrix, made by the npm package qrcode (ISO/IEC 18004 encoder; rendering is
// label-sheet.ts's). The payload is one alphanumeric-mode segment: qr-payload.ts keeps every character in that
// mode's 45-character set, which packs 2 characters in 11 bits (ISO/IEC 18004 §7.4.4), so the longest payload
// fits version 5 at level M. Level M restores about 15% of damaged modules (§6.5.1), enough for a scuffed label;
// H would need version 7 for the same text and smaller modules on the same label.
import QRCode from 'qrcode';
import type { QrMatrix } from './label-sheet.ts';
import { QR_ALPHANUMERIC } from './qr-payload.ts';

export function qrMatrix(payload: string): QrMatrix {
  if (!QR_ALPHANUMERIC.test(payload)) throw new RangeError('a label payload is QR alphanumeric characters only');
  const code = QRCode.create([{ data: payload, mode: 'alphanumeric' }], { errorCorrectionLevel: 'M' });
  return { size: code.modules.size, dark: Uint8Array.from(code.modules.data) };
}
