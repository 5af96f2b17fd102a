// The driver loop: the one place that owns the UPS handle. It finds the device, lets the power-device mapping
// publish into the UPS model, polls on NUT's schedule and reconnects after an unplug, the way usbhid-ups does
// (docs/hid-mapping.md §3):
//   - every poll interval (2 s) a quick update (status bits and timers); a full update every pollfreq
//     (30 s, CyberPower 12 s) and right after any write, so a SET shows at once (§3.1);
//   - interrupt-IN reports are applied the moment they arrive (§3.2, §3.6: the kernel polls the endpoint);
//   - a device that fails every read, or vanishes, makes the data stale (clients get ERR DATA-STALE) and is
//     searched for again at most once per poll interval, without a restart (§3.4).
import { PowerDevice } from '../power-device/power-device.ts';
import { PowerDeviceError } from '../power-device/types.ts';
import type { UpsModel } from '../ups/model.ts';
import { BUILD } from '../util/build-info.ts';
import { logger } from '../util/log.ts';
import type { HidTransport, TransportFinder } from './transport.ts';

const log = logger('driver');

/** What any UPS must publish for upsmon and for people, with the HID usages usbhid-ups reads it from (§2.2, §2.3). */
const ESSENTIAL: readonly (readonly [string, string])[] = [
  ['ups.status', 'PresentStatus.ACPresent / Discharging / Charging'],
  ['battery.charge', 'PowerSummary.RemainingCapacity'],
];

export interface DriverOptions {
  /** NUT's pollinterval; 2 s by default. The mapping's own interval wins unless this is set. */
  pollIntervalMs?: number | undefined;
  now?: () => number;
}

interface Attached {
  transport: HidTransport;
  device: PowerDevice;
  lastFull: number;
  /** a write happened: the next update is a full one (§3.1 data_has_changed) */
  dirty: boolean;
}

export class Driver {
  private readonly ups: UpsModel;
  private readonly finder: TransportFinder;
  private readonly options: DriverOptions;
  private readonly now: () => number;
  private attached: Attached | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking = false;
  private searchLogged = false;
  private attaches = 0;
  /** resolves when the current tick finishes; stop() waits for it so no handle outlives the driver */
  private tickDone: Promise<void> = Promise.resolve();

