// `walnut factory ca init --out DIR`: the factory's two CAs (src/tls/factory-pki.ts), made once per product line
// on the offline factory station. DIR gets
//   root.pem           the root certificate: the trust anchor units and claiming clients pin (public)
//   root.key.enc       the root key, only passphrase-encrypted (PKCS#8 EncryptedPrivateKeyInfo, AES-256-CBC);
//                      needed again only to replace the intermediate: keep it offline, apart from DIR
//   intermediate.pem   the product intermediate (public)
//   intermediate.key   its key (0600, unencrypted PKCS#8): what `walnut factory provision` signs units with
// DIR is written whole or not at all (src/util/staged-folder.ts).
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ReadStream } from 'node:tty';
import { CliError, EXIT, UsageError, type CliIo } from './command.ts';
import { noPositional, parseOptions, type OptionSpec } from './options.ts';
import { askPasswords, readPasswordLine } from './password-input.ts';
import { createFactoryCa, encryptPrivateKey } from '../tls/factory-pki.ts';
import { StagedFolderError, writeStagedFolder } from '../util/staged-folder.ts';

/** NIST SP 800-63B §5.1.1.1: a memorized secret a person chooses is at least 8 characters. */
export const MIN_PASSPHRASE_BYTES = 8;

export const CA_INIT_OPTIONS: readonly OptionSpec[] = [
  { flag: '--out', value: 'DIR', help: 'the new CA folder (must not exist, or be empty)' },
  { flag: '--passphrase-stdin', help: "read the root key's passphrase from the first line of stdin (else asked twice)" },
];

export interface CaInitArgs {
  out: string;
  passphraseStdin: boolean;
}

export function parseCaInitArgs(argv: readonly string[]): CaInitArgs {
  const o = parseOptions('factory ca init', argv, CA_INIT_OPTIONS);
  noPositional('factory ca init', o);
  const out = o.values.get('--out');
  if (out === undefined) throw new UsageError('factory ca init: name the new CA folder with --out DIR');
  return { out, passphraseStdin: o.flags.has('--passphrase-stdin') };
}

async function passphrase(args: CaInitArgs, io: CliIo): Promise<Buffer> {
  let pass: Buffer;
  if (args.passphraseStdin) pass = await readPasswordLine(io.stdin);
  else {
    const tty = io.stdin as ReadStream;
    if (!tty.isTTY) throw new CliError('stdin is not a terminal: give --passphrase-stdin to read the passphrase from it', EXIT.usage);
    const [first, again] = await askPasswords(io, ["Passphrase for the root CA's key", 'Again'], { fromStdin: false, pipeOk: false });
    if (!first!.equals(again!)) throw new CliError('the passphrases do not match; nothing was written');
    pass = first!;
  }
  if (pass.length < MIN_PASSPHRASE_BYTES) throw new CliError(`the passphrase is shorter than ${MIN_PASSPHRASE_BYTES} bytes; nothing was written`, EXIT.usage);
  return pass;
}

export async function runCaInit(args: CaInitArgs, io: CliIo): Promise<number> {
  const pass = await passphrase(args, io);
  const { root, intermediate } = createFactoryCa({ product: 'walnut' });
  try {
    await writeStagedFolder(args.out, async (dir) => {
      await writeFile(join(dir, 'root.pem'), root.certPem, { mode: 0o644 });
      await writeFile(join(dir, 'root.key.enc'), encryptPrivateKey(root.keyPem, pass), { mode: 0o600 });
      await writeFile(join(dir, 'intermediate.pem'), intermediate.certPem, { mode: 0o644 });
      await writeFile(join(dir, 'intermediate.key'), intermediate.keyPem, { mode: 0o600 });
    });
  } catch (err) {
    if (err instanceof StagedFolderError) throw new CliError(`${err.message}; nothing was written`);
    throw err;
  } finally {
    pass.fill(0);
  }
  io.stdout.write(`factory CA written to ${args.out}:
  root.pem          root certificate (serial ${root.serialHex}, until ${root.notAfter.toISOString().slice(0, 10)})
  root.key.enc      its key, passphrase-encrypted: move it offline, it is needed only to replace the intermediate
  intermediate.pem  the unit CA (until ${intermediate.notAfter.toISOString().slice(0, 10)})
  intermediate.key  its key (0600): walnut factory provision --ca ${args.out} signs units with it
`);
  return EXIT.ok;
}
