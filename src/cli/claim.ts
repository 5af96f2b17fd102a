// `walnut claim HOST[:PORT]`: the owner takes an unclaimed unit over from any computer on the LAN (issue 14).
// The label code is the first password of the principal `admin`, known to the unit's AS only as a key; the claim
// is authsrv(6)'s password change with the label code as the old password (docs/auth-protocol.md §7.3), over
// STARTTLS with the exchange bound to the channel, so neither the code nor the new password crosses the wire
// and a recording of the claim allows no offline guess. With the label's QR payload, the unit's certificate must
// also be the one the factory recorded: a rogue unit on the LAN is refused before anything is sent.
import { createHash } from 'node:crypto';
import type { ReadStream } from 'node:tty';
import { CliError, EXIT, UsageError, processIo, type CliIo, type Command } from './command.ts';
import { onePositional, optionsHelp, parseOptions, type OptionSpec } from './options.ts';
import { askPasswords, promptPassword } from './password-input.ts';
import { parseServerAddress } from './auth-client.ts';
import { NutLineClient, changePassword } from './ticket-client.ts';
import { AuthError } from '../authsrv/errors.ts';
import { OWNER } from '../auth/owner.ts';
import { passwordProblem } from '../auth/bytes.ts';
import { QrPayloadError, decodeQrPayload, type QrPayload } from '../factory/qr-payload.ts';
import { SetupCodeError, parseSetupCode, setupCodePassword, type SetupCode } from '../factory/setup-code.ts';
import type { HostPort } from '../util/host-port.ts';

export interface ClaimArgs {
  server: HostPort;
  /** the label's QR payload: the code and the certificate to pin */
  qr?: QrPayload;
  /** keep the label code as admin's password instead of choosing one */
  keepCode: boolean;
  passwordStdin: boolean;
}

const OPTIONS: readonly OptionSpec[] = [
  { flag: '--qr', value: 'PAYLOAD', help: "the label's QR payload (WN1:...): its code, and the unit certificate to pin" },
  { flag: '--keep-code', help: "keep the label code as admin's password (else you choose a new one)" },
  { flag: '--password-stdin', help: 'read the code (unless --qr) and the new password from the lines of stdin' },
];

/** Pure: the words after `walnut claim`. */
export function parseClaimArgs(argv: readonly string[]): ClaimArgs {
  const o = parseOptions('claim', argv, OPTIONS);
  const target = onePositional('claim', o, 'name the unit as HOST[:PORT]', 'one unit at a time');
  const out: ClaimArgs = { server: parseServerAddress('claim', target), keepCode: o.flags.has('--keep-code'), passwordStdin: o.flags.has('--password-stdin') };
  const qr = o.values.get('--qr');
  if (qr !== undefined) {
    try {
      out.qr = decodeQrPayload(qr.trim());
    } catch (err) {
      if (err instanceof QrPayloadError) throw new UsageError(`claim: --qr: ${err.message}`);
      throw err;
    }
  }
  return out;
}

/** The code (from the QR payload, or asked) and the new password (none to keep the code). */
async function secrets(args: ClaimArgs, io: CliIo): Promise<{ code: SetupCode; password: Uint8Array }> {
  const prompts = [...(args.qr ? [] : ['Setup code']), ...(args.keepCode ? [] : ['New password for admin'])];
  const answers = prompts.length === 0 ? [] : await askPasswords(io, prompts, { fromStdin: args.passwordStdin, pipeOk: true, nonEmpty: true });
  let code: SetupCode;
  try {
    code = args.qr?.code ?? parseSetupCode(answers.shift()!.toString('utf8'));
  } catch (err) {
    if (err instanceof SetupCodeError) throw new CliError(`the setup code: ${err.message}; nothing was sent`, EXIT.usage);
    throw err;
  }
  if (args.keepCode) return { code, password: setupCodePassword(code) };
  const password = answers.shift()!;
  const tty = io.stdin as ReadStream;
  if (!args.passwordStdin && tty.isTTY && !password.equals(await promptPassword('Again: ', tty, io.stderr))) {
    throw new CliError('the passwords do not match; nothing was sent');
  }
  const problem = passwordProblem(password);
  if (problem) throw new CliError(`${problem}; nothing was sent`);
  return { code, password };
}

export async function runClaim(args: ClaimArgs, io: CliIo = processIo()): Promise<number> {
  const { code, password } = await secrets(args, io);
  const { host, port } = args.server;
  const c = await NutLineClient.connect(host, port);
  try {
    const exporter = await c.startTls(host);
    if (!exporter) throw new CliError(`${host}:${port} offers no TLS: not a walnut, or TLS is off; nothing was sent`);
    if (args.qr) {
      const der = c.peerCertificate;
      const seen = der ? createHash('sha256').update(der).digest() : undefined;
      if (!seen || !seen.equals(args.qr.fingerprint)) {
        throw new CliError(`${host}:${port} is not unit ${args.qr.serial}: its certificate is not the one on the label; nothing was sent`);
      }
    }
    try {
      await changePassword(c, OWNER, setupCodePassword(code), password);
    } catch (err) {
      if (err instanceof AuthError) {
        const why = err.text === 'auth failed' ? 'the setup code was refused (a wrong code, the setup window is closed, or the unit is claimed already)' : err.text;
        throw new CliError(`${why}; the unit is not claimed`);
      }
      throw err;
    }
  } finally {
    c.close();
  }
  io.stdout.write(`claimed ${host}:${port}: ${args.keepCode ? "the label code stays admin's password" : "admin's password is set"}; the label code opens nothing else any more
Next:
  walnut auth ping --server ${host}:${port} --user admin     (log in with a ticket)
  on the unit: walnut ca export > walnut-ca.pem               (the CA for upsmon to pin: CERTVERIFY 1)
  walnut user add NAS --upsmon secondary --server ${host}:${port}   (a user for each NAS's upsmon)
`);
  return EXIT.ok;
}

export const claimCommand: Command = {
  name: 'claim',
  summary: "take an unclaimed unit over with its label code: set admin's password (the code never crosses the wire)",
  usage: ['claim HOST[:PORT] [--qr PAYLOAD] [--keep-code] [--password-stdin]'],
  details: `The unit takes its label code only while unclaimed and inside its setup window (15 minutes after boot,
or after walnut setup open on the unit), and at most 20 wrong codes per window.

Options:
${optionsHelp(OPTIONS)}`,
  run: (argv, io) => runClaim(parseClaimArgs(argv), io),
};
