// `walnut factory provision --ca DIR (--serials FILE.csv | --count N --serial-prefix P) --out BATCH`: the factory
// data of a batch of units (issue 14), signed by the intermediate of `walnut factory ca init`. BATCH gets
//   units/SERIAL/unit.json     serial, host id, auth domain, setup-code verifier, device secret (0600; unit-record.ts)
//   units/SERIAL/device.pem    the unit certificate, then the intermediate: the chain its TLS server sends
//   units/SERIAL/device.key    the unit's key (0600, PKCS#8 PEM, ECDSA P-256)
//   units/SERIAL/ca.pem        the root, the anchor the unit hands its clients
//   labels.csv, labels.svg     serial, setup code, QR payload: for the label printer, the only copies of the codes
//   manifest.csv               serial, certificate SHA-256, host id: the factory's record, no secret
// The batch is built whole in BATCH.tmp-XXXXXX and renamed (src/util/staged-folder.ts): complete or absent.
// Each code is drawn from the CSPRNG (setup-code.ts) and kept only as labels and as the AS key
// passwordKey(code, domain, admin), so a copy of the units/ folders (the image step's input) reveals no code but
// by an offline search of 2^65 scrypt keys.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { CliError, EXIT, UsageError, type CliIo } from './command.ts';
import { noPositional, parseOptions, type OptionSpec } from './options.ts';
import { OWNER } from '../auth/owner.ts';
import { passwordKey } from '../authsrv/keys.ts';
import { domainProblem } from '../authsrv/mutual.ts';
import { labelsCsv, manifestCsv, type LabelRow, type ManifestRow } from '../factory/batch-csv.ts';
import { labelSheetSvg, type SheetLabel } from '../factory/label-sheet.ts';
import { qrMatrix } from '../factory/qr-matrix.ts';
import { encodeQrPayload } from '../factory/qr-payload.ts';
import { SerialsError, countedSerials, parseSerialsCsv } from '../factory/serials.ts';
import { formatSetupCode, generateSetupCode, setupCodePassword } from '../factory/setup-code.ts';
import { HOST_ID_BYTES, KEY_BYTES, formatUnitRecord, unitDomain, unitHostNames } from '../factory/unit-record.ts';
import { certificateFingerprint, intermediateProblem, issueUnitCertificate } from '../tls/factory-pki.ts';
import type { CertificateAuthority } from '../tls/x509.ts';
import { StagedFolderError, writeStagedFolder } from '../util/staged-folder.ts';

export const PROVISION_OPTIONS: readonly OptionSpec[] = [
  { flag: '--ca', value: 'DIR', help: 'the CA folder of walnut factory ca init (root.pem, intermediate.pem, intermediate.key)' },
  { flag: '--serials', value: 'FILE', help: 'CSV of serials, one per line (header "serial" optional)' },
  { flag: '--count', value: 'N', help: 'instead of --serials: N serials PREFIX000001...' },
  { flag: '--serial-prefix', value: 'P', help: "with --count: the serials' prefix (A-Z, 0-9, '-')" },
  { flag: '--out', value: 'BATCH', help: 'the new batch folder (must not exist, or be empty)' },
];

export interface ProvisionArgs {
  ca: string;
  out: string;
  serials: { file: string } | { count: number; prefix: string };
}

export function parseProvisionArgs(argv: readonly string[]): ProvisionArgs {
  const where = 'factory provision';
  const o = parseOptions(where, argv, PROVISION_OPTIONS);
  noPositional(where, o);
  const ca = o.values.get('--ca');
  const out = o.values.get('--out');
  if (ca === undefined) throw new UsageError(`${where}: name the CA folder with --ca DIR`);
  if (out === undefined) throw new UsageError(`${where}: name the new batch folder with --out BATCH`);
  const file = o.values.get('--serials');
  const count = o.values.get('--count');
  const prefix = o.values.get('--serial-prefix');
  if (file !== undefined) {
    if (count !== undefined || prefix !== undefined) throw new UsageError(`${where}: --serials or --count with --serial-prefix, not both`);
    return { ca, out, serials: { file } };
  }
  if (count === undefined || prefix === undefined) throw new UsageError(`${where}: give --serials FILE, or --count N with --serial-prefix P`);
  if (!/^[1-9][0-9]{0,6}$/.test(count)) throw new UsageError(`${where}: --count is a whole number from 1 to 9999999, not ${JSON.stringify(count)}`);
  return { ca, out, serials: { count: Number(count), prefix } };
}

async function readCaFile(dir: string, name: string): Promise<string> {
  try {
    return await readFile(join(dir, name), 'utf8');
  } catch (err) {
    throw new CliError(`cannot read ${join(dir, name)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): is ${dir} a folder of walnut factory ca init?`);
  }
}

