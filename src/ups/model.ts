// The UPS model: the hub that the driver writes and the NUT server, web page, mDNS and shutdown policy read.
// It holds what upsd keeps per UPS (docs/nut-protocol.md §2.5-§3): variables with their NUT types, instant commands,
// the driver link state (DATA-STALE / DRIVER-NOT-CONNECTED), the FSD latch, and emits change events.
// It does no I/O: the driver that owns the device calls in, and requests to the device go out through
// the `DeviceControl` hooks the driver installs.
import { EventEmitter } from 'node:events';

/** NUT's per-value limit (ST_MAX_VALUE_LEN 256) and a name limit that keeps every reply line under 511 bytes. */
export const MAX_VALUE_BYTES = 256;
export const MAX_NAME_BYTES = 64;

const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export interface Range {
  readonly min: number;
  readonly max: number;
}

/** How GET TYPE describes a variable (§2.5): RW, ENUM, RANGE, then STRING:n or NUMBER. */
export interface VariableType {
  readonly writable: boolean;
  /** Set for string variables: the longest value SET VAR accepts. Unset means NUMBER, as upsd defaults. */
  readonly maxLength?: number | undefined;
  readonly enumValues?: readonly string[] | undefined;
  readonly ranges?: readonly Range[] | undefined;
}

export interface Variable extends VariableType {
  /** canonical spelling, as the driver named it */
  readonly name: string;
  readonly value: string;
}

export type Availability = 'ok' | 'stale' | 'not-connected';

/** What the device side does for SET VAR and INSTCMD; a rejected promise becomes SET-FAILED / INSTCMD-FAILED. */
export interface DeviceControl {
  setVariable(name: string, value: string): Promise<void>;
  runCommand(name: string, parameter: string | undefined): Promise<void>;
}

export interface UpsModelEvents {
  variable: [name: string, value: string | undefined];
  commands: [];
  availability: [availability: Availability];
  fsd: [set: boolean];
}

export interface UpsModelOptions {
  name: string;
  description?: string | undefined;
  /** Data older than this is stale (upsd's MAXAGE, default 15 s). */
  maxAgeMs?: number | undefined;
  now?: () => number;
}

function checkName(kind: string, name: string): void {
  if (name.length > MAX_NAME_BYTES || !NAME_SHAPE.test(name)) {
    throw new RangeError(`invalid ${kind} name ${JSON.stringify(name)}`);
  }
}

function checkValue(name: string, value: string): void {
  // Values travel in quoted words: printable ASCII only, as upsd's tokenizer would drop anything else.
  if (value.length > MAX_VALUE_BYTES || !/^[\x20-\x7e]*$/.test(value)) {
    throw new RangeError(`invalid value for ${name}: ${JSON.stringify(value)}`);
  }
}

export class UpsModel extends EventEmitter<UpsModelEvents> {
  readonly name: string;
  readonly description: string | undefined;
  private readonly maxAgeMs: number;
  private readonly now: () => number;
  private readonly vars = new Map<string, Variable>();
  private readonly cmds = new Map<string, string>();
  private sortedKeys: string[] | undefined;
  private sortedCmds: string[] | undefined;
  private connected = false;
  private staleFlag = false;
  private lastHeard = 0;
  private lastAvailability: Availability = 'not-connected';
  private fsdLatched = false;
  control: DeviceControl | undefined;

  constructor(options: UpsModelOptions) {
    super();
    checkName('UPS', options.name);
    this.name = options.name;
    this.description = options.description;
    this.maxAgeMs = options.maxAgeMs ?? 15_000;
    this.now = options.now ?? Date.now;
  }

  // ---- variables ----

  /** Adds or updates a variable. Type fields given here replace the old ones; omitted ones are kept. */
  setVariable(name: string, value: string, type?: Partial<VariableType>): void {
    checkName('variable', name);
    checkValue(name, value);
    const key = name.toLowerCase();
    const old = this.vars.get(key);
    const next: Variable = {
      name: old?.name ?? name,
      value,
      writable: type?.writable ?? old?.writable ?? false,
      maxLength: type && 'maxLength' in type ? type.maxLength : old?.maxLength,
      enumValues: type && 'enumValues' in type ? type.enumValues : old?.enumValues,
      ranges: type && 'ranges' in type ? type.ranges : old?.ranges,
    };
    this.vars.set(key, next);
    if (!old) this.sortedKeys = undefined;
    if (!old || old.value !== value) this.emit('variable', next.name, value);
  }

