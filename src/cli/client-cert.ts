// `walnut client-cert issue|list|revoke` and `walnut ca export`: TLS client certificates from walnut's local CA,
// for upsmon (CERTIDENT, from an NSS database filled with pk12util) and any client that takes a PEM file, on the
// data folder `walnut serve` uses (same --config/--data). The store is src/tls/client-certs.ts; the running
// server reads it on every handshake, so a revocation applies without a restart.
//
// Files are created before the process becomes the data folder's owner (openDataFolder, when run as root): the
// private key goes to the invoking user's folder, owned by that user, mode 0600, never into the data folder.
// The private key and the PKCS#12 password are never logged; a generated password is printed once, on stdout.
import { closeSync, fchmodSync, fsyncSync, ftruncateSync, openSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { randomInt } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { CliError, EXIT, UsageError, processIo, type CliIo, type Command } from './command.ts';
import { DATA_FOLDER_OPTIONS, dataFolderArgs, noPositional, onePositional, optionsHelp, parseOptions, splitAction, type OptionSpec } from './options.ts';
import { parseSingleAction } from './single-action.ts';
import { openDataFolder } from './data-folder.ts';
import { readPasswordLine } from './password-input.ts';
import { loadConfig } from '../config/load.ts';
import type { WalnutConfig } from '../config/config.ts';
import { EventLog } from '../storage/event-log.ts';
import { showBytes, showName } from '../auth/bytes.ts';
import { ClientCertStore, MAX_REASON, clientNameProblem, type ClientCertificateRecord } from '../tls/client-certs.ts';
import { IdentityError, loadIdentity, type TlsIdentity } from '../tls/identity.ts';
import { inspectCertificate } from '../tls/inspect.ts';
import { fromPem, toPem } from '../tls/pem.ts';
import { writePkcs12 } from '../tls/pkcs12.ts';
import type { IssuedCertificate } from '../tls/x509.ts';

export type ClientCertIo = CliIo;

export type ClientCertAction = 'issue' | 'list' | 'revoke';
const CLIENT_CERT_ACTIONS: readonly ClientCertAction[] = ['issue', 'list', 'revoke'];

/** `walnut client-cert ACTION ...`: TLS client certificates from walnut's CA (src/tls/client-certs.ts). */
export interface ClientCertArgs {
  action: ClientCertAction;
  /** issue: the client's name (the subject CN); revoke: a serial number or a name */
  name?: string;
  config?: string;
  data?: string;
  /** issue: the folder NAME.pem and NAME.p12 go to (default: the current folder) */
  out?: string;
  /** issue: read the PKCS#12 password from the first line of stdin instead of generating one */
  passwordStdin: boolean;
  /** issue: the upsmon host's NSS database folder, for the printed commands and CERTPATH */
  nssDb?: string;
  /** issue: the host as the upsmon MONITOR line writes it, for CERTHOST (default: the unit's name) */
  host?: string;
  /** revoke: why, kept with the record */
  reason?: string;
}

const OUT: OptionSpec = { flag: '--out', value: 'DIR', help: 'issue: where NAME.pem and NAME.p12 go (default: the current folder)' };
const P12_STDIN: OptionSpec = { flag: '--password-stdin', help: 'issue: the PKCS#12 password is the first line of stdin (else one is generated and printed once)' };
const NSS_DB: OptionSpec = { flag: '--nss-db', value: 'DIR', help: 'issue: the upsmon host\'s NSS database, for the printed commands and CERTPATH (default /etc/nut/certdb)' };
const HOST_OPTION: OptionSpec = { flag: '--host', value: 'HOST', help: "issue: the host as upsmon's MONITOR line writes it, for CERTHOST (default: this unit's name)" };
const REASON: OptionSpec = { flag: '--reason', value: 'TEXT', help: 'revoke: why, kept with the record' };
const CLIENT_CERT_OPTIONS: Record<ClientCertAction, readonly OptionSpec[]> = {
  issue: [OUT, P12_STDIN, NSS_DB, HOST_OPTION],
  list: [],
  revoke: [REASON],
};

/** A host as a MONITOR line names it: a DNS name, an IPv4 address or an IPv6 address (bracketed or not). */
const HOST = /^(?=.{1,253}$)[A-Za-z0-9._:%[\]-]+$/;

/** Pure: the words after `walnut client-cert`. */
export function parseClientCertArgs(argv: readonly string[]): ClientCertArgs {
  const { action, rest } = splitAction('client-cert', argv, CLIENT_CERT_ACTIONS);
  const where = `client-cert ${action}`;
  const o = parseOptions(where, rest, [...DATA_FOLDER_OPTIONS, ...CLIENT_CERT_OPTIONS[action]]);
  const out: ClientCertArgs = { action, passwordStdin: o.flags.has('--password-stdin'), ...dataFolderArgs(o) };
  if (action === 'list') noPositional(where, o);
  else {
    const what = action === 'issue' ? "name the client (the certificate's common name)" : 'give the serial number or the name of the certificate';
    const name = onePositional(where, o, what, 'one certificate at a time');
    const problem = action === 'issue' ? clientNameProblem(name) : name === '' ? 'the serial number or name is empty' : undefined;
    if (problem) throw new UsageError(`${where}: ${problem}`);
    out.name = name;
  }
  const dir = o.values.get('--out');
  if (dir !== undefined) out.out = dir;
  const nssDb = o.values.get('--nss-db');
  if (nssDb !== undefined) {
    // it goes into upsmon.conf, which keeps printable ASCII only, and upsmon runs from / as a daemon
    if (!/^\/[\x20-\x7e]*$/.test(nssDb)) throw new UsageError(`${where}: --nss-db takes an absolute path in printable ASCII (it goes into upsmon.conf), not "${nssDb}"`);
    out.nssDb = nssDb;
  }
  const host = o.values.get('--host');
  if (host !== undefined) {
    if (!HOST.test(host)) throw new UsageError(`${where}: --host takes a host name or address as the MONITOR line writes it, not "${host}"`);
    out.host = host;
  }
  const reason = o.values.get('--reason');
  if (reason !== undefined) {
    if ([...reason].length > MAX_REASON) throw new UsageError(`${where}: --reason is at most ${MAX_REASON} characters`);
    if (/[\x00-\x1f\x7f]/.test(reason)) throw new UsageError(`${where}: --reason cannot contain control characters`);
    out.reason = reason;
  }
  return out;
}

/** Where the upsmon host keeps its NSS database when --nss-db is not given (the folder NUT's docs use). */
export const DEFAULT_NSS_DB = '/etc/nut/certdb';

const iso = (d: Date): string => d.toISOString();
const shown = (text: string): string => showName(Buffer.from(text, 'utf8'));

/** A word for a POSIX shell: as it is when it is plainly safe, else in single quotes. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** A quoted word for upsmon.conf (NUT's parseconf): `"`, `\` and `#` need a backslash even inside quotes. */
export function confQuote(word: string): string {
  return `"${word.replace(/["\\#]/g, (c) => '\\' + c)}"`;
}

/** A word for upsmon.conf, quoted only when parseconf needs it. */
const confWord = (word: string): string => (/^[\x21-\x7e]+$/.test(word) && !/["\\#]/.test(word) ? word : confQuote(word));

/** A random password of 24 characters from 32 unambiguous ones (120 bits), safe to type and to paste into a shell. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 24; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/** The PKCS#12 password from the first line of stdin: non-empty UTF-8 text without control characters. */
async function passwordFromStdin(stdin: Readable): Promise<string> {
  const bytes = await readPasswordLine(stdin);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CliError('the PKCS#12 password on stdin is not UTF-8 text; nothing was issued');
  }
  if (text === '') throw new CliError('the PKCS#12 password on stdin is empty; nothing was issued');
  if (/[\x00-\x1f\x7f]/.test(text)) throw new CliError('the PKCS#12 password cannot contain control characters; nothing was issued');
  return text;
}

/** The config `serve` would read, without opening anything in the data folder. */
function configOf(args: { config?: string; data?: string }): WalnutConfig {
  return loadConfig(args);
}

/** The unit's identity as `serve` loads it: the factory bundle, else the local CA (made now if serve never ran). */
function identityOf(config: WalnutConfig): TlsIdentity {
  try {
    return loadIdentity(config.dataDir, config.tls.factory);
  } catch (err) {
    if (err instanceof IdentityError) throw new CliError(err.message);
    const e = err as NodeJS.ErrnoException;
    if (typeof e.code === 'string') throw new CliError(`TLS identity in ${config.dataDir}: ${e.message}`);
    throw err;
  }
}

const FACTORY_CA =
  "this unit's TLS identity is a factory bundle, whose CA key is not on the unit, so walnut cannot issue client " +
  'certificates (the factory CA issues them); nothing was issued';

/** One line per certificate: `SERIAL NAME issued=ISO expires=ISO active|expired|revoked=ISO [reason=TEXT]`. */
export function formatCertificate(c: ClientCertificateRecord, now: Date = new Date()): string {
  let status: string;
  if (c.revokedAt !== undefined) status = `revoked=${iso(c.revokedAt)}${c.revokedReason === undefined ? '' : ` reason=${shown(c.revokedReason)}`}`;
  else status = c.notAfter.getTime() < now.getTime() ? 'expired' : 'active';
  return `${c.serialHex} ${shown(c.commonName)} issued=${iso(c.issuedAt)} expires=${iso(c.notAfter)} ${status}`;
}

export interface IssueReport {
  name: string;
  serialHex: string;
  notAfter: Date;
  pemPath: string;
  p12Path: string;
  /** the generated password, printed once; undefined when it came from stdin */
  generatedPassword: string | undefined;
  /** the NSS nickname pk12util gives the CA certificate (its friendlyName in the PKCS#12 file) */
  caNickname: string;
  /** the name upsmon must find in walnut's certificate (its CN, also a subjectAltName) */
  deviceName: string;
  /** every name and address walnut's certificate carries */
  deviceNames: readonly string[];
  /** CERTHOST's first field: the host as the MONITOR line writes it */
  host: string;
  nssDb: string;
}

/** What `walnut client-cert issue` prints on stdout. */
export function formatIssueReport(r: IssueReport): string {
  const db = shellQuote(`sql:${r.nssDb}`);
  const p12 = shellQuote(basename(r.p12Path));
  const import12 =
    r.generatedPassword === undefined
      ? `pk12util -i ${p12} -d ${db}    # asks for the PKCS#12 password you gave`
      : `pk12util -i ${p12} -d ${db} -W ${shellQuote(r.generatedPassword)}`;
  const lines = [
    `issued client certificate ${shown(r.name)}: serial ${r.serialHex}, valid until ${iso(r.notAfter)}`,
    `  ${shellQuote(r.pemPath)}  certificate, CA certificate and private key (PEM, mode 0600)`,
    `  ${shellQuote(r.p12Path)}  PKCS#12 for NSS's pk12util, nickname ${shown(r.name)} (mode 0600)`,
    ...(r.generatedPassword === undefined ? [] : [`PKCS#12 password (shown only now): ${r.generatedPassword}`]),
    '',
    `On the upsmon host, with ${p12} copied there (certutil and pk12util: Debian's libnss3-tools):`,
    `  mkdir -p ${shellQuote(r.nssDb)}`,
    `  certutil -N -d ${db} --empty-password`,
    `  ${import12}`,
    `  certutil -M -d ${db} -n ${shellQuote(r.caNickname)} -t C,,`,
    `  chgrp -R nut ${shellQuote(r.nssDb)} && chmod 0750 ${shellQuote(r.nssDb)} && chmod 0640 ${shellQuote(r.nssDb)}/*    # upsmon reads it as nut`,
    '',
    `upsmon.conf (CERTHOST's first field is the host exactly as the MONITOR line writes it; walnut's certificate names ${r.deviceNames.join(', ')}):`,
    `  CERTPATH ${confWord(r.nssDb)}`,
    `  CERTIDENT ${confQuote(r.name)} ""`,
    `  CERTHOST ${r.host} ${confQuote(r.deviceName)} 1 1`,
    '  CERTVERIFY 1',
    '  FORCESSL 1',
  ];
  return lines.join('\n') + '\n';
}

/** Creates `path` for writing, failing when it exists; mode 0600 whatever the umask. */
function createExclusive(path: string): number {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') throw new CliError(`${path} exists; nothing was issued (remove it or give another --out)`);
    throw new CliError(`cannot create ${path}: ${e.message}; nothing was issued`);
  }
  fchmodSync(fd, 0o600);
  return fd;
}

async function issue(args: ClientCertArgs, io: ClientCertIo): Promise<number> {
  const name = args.name!;
  const password = args.passwordStdin ? await passwordFromStdin(io.stdin) : generatePassword();
  // a factory identity is known from the config alone: refuse before any file exists
  if (configOf(args).tls.factory !== undefined) throw new CliError(FACTORY_CA);

  const dir = resolve(args.out ?? '.');
  const files = [join(dir, `${name}.pem`), join(dir, `${name}.p12`)] as const;
  const fds: number[] = [];
  try {
    for (const f of files) fds.push(createExclusive(f));
    const { config, db } = openDataFolder(args, false);
    const events = new EventLog(db);
    try {
      const identity = identityOf(config);
      if (identity.caKeyPem === undefined) throw new CliError(FACTORY_CA);
      const caDers = fromPem(identity.caPem, 'CERTIFICATE');
      const caSummary = inspectCertificate(caDers[0]!);
      const caNickname = caSummary.subjectCommonName ?? 'walnut CA';
      const device = inspectCertificate(identity.certChainPem);
      const deviceName = device.subjectCommonName ?? device.dnsNames[0] ?? 'walnut';
      const store = new ClientCertStore(db);
      let cert: IssuedCertificate;
      try {
        cert = store.issue({ certPem: identity.caPem, keyPem: identity.caKeyPem }, name, {
          deliver: (c) => {
            // NUT's CERTFILE order (upsmon.conf(5)): the certificate, its CA chain, then the private key
            const pem = c.certPem + caDers.map((d) => toPem('CERTIFICATE', d)).join('') + c.keyPem;
            const p12 = writePkcs12({ cert: c.certDer, keyPem: c.keyPem, caCerts: caDers, password, friendlyName: name, caFriendlyName: caNickname });
            for (const [i, content] of [pem, p12].entries()) {
              try {
                writeFileSync(fds[i]!, content);
                fsyncSync(fds[i]!);
              } catch (err) {
                throw new CliError(`cannot write ${files[i]}: ${(err as Error).message}; nothing was issued`);
              }
            }
          },
        });
      } catch (err) {
        if (err instanceof RangeError) throw new CliError(`${err.message}; nothing was issued`);
        throw err;
      }
      events.record('client-cert-issued', 'cli', `client certificate ${showBytes(Buffer.from(name, 'utf8'))} serial ${cert.serialHex} expires ${iso(cert.notAfter)}`);
      if (!/^[\x20-\x7e]+$/.test(name)) {
        io.stderr.write(
          `walnut: upsmon.conf keeps printable ASCII only (NUT drops other bytes), so upsmon cannot name ${shown(name)} in CERTIDENT; ` +
            'the PEM file works with other clients\n',
        );
      }
      io.stdout.write(
        formatIssueReport({
          name,
          serialHex: cert.serialHex,
          notAfter: cert.notAfter,
          pemPath: files[0],
          p12Path: files[1],
          generatedPassword: args.passwordStdin ? undefined : password,
          caNickname,
          deviceName,
          deviceNames: identity.names,
          host: args.host ?? deviceName,
          nssDb: args.nssDb ?? DEFAULT_NSS_DB,
        }),
      );
      return EXIT.ok;
    } finally {
      events.close();
      db.close();
    }
  } catch (err) {
    // nothing was issued: take the files back. After openDataFolder dropped root, the folder may not let us
    // unlink; the files are then emptied (the descriptors stay writable) and named in the message.
    const left: string[] = [];
    for (const [i, fd] of fds.entries()) {
      try {
        ftruncateSync(fd, 0);
      } catch {
        // nothing was written to it
      }
      try {
        unlinkSync(files[i]!);
      } catch {
        left.push(files[i]!);
      }
    }
    if (left.length === 0) throw err;
    const hint = `remove the empty file${left.length > 1 ? 's' : ''} ${left.join(' ')}`;
    if (err instanceof CliError) throw new CliError(`${err.message}; ${hint}`, err.exitCode);
    io.stderr.write(`walnut: ${hint}\n`);
    throw err;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

function revoke(args: ClientCertArgs, io: ClientCertIo): number {
  const { db } = openDataFolder(args, true);
  const events = new EventLog(db);
  try {
    const result = new ClientCertStore(db).revoke(args.name!, args.reason === undefined ? {} : { reason: args.reason });
    if (!result.found) throw new CliError(`no client certificate has the serial number or name ${shown(args.name!)}`);
    for (const c of result.revoked) {
      const reason = args.reason === undefined ? '' : ` reason ${showBytes(Buffer.from(args.reason, 'utf8'))}`;
      events.record('client-cert-revoked', 'cli', `client certificate ${showBytes(Buffer.from(c.commonName, 'utf8'))} serial ${c.serialHex}${reason}`);
      io.stdout.write(`revoked ${c.serialHex} ${shown(c.commonName)}\n`);
    }
    for (const c of result.alreadyRevoked) {
      io.stdout.write(`${c.serialHex} ${shown(c.commonName)} was already revoked at ${iso(c.revokedAt!)}\n`);
    }
    if (result.revoked.length > 0) io.stdout.write('the server refuses a revoked certificate from its next TLS handshake on\n');
    return EXIT.ok;
  } finally {
    events.close();
    db.close();
  }
}

export async function runClientCert(args: ClientCertArgs, io: ClientCertIo = processIo()): Promise<number> {
  switch (args.action) {
    case 'issue':
      return issue(args, io);
    case 'revoke':
      return revoke(args, io);
    case 'list': {
      const { db } = openDataFolder(args, true);
      try {
        const now = new Date();
        for (const c of new ClientCertStore(db).list()) io.stdout.write(formatCertificate(c, now) + '\n');
        return EXIT.ok;
      } finally {
        db.close();
      }
    }
  }
}

/** `walnut ca export`: the CA certificate(s), PEM, and nothing else on stdout. */
export async function runCaExport(args: { config?: string; data?: string }, stdout: Writable = process.stdout): Promise<number> {
  const { config, db } = openDataFolder(args, false);
  let pem: string;
  try {
    const ders = fromPem(identityOf(config).caPem, 'CERTIFICATE');
    if (ders.length === 0) throw new CliError('the CA file holds no certificate');
    pem = ders.map((d) => toPem('CERTIFICATE', d)).join('');
  } finally {
    db.close();
  }
  await new Promise<void>((res, rej) => stdout.write(pem, (err) => (err ? rej(err) : res())));
  return EXIT.ok;
}

export const clientCertCommand: Command = {
  name: 'client-cert',
  summary: "TLS client certificates for upsmon and other clients, from walnut's own CA",
  usage: ['client-cert issue NAME [--out DIR] [--password-stdin] [--nss-db DIR] [--host HOST]', 'client-cert list | revoke SERIAL|NAME [--reason TEXT]'],
  details: `Actions:
  issue                a certificate whose common name is NAME (rules of an X.509 CN, at most 64 characters,
                       no "/"): writes NAME.pem (certificate, CA, private key) and NAME.p12 (PKCS#12 for NSS's
                       pk12util, nickname NAME), mode 0600, then prints the NSS commands and the upsmon.conf
                       lines to use. Needs the local CA's key: not available with a factory CA
  list                 every certificate issued: serial, name, issued, expires, active|expired|revoked
  revoke               the certificate with that serial, or every certificate of that name; the server
                       refuses it from its next TLS handshake

Options:
${optionsHelp([...DATA_FOLDER_OPTIONS, OUT, P12_STDIN, NSS_DB, HOST_OPTION, REASON])}`,
  run: (argv, io) => runClientCert(parseClientCertArgs(argv), io),
};

export const caCommand: Command = {
  name: 'ca',
  summary: 'print the CA certificate (PEM), for clients to trust or pin',
  usage: ['ca export [--config FILE] [--data DIR]'],
  details: `Options:\n${optionsHelp(DATA_FOLDER_OPTIONS)}`,
  run: (argv, io) => runCaExport(parseSingleAction('ca', 'export', argv), io.stdout),
};
