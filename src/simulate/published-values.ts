// A simulated UPS that publishes a fixture's published values as they are: `expected` (what upsc printed for
// a real unit), else `nutOracle.variables`. It stands in for the device until the HID driver replays the
// fixture's reports; SET VAR changes the value, INSTCMD is accepted and logged.
import type { Fixture } from './fixture.ts';
import type { UpsModel, VariableType } from '../ups/model.ts';
import { logger } from '../util/log.ts';

const log = logger('simulate');

/**
 * Variables usbhid-ups declares writable (ST_FLAG_RW | ST_FLAG_STRING, length 10: nut-protocol.md §2.5 note,
 * §7.2), with the enumerations its lookup tables give.
 */
const USBHID_WRITABLE: Record<string, Partial<VariableType>> = {
  'battery.charge.low': {},
  'battery.runtime.low': {},
  'ups.delay.shutdown': {},
  'ups.delay.start': {},
  'input.transfer.low': {},
  'input.transfer.high': {},
  'input.sensitivity': { enumValues: ['low', 'medium', 'high'] },
  'ups.test.interval': {},
};

/** How often the simulated device is "heard"; well inside the 15 s MAXAGE. */
const HEARTBEAT_MS = 2000;

export interface PublishedValuesDevice {
  stop(): void;
}

export function publishFixtureValues(fixture: Fixture, ups: UpsModel): PublishedValuesDevice {
  const values = Object.keys(fixture.expected).length > 0 ? fixture.expected : (fixture.oracle?.variables ?? {});
  for (const [name, value] of Object.entries(values)) {
    const rw = USBHID_WRITABLE[name.toLowerCase()];
    ups.setVariable(name, value, rw ? { writable: true, maxLength: 10, ...rw } : undefined);
  }
  for (const cmd of new Set([...fixture.expectedCommands, ...(fixture.oracle?.commands ?? [])])) ups.addCommand(cmd);
  ups.control = {
    setVariable: async (name, value) => {
      ups.setVariable(name, value);
      log.info(`${ups.name}: ${name} set to ${JSON.stringify(value)}`);
    },
    runCommand: async (name, parameter) => {
      log.info(`${ups.name}: instant command ${name}${parameter === undefined ? '' : ` ${parameter}`} (simulated: no effect)`);
    },
  };
  ups.markConnected();
  const heartbeat = setInterval(() => ups.heard(), HEARTBEAT_MS);
  heartbeat.unref();
  return {
    stop: () => {
      clearInterval(heartbeat);
      ups.markDisconnected();
    },
  };
}
