// A simulated USB HID UPS built from a fixture (test/fixtures/ups format): it answers GET_REPORT(Feature)
// from the recorded bytes, sends the recorded Input reports, takes SET_REPORT into its report memory, and acts
// like a UPS once somebody acts on it:
//   - test.failure.start / test.failure.stop (NUT's "simulated power failure") take mains away and give them
//     back; on battery the charge falls at the configured rate, runtime follows, BelowRemainingCapacityLimit
//     comes up under the low-battery limit; on mains it charges again;
//   - DelayBeforeShutdown / DelayBeforeStartup written by the driver count down once a second: at 0 the output
//     goes off (load.off, shutdown.return, shutdown.stayoff), and comes back after the startup delay once
//     mains are present (shutdown.return, load.on);
//   - unplug() / plug() make it vanish and return like a USB device (walnut serve: SIGUSR2 toggles).
// Every SET_REPORT is logged with its bytes. Until the first such act it reports the fixture exactly as recorded, so `upsc` shows what usbhid-ups showed.
import { parseDescriptor } from '../hid/descriptor.ts';
import { readLogical, toPhysical, fromPhysical, writeLogical } from '../hid/report.ts';
import type { HidField, ParsedDescriptor, ReportType } from '../hid/types.ts';
import type { Fixture } from '../simulate/fixture.ts';
import { ReportError, type UsbIdentity } from '../power-device/types.ts';
import { logger } from '../util/log.ts';
import type { HidTransport, TransportFinder } from './transport.ts';

const log = logger('simulated-ups');

export interface SimulationOptions {
  dischargePercentPerSecond: number;
  chargePercentPerSecond: number;
  /** Answer every Feature report the descriptor declares, zero-filled where the fixture recorded no bytes, and
   *  start from a synthesized state (mains on, full battery, low-battery limit 10 %): a real descriptor driven
   *  like a UPS even when its source published no report bytes. Off: unrecorded reports stall, as the fixtures
   *  README says. */
  fillMissingReports?: boolean | undefined;
  /** physics step; 250 ms keeps status changes prompt without busy work */
  tickMs?: number;
}


// Usages the physics drives (docs/hid-mapping.md §1.4). Page 0x85 ones are unambiguous anywhere; the 0x84-page
// twins that Tripp Lite uses for the same bits (§1.4 "TLCharging"...) count only inside PresentStatus.
const PRESENT_STATUS = 0x00840002;
const INPUT_COLLECTION = 0x0084001a;
const U = {
  acPresent: 0x008500d0,
  charging: 0x00850044,
  discharging: 0x00850045,
  fullyCharged: 0x00850046,
  belowLimit: 0x00850042,
  remainingCapacity: 0x00850066,
  runTimeToEmpty: 0x00850068,
  capacityLimit: 0x00850029,
  voltage: 0x00840030,
  delayShutdown: 0x00840057,
  delayStartup: 0x00840056,
  test: 0x00840058,
} as const;

// The battery test field is written with test_write_info codes and read with test_read_info codes
// (docs/hid-mapping.md §2.4): 1 quick / 2 deep / 3 abort in; 5 in progress, then 1 passed or 4 aborted out.
const TEST_WRITE = { quick: 1, deep: 2, abort: 3 } as const;
const TEST_READ = { passed: 1, aborted: 4, inProgress: 5 } as const;
/** how long the simulated battery tests take, in seconds */
const TEST_SECONDS = { quick: 2, deep: 6 } as const;

type Role = keyof typeof U;

function roleOf(field: HidField): Role | undefined {
  const u = field.usages;
  const own = u[u.length - 1];
  if (own === undefined) return undefined;
  const parent = u[u.length - 2];
  for (const role of Object.keys(U) as Role[]) {
    const want = U[role];
    if (role === 'voltage') {
      if (own === want && parent === INPUT_COLLECTION) return role;
      continue;
    }
    if (own === want) return role;
    // Tripp Lite: the same bit numbers on the Power Device page, inside PresentStatus
    if ((want >>> 16) === 0x85 && parent === PRESENT_STATUS && own === ((0x84 << 16) | (want & 0xffff))) return role;
  }
  return undefined;
}

