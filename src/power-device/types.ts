// The contract between the power-device mapping (HID paths → NUT variables, status, commands) and whatever
// moves report bytes: a node-hid handle on real hardware, fixture replay in tests and `--simulate`.
// Everything in src/power-device is pure or async over this interface; no file, socket or USB handle here.

/** USB identity of the device, as sysfs / node-hid report it. Hex IDs are 4 lower-case digits. */
export interface UsbIdentity {
  readonly vendorId: string;
  readonly productId: string;
  readonly manufacturer?: string | undefined;
  readonly product?: string | undefined;
  readonly serialNumber?: string | undefined;
  /** bcdDevice, when known */
  readonly release?: number | undefined;
}

/** Why a report transfer failed, in NUT's terms (docs/hid-mapping.md §3.3): an `io` failure skips the item,
 *  `gone` means the device is unplugged or unusable and the driver must reconnect. */
export type ReportFailure = 'io' | 'gone';

export class ReportError extends Error {
  readonly failure: ReportFailure;
  constructor(failure: ReportFailure, message: string) {
    super(message);
    this.name = 'ReportError';
    this.failure = failure;
  }
}

/** The device as the mapping sees it. Buffers carry the report ID in byte 0 (numbered reports). */
export interface ReportSource {
  readonly usb: UsbIdentity;
  readonly descriptor: Buffer;
  /** GET_REPORT(Feature): resolves with the bytes the device returned (may be shorter or longer than
   *  `length`), rejects with ReportError. */
  getFeature(reportId: number, length: number): Promise<Buffer>;
  /** SET_REPORT(Feature) with report ID in byte 0; rejects with ReportError. */
  setFeature(report: Buffer): Promise<void>;
  /** USB string descriptor by index (iDeviceChemistry and friends); undefined when the device has none. */
  getString(index: number): Promise<string | undefined>;
}

/** Type details of a published variable, as the UPS model stores them (src/ups/model.ts VariableType). */
export interface PublishedType {
  readonly writable?: boolean;
  readonly maxLength?: number | undefined;
  readonly enumValues?: readonly string[] | undefined;
  readonly ranges?: readonly { min: number; max: number }[] | undefined;
}

/** Where the mapping publishes; the UPS model satisfies it, and is the one holder of the values: the mapping
 *  reads back what it published (battery.charge for the status rules, the delays for shutdown.return).
 *  `ups.status` is published as a plain variable holding the finished token string ("ALARM OL CHRG" ...). */
export interface VariableSink {
  setVariable(name: string, value: string, type?: PublishedType): void;
  /** the variable as last set, looked up case-insensitively as upsd does */
  getVariable(name: string): { readonly value: string } | undefined;
  removeVariable(name: string): void;
  addCommand(name: string): void;
}

/** Error of a write or command the device refused or the mapping cannot do; `code` is the NUT reply it becomes. */
export class PowerDeviceError extends Error {
  readonly code: 'SET-FAILED' | 'INSTCMD-FAILED' | 'INVALID-VALUE' | 'CMD-NOT-SUPPORTED' | 'VAR-NOT-SUPPORTED' | 'READONLY';
  constructor(code: PowerDeviceError['code'], message: string) {
    super(message);
    this.name = 'PowerDeviceError';
    this.code = code;
  }
}