  constructor(ups: UpsModel, finder: TransportFinder, options: DriverOptions = {}) {
    this.ups = ups;
    this.finder = finder;
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  /** Starts searching for the device; resolves after the first attempt, attached or not. */
  async start(): Promise<void> {
    this.running = true;
    this.ups.control = {
      setVariable: (name, value) => this.write(() => this.need().device.setVariable(name, value), `SET ${name}`),
      runCommand: (name, parameter) => this.command(name, parameter),
    };
    await this.tick();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.tickDone;
    await this.detach('driver stopped', false);
  }

  /** Times the device was attached again after the first time (walnut_usb_reconnects_total): after an
   *  unplug the model goes stale, not not-connected, so the model's availability alone cannot tell. */
  get reconnects(): number {
    return Math.max(0, this.attaches - 1);
  }

  get pollIntervalMs(): number {
    return this.options.pollIntervalMs ?? this.attached?.device.pollIntervalMs ?? 2000;
  }

  private need(): Attached {
    if (!this.attached) throw new PowerDeviceError('SET-FAILED', 'no UPS attached');
    return this.attached;
  }

  private async write(op: () => Promise<void>, what: string): Promise<void> {
    const a = this.need();
    try {
      await op();
      a.dirty = true;
      log.info(`${this.ups.name}: ${what} done`);
    } catch (err) {
      log.warn(`${this.ups.name}: ${what} failed: ${(err as Error).message}`);
      throw err;
    }
    this.schedule(0); // re-read what the write changed now, not at the next tick
  }

  private async command(name: string, parameter: string | undefined): Promise<void> {
    const own = this.attached?.transport.ownCommands?.get(name.toLowerCase());
    if (own) {
      own();
      log.info(`${this.ups.name}: instant command ${name} done`);
      this.schedule(0);
      return;
    }
    const shown = parameter === undefined ? name : `${name} ${parameter}`;
    await this.write(() => this.need().device.runCommand(name, parameter), `instant command ${shown}`);
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
    // the NUT listener keeps the process alive; the driver alone must not
    this.timer.unref();
  }

  private tick(): Promise<void> {
    if (this.ticking) return this.tickDone;
    this.ticking = true;
    this.tickDone = this.runTick().finally(() => {
      this.ticking = false;
      this.schedule(this.pollIntervalMs);
    });
    return this.tickDone;
  }

  private async runTick(): Promise<void> {
    try {
      if (!this.attached) await this.attach();
      else await this.update(this.attached);
    } catch (err) {
      // A bug in the mapping must not stop the loop: say it, drop the device, search again.
      log.error(`${this.ups.name}: driver error: ${(err as Error)?.stack ?? String(err)}`);
      await this.detach('driver error', true);
    }
  }

  private async attach(): Promise<void> {
    const transport = await this.finder.find();
    if (!transport) {
      if (!this.searchLogged) {
        log.warn(`${this.ups.name}: no UPS found (${this.finder.description}); looking again every ${this.pollIntervalMs / 1000} s`);
        this.searchLogged = true;
      }
      return;
    }
    this.searchLogged = false;
    let device: PowerDevice;
    try {
      device = await PowerDevice.open(transport, this.ups);
    } catch (err) {
      log.warn(`${this.ups.name}: ${transport.label}: cannot use it: ${(err as Error).message}`);
      await transport.close().catch(() => undefined);
      return;
    }
    if (!this.running) {
      await transport.close().catch(() => undefined);
      return;
    }
    const attached: Attached = { transport, device, lastFull: this.now(), dirty: false };
    this.attached = attached;
    for (const name of transport.ownCommands?.keys() ?? []) this.ups.addCommand(name);
    transport.onInput((report) => {
      if (this.attached !== attached) return;
      device.onInputReport(report);
      this.ups.heard();
    });
    transport.onGone((why) => {
      if (this.attached === attached) void this.detach(why, true);
    });
    this.reportUnmapped(transport);
    // what usbhid-ups publishes about itself (upsc shows them; NUT clients ignore them)
    this.ups.setVariable('driver.name', 'walnut');
    this.ups.setVariable('driver.version', BUILD.version);
    this.ups.setVariable('driver.version.data', device.subdriver);
    this.ups.setVariable('driver.parameter.pollinterval', String(this.pollIntervalMs / 1000));
    this.ups.setVariable('driver.parameter.pollfreq', String(device.fullPollMs / 1000));
    this.attaches++;
    this.ups.markConnected();
    log.info(`${this.ups.name}: driving ${transport.label} with ${device.subdriver}`);
  }

  /** A UPS whose descriptor lacks what the tables read is served, but the log says what is missing. */
  private reportUnmapped(transport: HidTransport): void {
    // the mapping publishes ups.status even with no status bit to build it from: empty counts as missing
    const missing = ESSENTIAL.filter(([name]) => !this.ups.getVariable(name)?.value);
    if (missing.length === 0) return;
    const what = missing.map(([name, from]) => `${name} (from ${from})`).join(', ');
    log.warn(`${this.ups.name}: ${transport.label}: the descriptor gives no ${what}; upsmon needs ups.status to act`);
  }

  private async update(a: Attached): Promise<void> {
    const full = a.dirty || this.now() - a.lastFull >= a.device.fullPollMs;
    if (full) {
      a.dirty = false;
      a.lastFull = this.now();
    }
    const result = await a.device.update(full ? 'full' : 'quick');
    if (this.attached !== a) return;
    if (result === 'ok') this.ups.heard();
    else await this.detach('every read failed', true);
  }

  private async detach(why: string, stale: boolean): Promise<void> {
    const a = this.attached;
    if (!a) return;
    this.attached = undefined;
    if (stale) {
      // NUT keeps the last values and marks them stale (§3.4); clients see ERR DATA-STALE until it is back
      this.ups.markStale();
      log.warn(`${this.ups.name}: lost ${a.transport.label} (${why}); data is stale until it is back`);
    }
    await a.transport.close().catch(() => undefined);
  }
}