export class SimulatedUps implements HidTransport {
  readonly usb: UsbIdentity;
  readonly descriptor: Buffer;
  readonly label: string;
  readonly ownCommands: ReadonlyMap<string, () => void>;
  private readonly fixture: Fixture;
  private readonly parsed: ParsedDescriptor;
  private readonly options: SimulationOptions;
  private readonly feature = new Map<number, Buffer>();
  private readonly input = new Map<number, Buffer>();
  private readonly fields = new Map<Role, HidField[]>();
  private inputListeners: ((report: Buffer) => void)[] = [];
  private goneListeners: ((why: string) => void)[] = [];
  private present = true;
  private engaged = false;
  private mains = true;
  private outputOn = true;
  private charge = 100;
  /** seconds of runtime at 100 %, from the recorded runtime and charge */
  private fullRuntime = 3600;
  private shutdownIn: number | undefined;
  private startupIn: number | undefined;
  private testIn: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastTick = 0;
  private secondCarry = 0;

  constructor(fixture: Fixture, options: SimulationOptions) {
    this.fixture = fixture;
    this.options = options;
    this.descriptor = fixture.descriptor;
    this.parsed = parseDescriptor(fixture.descriptor);
    this.usb = {
      vendorId: fixture.usb.vendorId,
      productId: fixture.usb.productId,
      manufacturer: fixture.usb.manufacturer,
      product: fixture.usb.product,
      serialNumber: fixture.usb.serialNumber,
    };
    this.label = `simulated ${fixture.model} (${fixture.usb.vendorId}:${fixture.usb.productId})`;
    for (const [id, bytes] of fixture.feature) this.feature.set(id, Buffer.from(bytes));
    for (const [id, bytes] of fixture.input) this.input.set(id, Buffer.from(bytes));
    if (options.fillMissingReports) {
      for (const type of ['feature', 'input'] as const) {
        const store = this.store(type)!;
        for (const id of new Set(this.parsed.fields.filter((f) => f.type === type).map((f) => f.reportId))) {
          if (store.has(id)) continue;
          const bytes = Buffer.alloc(this.parsed.reportLength(type, id));
          bytes[0] = id;
          store.set(id, bytes);
        }
      }
    }
    for (const field of this.parsed.fields) {
      if (field.padding || field.type === 'output') continue;
      const role = roleOf(field);
      if (!role) continue;
      let list = this.fields.get(role);
      if (!list) this.fields.set(role, (list = []));
      list.push(field);
    }
    if (options.fillMissingReports) this.synthesize();
    this.ownCommands = new Map([
      ['test.failure.start', () => this.setMains(false)],
      ['test.failure.stop', () => this.setMains(true)],
    ]);
  }

  // ---- ReportSource ----

  async getFeature(reportId: number, _length: number): Promise<Buffer> {
    if (!this.present) throw new ReportError('gone', 'device unplugged');
    const bytes = this.feature.get(reportId);
    // an ID the fixture never answered fails like a stalled control request (fixtures README)
    if (!bytes) throw new ReportError('io', `report 0x${hex2(reportId)}: no answer (stall)`);
    return Buffer.from(bytes);
  }

  async setFeature(report: Buffer): Promise<void> {
    if (!this.present) throw new ReportError('gone', 'device unplugged');
    const id = report[0];
    if (id === undefined) throw new ReportError('io', 'empty report');
    if (!this.feature.has(id) && this.parsed.reportLength('feature', id) <= 1) {
      throw new ReportError('io', `report 0x${hex2(id)}: not a feature report of this device (stall)`);
    }
    // recorded in the log: the integration tests read the bytes from there (test/device-writes.test.ts)
    const bytes = Buffer.from(report);
    log.info(`SET_REPORT(Feature) 0x${hex2(id)}: ${bytes.toString('hex')}`);
    this.feature.set(id, bytes);
    this.engage();
    this.takeTimersFromReport(id);
  }

  async getString(index: number): Promise<string | undefined> {
    if (!this.present) throw new ReportError('gone', 'device unplugged');
    return this.fixture.strings[String(index)];
  }

  onInput(listener: (report: Buffer) => void): void {
    this.inputListeners.push(listener);
    // the device speaks first: every Input report once, as a UPS does after enumeration (§3.2); read when sent,
    // so nothing older than the device's state arrives after it
    queueMicrotask(() => {
      for (const report of this.input.values()) if (this.present && this.inputListeners.includes(listener)) listener(Buffer.from(report));
    });
  }

  onGone(listener: (why: string) => void): void {
    this.goneListeners.push(listener);
  }

  async close(): Promise<void> {
    this.inputListeners = [];
    this.goneListeners = [];
  }