async function loadIntermediate(dir: string): Promise<{ rootPem: string; intermediate: CertificateAuthority }> {
  const rootPem = await readCaFile(dir, 'root.pem');
  const intermediate = { certPem: await readCaFile(dir, 'intermediate.pem'), keyPem: await readCaFile(dir, 'intermediate.key') };
  const problem = intermediateProblem(rootPem, intermediate);
  if (problem) throw new CliError(`the CA folder ${dir}: ${problem}; nothing was written`);
  return { rootPem, intermediate };
}

async function loadSerials(args: ProvisionArgs): Promise<string[]> {
  try {
    if ('count' in args.serials) return countedSerials(args.serials.prefix, args.serials.count);
    let text: string;
    try {
      text = await readFile(args.serials.file, 'utf8');
    } catch (err) {
      throw new CliError(`cannot read the serials file ${args.serials.file}: ${(err as Error).message}`);
    }
    return parseSerialsCsv(text);
  } catch (err) {
    if (err instanceof SerialsError) throw new CliError(`${'file' in args.serials ? args.serials.file : '--count/--serial-prefix'}: ${err.message}; nothing was written`);
    throw err;
  }
}

interface UnitOutput {
  label: LabelRow;
  sheet: SheetLabel;
  manifest: ManifestRow;
}

async function provisionUnit(dir: string, serial: string, ca: { rootPem: string; intermediate: CertificateAuthority }): Promise<UnitOutput> {
  const domain = unitDomain(serial);
  const problem = domainProblem(domain);
  if (problem) throw new CliError(`the serial ${serial} makes the auth domain ${domain}: ${problem}`);
  const code = generateSetupCode();
  const setupKey = await passwordKey(setupCodePassword(code), Buffer.from(domain, 'ascii'), OWNER);
  const hostId = randomBytes(HOST_ID_BYTES).toString('hex');
  const cert = issueUnitCertificate(ca.intermediate, { serial, hostNames: unitHostNames(serial) });
  const unitDir = join(dir, 'units', serial);
  await mkdir(unitDir, { mode: 0o700 });
  await writeFile(join(unitDir, 'unit.json'), formatUnitRecord({ serial, hostId, domain, setupKey, deviceSecret: randomBytes(KEY_BYTES) }), { mode: 0o600 });
  await writeFile(join(unitDir, 'device.pem'), cert.certPem + ca.intermediate.certPem, { mode: 0o644 });
  await writeFile(join(unitDir, 'device.key'), cert.keyPem, { mode: 0o600 });
  await writeFile(join(unitDir, 'ca.pem'), ca.rootPem, { mode: 0o644 });
  const fingerprint = certificateFingerprint(cert.certDer);
  const qrPayload = encodeQrPayload({ serial, code, fingerprint });
  const formattedCode = formatSetupCode(code);
  return {
    label: { serial, formattedCode, qrPayload },
    sheet: { serial, formattedCode, qr: qrMatrix(qrPayload) },
    manifest: { serial, certSha256: fingerprint, hostId },
  };
}

/** Units at once: scrypt runs on libuv's pool of 4 threads (UV_THREADPOOL_SIZE's default). */
const PARALLEL = 4;

export async function runProvision(args: ProvisionArgs, io: CliIo): Promise<number> {
  const ca = await loadIntermediate(args.ca);
  const serials = await loadSerials(args);
  try {
    await writeStagedFolder(args.out, async (dir) => {
      await mkdir(join(dir, 'units'), { mode: 0o700 });
      const units: UnitOutput[] = [];
      for (let i = 0; i < serials.length; i += PARALLEL) {
        units.push(...(await Promise.all(serials.slice(i, i + PARALLEL).map((s) => provisionUnit(dir, s, ca)))));
      }
      await writeFile(join(dir, 'labels.csv'), labelsCsv(units.map((u) => u.label)), { mode: 0o600 });
      await writeFile(join(dir, 'labels.svg'), labelSheetSvg(units.map((u) => u.sheet)), { mode: 0o600 });
      await writeFile(join(dir, 'manifest.csv'), manifestCsv(units.map((u) => u.manifest)), { mode: 0o644 });
    });
  } catch (err) {
    if (err instanceof StagedFolderError) throw new CliError(`${err.message}; nothing was written`);
    throw err;
  }
  io.stdout.write(`provisioned ${serials.length} unit${serials.length === 1 ? '' : 's'} into ${args.out}:
  units/SERIAL/   each unit's factory data, for the image step (no setup code in it)
  labels.csv      serial, setup code, QR payload: for the label printer; then destroy it
  labels.svg      the printable label sheet (A4, 2 x 7 labels); destroy it after printing
  manifest.csv    serial, certificate SHA-256, host id: keep it
`);
  return EXIT.ok;
}
