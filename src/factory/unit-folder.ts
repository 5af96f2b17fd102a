// Reading a unit's factory folder (the read-only factory partition on an image): unit.json and the three PEM
// files of its TLS identity. The only file access of src/factory.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UnitRecordError, parseUnitRecord, type UnitRecord } from './unit-record.ts';

export interface FactoryFolder {
  unit: UnitRecord;
  /** the unit's TLS identity, as config.tls.factory names a bundle */
  bundle: { certificate: string; key: string; ca: string };
}

/** The unit's factory data, or undefined when `dir` holds none (a DIY unit). Damaged data is an error, not none. */
export function readFactoryFolder(dir: string): FactoryFolder | undefined {
  const file = join(dir, 'unit.json');
  if (!existsSync(file)) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UnitRecordError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const bundle = { certificate: join(dir, 'device.pem'), key: join(dir, 'device.key'), ca: join(dir, 'ca.pem') };
  for (const f of Object.values(bundle)) if (!existsSync(f)) throw new UnitRecordError(`factory data in ${dir}: ${f} is missing`);
  return { unit: parseUnitRecord(text), bundle };
}