  // ---- hotplug ----

  get plugged(): boolean {
    return this.present;
  }

  unplug(): void {
    if (!this.present) return;
    this.present = false;
    log.info(`${this.label}: unplugged`);
    for (const l of this.goneListeners) l('unplugged');
  }

  plug(): void {
    if (this.present) return;
    this.present = true;
    log.info(`${this.label}: plugged in`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  // ---- physics ----

  private setMains(on: boolean): void {
    this.engage();
    if (this.mains === on) return;
    this.mains = on;
    log.info(`${this.label}: mains ${on ? 'back' : 'failed'} (simulated)`);
    this.step(0);
  }

  /** Zero-filled reports say nothing useful: start from mains on, a full battery and NUT's default low-battery
   *  limit (10 %) where the descriptor has that field, and run the physics from the start. */
  private synthesize(): void {
    this.engaged = true;
    this.mains = true;
    this.charge = 100;
    for (const field of this.fields.get('capacityLimit') ?? []) this.put(field, 10);
    this.startClock();
    this.publish();
  }

  /** First act on the device: take the physical state from the recorded reports and start the clock. */
  private engage(): void {
    if (this.engaged) return;
    this.engaged = true;
    const charge = this.value('remainingCapacity');
    if (charge !== undefined) this.charge = Math.max(0, Math.min(100, charge));
    const runtime = this.value('runTimeToEmpty');
    if (runtime !== undefined && runtime > 0 && this.charge > 0) this.fullRuntime = (runtime * 100) / this.charge;
    const ac = this.value('acPresent');
    this.mains = ac === undefined ? true : ac !== 0;
    this.startClock();
  }

  private startClock(): void {
    this.lastTick = Date.now();
    this.timer = setInterval(() => this.step(), this.options.tickMs ?? 250);
    this.timer.unref();
  }

  private step(forcedMs?: number): void {
    const now = Date.now();
    const dt = forcedMs ?? now - this.lastTick;
    this.lastTick = now;
    const seconds = dt / 1000;
    if (!this.mains && this.outputOn) this.charge = Math.max(0, this.charge - this.options.dischargePercentPerSecond * seconds);
    else if (this.mains) this.charge = Math.min(100, this.charge + this.options.chargePercentPerSecond * seconds);
    // whole seconds for the UPS's own timers
    this.secondCarry += seconds;
    while (this.secondCarry >= 1) {
      this.secondCarry -= 1;
      this.countDown();
    }
    if (!this.mains && this.charge <= 0) this.outputOn = false; // battery exhausted: the load drops
    this.publish();
  }

  private countDown(): void {
    if (this.testIn !== undefined && --this.testIn <= 0) {
      this.testIn = undefined;
      this.setAll('test', TEST_READ.passed);
    }
    if (this.shutdownIn !== undefined) {
      this.shutdownIn -= 1;
      if (this.shutdownIn <= 0) {
        this.shutdownIn = undefined;
        this.notCounting('delayShutdown'); // the UPS shows "not counting" again
        if (this.outputOn) log.info(`${this.label}: output off (shutdown delay elapsed)`);
        this.outputOn = false;
      }
    }
    if (this.startupIn !== undefined && !this.outputOn && this.shutdownIn === undefined && this.mains) {
      this.startupIn -= 1;
      if (this.startupIn <= 0) {
        this.startupIn = undefined;
        this.notCounting('delayStartup');
        this.outputOn = true;
        log.info(`${this.label}: output on (startup delay elapsed)`);
      }
    }
  }

  /** -1 where the field can hold it (APC, CyberPower), else 0 (Tripp Lite's unsigned timers) */
  private notCounting(role: Role): void {
    for (const field of this.fields.get(role) ?? []) this.put(field, field.logicalMin < 0 ? -1 : 0);
  }

  private setAll(role: Role, value: number): void {
    for (const field of this.fields.get(role) ?? []) this.put(field, value);
  }

  /** After a SET_REPORT: a delay written ≥ 0 starts that countdown; -1 (shutdown.stop) cancels it; a battery
   *  test code starts or aborts a test. */
  private takeTimersFromReport(id: number): void {
    for (const field of this.fields.get('test') ?? []) {
      if (field.type !== 'feature' || field.reportId !== id) continue;
      const code = readLogical(field, this.feature.get(id)!);
      if (code === TEST_WRITE.quick || code === TEST_WRITE.deep) {
        this.testIn = code === TEST_WRITE.quick ? TEST_SECONDS.quick : TEST_SECONDS.deep;
        this.setAll('test', TEST_READ.inProgress);
      } else if (code === TEST_WRITE.abort) {
        this.testIn = undefined;
        this.setAll('test', TEST_READ.aborted);
      }
    }
    for (const role of ['delayShutdown', 'delayStartup'] as const) {
      for (const field of this.fields.get(role) ?? []) {
        if (field.type !== 'feature' || field.reportId !== id) continue;
        const seconds = toPhysical(field, readLogical(field, this.feature.get(id)!));
        if (role === 'delayShutdown') this.shutdownIn = seconds >= 0 ? Math.max(seconds, 0) : undefined;
        else this.startupIn = seconds >= 0 ? seconds : undefined;
        if (role === 'delayShutdown' && seconds === 0) {
          this.shutdownIn = undefined;
          this.outputOn = false;
          log.info(`${this.label}: output off (immediate)`);
        }
        if (role === 'delayStartup' && seconds === 0 && this.mains && this.shutdownIn === undefined) {
          this.startupIn = undefined;
          this.outputOn = true;
        }
      }
    }
    this.publish();
  }

  /** Writes the physical state into every report field that shows it; sends changed Input reports. */
  private publish(): void {
    const charge = Math.round(this.charge);
    const limit = this.value('capacityLimit');
    const state: Partial<Record<Role, number>> = {
      acPresent: this.mains ? 1 : 0,
      discharging: !this.mains && this.outputOn ? 1 : 0,
      charging: this.mains && charge < 100 ? 1 : 0,
      fullyCharged: this.mains && charge >= 100 ? 1 : 0,
      belowLimit: limit !== undefined && charge < limit ? 1 : 0,
      remainingCapacity: charge,
      runTimeToEmpty: Math.round((this.fullRuntime * this.charge) / 100),
    };
    if (!this.mains) state.voltage = 0;
    if (this.shutdownIn !== undefined) state.delayShutdown = this.shutdownIn;
    if (this.startupIn !== undefined) state.delayStartup = this.startupIn;
    const changedInput = new Set<number>();
    for (const [role, value] of Object.entries(state) as [Role, number][]) {
      for (const field of this.fields.get(role) ?? []) {
        if (this.put(field, value)) {
          if (field.type === 'input') changedInput.add(field.reportId);
        }
      }
    }
    if (!this.present) return;
    for (const id of changedInput) {
      const report = this.input.get(id);
      if (!report) continue;
      for (const l of this.inputListeners) l(Buffer.from(report));
    }
  }

  /** Sets one field to a physical value in its report memory; true when the bytes changed. */
  private put(field: HidField, value: number): boolean {
    const store = this.store(field.type);
    if (!store) return false;
    const declared = this.parsed.reportLength(field.type, field.reportId);
    let report = store.get(field.reportId);
    if (!report && field.type === 'feature') return false; // the device never answered it: leave it so
    if (!report || report.length < declared) {
      // recorded short (the fixture's zero-fill rule): grow it to the declared size to hold the new value
      const grown = Buffer.alloc(Math.max(declared, report?.length ?? 0));
      grown[0] = field.reportId;
      report?.copy(grown);
      report = grown;
      store.set(field.reportId, report);
    }
    const before = readLogical(field, report);
    const logical = Math.round(fromPhysical(field, value));
    if (before === logical) return false;
    writeLogical(field, report, logical);
    return true;
  }

  private store(type: ReportType): Map<number, Buffer> | undefined {
    return type === 'feature' ? this.feature : type === 'input' ? this.input : undefined;
  }

  /** The physical value of the first readable field with this role, Feature first. */
  private value(role: Role): number | undefined {
    const list = this.fields.get(role) ?? [];
    for (const type of ['feature', 'input'] as const) {
      for (const field of list) {
        if (field.type !== type) continue;
        const report = this.store(type)?.get(field.reportId);
        if (!report) continue;
        return toPhysical(field, readLogical(field, report));
      }
    }
    return undefined;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

/** The simulated UPS is "found" while it is plugged in. */
export class SimulatedUpsFinder implements TransportFinder {
  readonly description: string;
  private readonly ups: SimulatedUps;

  constructor(ups: SimulatedUps) {
    this.ups = ups;
    this.description = ups.label;
  }

  async find(): Promise<HidTransport | undefined> {
    return this.ups.plugged ? this.ups : undefined;
  }
}
