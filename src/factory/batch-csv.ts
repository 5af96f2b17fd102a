// The two CSV files of a provisioning batch (RFC 4180 §2: a header line, then one record a line; LF line ends,
// which every spreadsheet and label-printer import reads). No field needs quoting: serials, codes, payloads and
// hex are characters of QR alphanumeric mode without its space (0-9 A-Z $%*+-./:), none of which is a CSV
// delimiter or quote, and a field with anything else is refused rather than quoted.
//  - labels.csv: serial,setup_code,qr_payload, for the label printer; with labels.svg the only place the codes are.
//  - manifest.csv: serial,cert_sha256_hex,host_id, for the factory's records; no secret at all.

export interface LabelRow {
  readonly serial: string;
  /** the code as the label prints it: groups of 4 (setup-code.ts formatSetupCode) */
  readonly formattedCode: string;
  readonly qrPayload: string;
}

export interface ManifestRow {
  readonly serial: string;
  readonly certSha256: Uint8Array;
  readonly hostId: string;
}

const SAFE_FIELD = /^[0-9A-Za-z$%*+\-./:]*$/;

function csv(header: readonly string[], rows: readonly (readonly string[])[]): string {
  for (const row of rows) {
    const bad = row.find((f) => !SAFE_FIELD.test(f));
    if (bad !== undefined) throw new RangeError(`${JSON.stringify(bad)} would need CSV quoting, which no batch field may`);
  }
  return [header, ...rows].map((r) => `${r.join(',')}\n`).join('');
}

export const labelsCsv = (rows: readonly LabelRow[]): string =>
  csv(['serial', 'setup_code', 'qr_payload'], rows.map((r) => [r.serial, r.formattedCode, r.qrPayload]));

export const manifestCsv = (rows: readonly ManifestRow[]): string =>
  csv(['serial', 'cert_sha256_hex', 'host_id'], rows.map((r) => [r.serial, Buffer.from(r.certSha256).toString('hex'), r.hostId]));