  removeVariable(name: string): void {
    const key = name.toLowerCase();
    const old = this.vars.get(key);
    if (!old) return;
    this.vars.delete(key);
    this.sortedKeys = undefined;
    this.emit('variable', old.name, undefined);
  }

  /** Case-insensitive lookup (upsd uses strcasecmp). */
  getVariable(name: string): Variable | undefined {
    return this.vars.get(name.toLowerCase());
  }

  /** All variables sorted case-insensitively by name, as upsd's tree walk lists them (§2.6). */
  variables(): readonly Variable[] {
    // Keys are lower-case, so a plain sort is the case-insensitive order; entries are replaced on every
    // update, so only the key order is cached.
    this.sortedKeys ??= [...this.vars.keys()].sort();
    return this.sortedKeys.map((k) => this.vars.get(k)!);
  }

  // ---- status ----

  /** ups.status as tokens: split on blanks and upper-cased (upsmon compares them case-insensitively, NUT
   *  clients/upsmon.c parse_status); empty when the driver has not set it. The power-device mapping
   *  (src/power-device/status.ts) is what builds the value. */
  statusTokens(): string[] {
    const value = this.getVariable('ups.status')?.value ?? '';
    return value.split(/\s+/).filter((t) => t.length > 0).map((t) => t.toUpperCase());
  }

  // ---- instant commands ----

  addCommand(name: string): void {
    checkName('command', name);
    const key = name.toLowerCase();
    if (this.cmds.has(key)) return;
    this.cmds.set(key, name);
    this.sortedCmds = undefined;
    this.emit('commands');
  }

  removeCommand(name: string): void {
    if (this.cmds.delete(name.toLowerCase())) {
      this.sortedCmds = undefined;
      this.emit('commands');
    }
  }

  /** Canonical spelling of a command, looked up case-insensitively (§2.8). */
  findCommand(name: string): string | undefined {
    return this.cmds.get(name.toLowerCase());
  }

  commands(): readonly string[] {
    this.sortedCmds ??= [...this.cmds.keys()].sort().map((k) => this.cmds.get(k)!);
    return this.sortedCmds;
  }

  // ---- driver link ----

  /** The driver reached the device and published a full dump. */
  markConnected(): void {
    this.connected = true;
    this.staleFlag = false;
    this.lastHeard = this.now();
    this.checkAvailability();
  }

  /** The driver heard from the device (a report arrived, a poll answered). */
  heard(): void {
    this.lastHeard = this.now();
    if (this.staleFlag) this.staleFlag = false;
    this.checkAvailability();
  }

  /** The device stopped answering (unplugged, I/O error): DATA-STALE until it is heard again. */
  markStale(): void {
    this.staleFlag = true;
    this.checkAvailability();
  }

  /** The driver has no device at all. */
  markDisconnected(): void {
    this.connected = false;
    this.checkAvailability();
  }

  availability(): Availability {
    if (!this.connected) return 'not-connected';
    if (this.staleFlag || this.now() - this.lastHeard > this.maxAgeMs) return 'stale';
    return 'ok';
  }

  /** Emits `availability` on a change; call it from a timer so MAXAGE expiry is noticed without a request. */
  checkAvailability(): Availability {
    const a = this.availability();
    if (a !== this.lastAvailability) {
      this.lastAvailability = a;
      this.emit('availability', a);
    }
    return a;
  }

  // ---- FSD latch (§2.4) ----

  get fsd(): boolean {
    return this.fsdLatched;
  }

  setFsd(): void {
    if (this.fsdLatched) return;
    this.fsdLatched = true;
    this.emit('fsd', true);
  }

  clearFsd(): void {
    if (!this.fsdLatched) return;
    this.fsdLatched = false;
    this.emit('fsd', false);
  }

  /** ups.status as clients see it through GET VAR / LIST VAR: "FSD " prefixed while the latch is set. */
  visibleValue(v: Variable): string {
    return this.fsdLatched && v.name.toLowerCase() === 'ups.status' ? `FSD ${v.value}` : v.value;
  }
}
