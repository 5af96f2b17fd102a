// The NUT driver settings (ups.conf options of usbhid-ups, NUT docs/man/usbhid-ups.txt) the mapping takes.
import type { SubdriverId } from './subdrivers.ts';

export interface PowerDeviceOptions {
  /** NUT `subdriver`: force one instead of choosing by USB IDs */
  readonly subdriver?: SubdriverId | undefined;
  /** NUT `explore`: serve the device with the generic (empty) mapping */
  readonly explore?: boolean | undefined;
  /** NUT `productid` given: take a known vendor's unknown product */
  readonly acceptUnknownProduct?: boolean | undefined;
  /** NUT `onlinedischarge_onbattery`: OL+DISCHRG is reported as OB (default: NUT's "OL DISCHRG") */
  readonly onlineDischargeOnBattery?: boolean | undefined;
  /** NUT `onlinedischarge_calibration`: OL+DISCHRG is reported as CAL */
  readonly onlineDischargeCalibration?: boolean | undefined;
  /** NUT `lbrb_log_delay_sec`; default 0, or 3 for the APC models that blip LB/RB (§2.3) */
  readonly lbrbLogDelaySec?: number | undefined;
  readonly lbrbLogDelayWithoutCalibrating?: boolean | undefined;
  /** NUT `ignorelb` (driver.flag.ignorelb) */
  readonly ignoreLb?: boolean | undefined;
  /** NUT `lowbatt` / `ondelay` / `offdelay`: driver-side values of battery.charge.low, ups.delay.start/shutdown */
  readonly lowBatt?: number | undefined;
  readonly onDelay?: number | undefined;
  readonly offDelay?: number | undefined;
  /** NUT `pollfreq` in ms (default 30 s, CyberPower 12 s) */
  readonly fullPollMs?: number | undefined;
  /** NUT `pollonly`: ignore Input reports; STATIC/SEMI_STATIC rows are then read on every full update */
  readonly pollOnly?: boolean | undefined;
  /** NUT `disable_fix_report_desc` */
  readonly disableFixReportDesc?: boolean | undefined;
  readonly now?: (() => number) | undefined;
  /** the pause inside shutdown.return / shutdown.stayoff (125 ms in NUT, for Tripp Lite AVR750U) */
  readonly sleep?: ((ms: number) => Promise<void>) | undefined;
}

/** NUT's pollinterval (main loop period) */
export const POLL_INTERVAL_MS = 2000;
