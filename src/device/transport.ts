// What the driver loop needs from a UPS on the wire, beyond the report access the mapping uses: interrupt-IN
// reports, a signal that the device went away, and a way to let go of it. Two implementations: hidraw through
// node-hid (hidraw.ts) and the fixture-replaying simulated UPS (simulated-ups.ts).
import type { ReportSource } from '../power-device/types.ts';

export interface HidTransport extends ReportSource {
  /** a short name for logs: "/dev/hidraw0 (051d:0002)", "simulated APC Back-UPS BK650M2-CH" */
  readonly label: string;
  /** Interrupt-IN reports, report ID in byte 0 (docs/hid-mapping.md §3.2). */
  onInput(listener: (report: Buffer) => void): void;
  /** The device was unplugged or failed for good; the driver drops it and searches again. */
  onGone(listener: (why: string) => void): void;
  /** Instant commands the transport itself answers (the simulator's test.failure.start/stop); NUT name →
   *  description-free action. The HID mapping never sees these. */
  readonly ownCommands?: ReadonlyMap<string, () => void> | undefined;
  close(): Promise<void>;
}

/** Finds the UPS to drive; resolves undefined while none is there (the driver asks again every poll interval). */
export interface TransportFinder {
  /** what is being looked for, for logs */
  readonly description: string;
  find(): Promise<HidTransport | undefined>;
}
