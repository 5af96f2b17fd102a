/**
 * One-line descriptions of NUT variables and instant commands.
 *
 * upsd answers `GET DESC <ups> <var>` and `GET CMDDESC <ups> <cmd>` with a short human-readable text
 * taken from a table (NUT ships it as `cmdvartab`). Clients show this text to people: `upsrw` prints it
 * for every writable variable, and `upscmd -l` prints it next to every instant command.
 *
 * NUT is GPL-licensed, so none of its description text is copied here. Every description below was
 * written for walnut in its own words; only the set of names follows NUT's table, so that clients find
 * a description for the same names they would with upsd.
 *
 * Names missing from the table give `undefined`. The caller then answers with upsd's fallback text,
 * "Description unavailable"; this module does not do that itself.
 *
 * Every text is plain printable ASCII, at most 120 characters, and contains no double quote, backslash
 * or hash, because upsd sends it inside double quotes without any escaping.
 */

/** Descriptions shared by `outlet.*` and each numbered `outlet.<n>.*` group. */
function outletVariables(prefix: string, which: string): Array<[string, string]> {
  return [
    [`${prefix}.id`, `Identifier of ${which} within the device`],
    [`${prefix}.desc`, `Name or label given to ${which}`],
    [`${prefix}.switch`, `Control used to switch ${which} on or off`],
    [`${prefix}.status`, `Whether ${which} is currently switched on or off`],
    [`${prefix}.switchable`, `Whether ${which} can be switched on and off`],
    [`${prefix}.autoswitch.charge.low`, `Battery charge below which ${which} is switched off, in percent`],
    [`${prefix}.delay.shutdown`, `Seconds to wait before ${which} is switched off`],
    [`${prefix}.delay.start`, `Seconds to wait before ${which} is switched back on`],
  ];
}

/** Descriptions shared by the temperature and humidity groups of `ambient.*`. */
function ambientVariables(quantity: string, unit: string): Array<[string, string]> {
  const p = `ambient.${quantity}`;
  return [
    [`${p}.alarm`, `Set when an ambient ${quantity} alarm is raised`],
    [`${p}.status`, `Ambient ${quantity} compared with the configured limits`],
    [`${p}.alarm.maximum`, `Highest ambient ${quantity} accepted before an alarm, in ${unit}`],
    [`${p}.alarm.minimum`, `Lowest ambient ${quantity} accepted before an alarm, in ${unit}`],
    [`${p}.alarm.enable`, `Switches the ambient ${quantity} alarm on or off`],
    [`${p}.low`, `Lower ambient ${quantity} limit, in ${unit}`],
    [`${p}.low.warning`, `Ambient ${quantity} below which a warning is given, in ${unit}`],
    [`${p}.low.critical`, `Ambient ${quantity} below which the condition is critical, in ${unit}`],
    [`${p}.high`, `Upper ambient ${quantity} limit, in ${unit}`],
    [`${p}.high.warning`, `Ambient ${quantity} above which a warning is given, in ${unit}`],
    [`${p}.high.critical`, `Ambient ${quantity} above which the condition is critical, in ${unit}`],
  ];
}

const variableEntries: Array<[string, string]> = [
  // ups.*
  ['ups.alarm', 'Alarm messages currently reported by the UPS'],
  ['ups.status', 'Status flags of the UPS, such as OL, OB or LB'],
  ['ups.time', 'Time of day kept by the UPS clock'],
  ['ups.date', 'Date kept by the UPS clock'],
  ['ups.efficiency', 'How efficiently the UPS converts power, in percent'],
  ['ups.model', 'Model name of the UPS'],
  ['ups.mfr', 'Maker of the UPS'],
  ['ups.mfr.date', 'Date the UPS was built'],
  ['ups.serial', 'Serial number of the UPS'],
  ['ups.vendorid', 'USB vendor ID of the device, in hex'],
  ['ups.productid', 'USB product ID of the device, in hex'],
  ['ups.firmware', 'Firmware version of the UPS'],
  ['ups.firmware.aux', 'Firmware version of an auxiliary part, such as the network card'],
  ['ups.temperature', 'Temperature inside the UPS, in degrees Celsius'],
  ['ups.load', 'Load on the UPS as a percentage of its capacity'],
  ['ups.load.energysave', 'Load percentage below which the UPS enters energy saving'],
  ['ups.load.high', 'Load percentage above which the UPS reports an overload'],
  ['ups.id', 'Name assigned to the UPS by its owner'],
  ['ups.delay.start', 'Seconds the UPS waits before powering the load on again'],
  ['ups.delay.reboot', 'Seconds the UPS waits before it reboots'],
  ['ups.delay.shutdown', 'Seconds the UPS waits before cutting power after a delayed shutdown command'],
  ['ups.timer.start', 'Seconds left until the load is powered on, or a negative or zero value when idle'],
  ['ups.timer.reboot', 'Seconds left until the load is power-cycled, or a negative or zero value when idle'],
  ['ups.timer.shutdown', 'Seconds left until the load is powered off, or a negative or zero value when idle'],
  ['ups.test.interval', 'Seconds between automatic self tests'],
  ['ups.test.result', 'Outcome of the most recent self test'],
  ['ups.display.language', 'Language shown on the front panel display'],
  ['ups.contacts', 'State of the external contact inputs of the UPS'],
  ['ups.power', 'Apparent power drawn by the load, in volt-amperes'],
  ['ups.power.nominal', 'Rated apparent power of the UPS, in volt-amperes'],
  ['ups.realpower', 'Real power drawn by the load, in watts'],
  ['ups.realpower.nominal', 'Rated real power of the UPS, in watts'],
  ['ups.beeper.status', 'State of the audible alarm: enabled, disabled or muted'],
  ['ups.type', 'Kind of UPS, for example offline, line-interactive or online'],
  ['ups.start.auto', 'Whether the UPS switches itself on when mains power comes back'],
  ['ups.start.battery', 'Whether the UPS may be switched on while running from battery'],
  ['ups.start.reboot', 'Whether the UPS restarts if mains returns while a shutdown delay runs'],

  // input.*
  ['input.voltage', 'Voltage at the UPS input, in volts'],
  ['input.voltage.extended', 'Whether the wider input voltage range is in use'],
  ['input.voltage.maximum', 'Highest input voltage measured, in volts'],
  ['input.voltage.minimum', 'Lowest input voltage measured, in volts'],
  ['input.voltage.status', 'Input voltage compared with its warning and critical limits'],
  ['input.voltage.low.warning', 'Input voltage below which a warning is given, in volts'],
  ['input.voltage.low.critical', 'Input voltage below which the condition is critical, in volts'],
  ['input.voltage.high.warning', 'Input voltage above which a warning is given, in volts'],
  ['input.voltage.high.critical', 'Input voltage above which the condition is critical, in volts'],
  ['input.voltage.nominal', 'Rated input voltage, in volts'],
  ['input.transfer.reason', 'Why the UPS last switched over to battery'],
  ['input.transfer.low', 'Input voltage below which the UPS switches to battery, in volts'],
  ['input.transfer.high', 'Input voltage above which the UPS switches to battery, in volts'],
  ['input.transfer.low.min', 'Lowest value allowed for the low transfer voltage, in volts'],
  ['input.transfer.low.max', 'Highest value allowed for the low transfer voltage, in volts'],
  ['input.transfer.high.min', 'Lowest value allowed for the high transfer voltage, in volts'],
  ['input.transfer.high.max', 'Highest value allowed for the high transfer voltage, in volts'],
  ['input.sensitivity', 'How sensitive the UPS is to disturbances on the input line'],
  ['input.quality', 'Quality of the incoming power'],
  ['input.current', 'Current drawn at the input, in amperes'],
  ['input.current.nominal', 'Rated input current, in amperes'],
  ['input.current.status', 'Input current compared with its warning and critical limits'],
  ['input.current.low.warning', 'Input current below which a warning is given, in amperes'],
  ['input.current.low.critical', 'Input current below which the condition is critical, in amperes'],
  ['input.current.high.warning', 'Input current above which a warning is given, in amperes'],
  ['input.current.high.critical', 'Input current above which the condition is critical, in amperes'],
  ['input.frequency', 'Frequency of the input line, in hertz'],
  ['input.frequency.extended', 'Whether the wider input frequency range is in use'],
  ['input.frequency.status', 'Input frequency compared with its limits'],
  ['input.frequency.nominal', 'Rated input line frequency, in hertz'],
  ['input.frequency.low', 'Lowest input frequency accepted, in hertz'],
  ['input.frequency.high', 'Highest input frequency accepted, in hertz'],
  ['input.transfer.boost.low', 'Lower end of the input voltage range in which the UPS boosts, in volts'],
  ['input.transfer.boost.high', 'Upper end of the input voltage range in which the UPS boosts, in volts'],
  ['input.transfer.trim.low', 'Lower end of the input voltage range in which the UPS trims, in volts'],
  ['input.transfer.trim.high', 'Upper end of the input voltage range in which the UPS trims, in volts'],
  ['input.transfer.delay', 'Delay before the UPS switches back to mains power'],
  ['input.load', 'Load on the input of a power distribution unit, in percent of capacity'],
  ['input.realpower', 'Total real power over all input phases of a power distribution unit, in watts'],
  ['input.power', 'Total apparent power over all input phases of a power distribution unit, in volt-amperes'],
  ['input.source', 'Input power source now in use'],
  ['input.source.preferred', 'Input power source to use when it is available'],

  // output.*
  ['output.voltage', 'Voltage supplied to the load, in volts'],
  ['output.voltage.nominal', 'Rated output voltage, in volts'],
  ['output.frequency', 'Frequency supplied to the load, in hertz'],
  ['output.frequency.nominal', 'Rated output frequency, in hertz'],
  ['output.current', 'Current supplied to the load, in amperes'],
  ['output.current.nominal', 'Rated output current, in amperes'],

  // battery.*
  ['battery.charge', 'Battery charge level, in percent'],
  ['battery.charge.approx', 'Coarse estimate of the battery charge level'],
  ['battery.charge.low', 'Charge percentage at which the UPS reports a low battery'],
  ['battery.charge.restart', 'Charge percentage needed before the UPS restarts after a power-off'],
  ['battery.charge.warning', 'Charge percentage at which the UPS gives a battery warning'],
  ['battery.voltage', 'Voltage across the battery, in volts'],
  ['battery.current', 'Current flowing through the battery, in amperes'],
  ['battery.capacity', 'Battery capacity, in ampere-hours'],
  ['battery.temperature', 'Temperature of the battery, in degrees Celsius'],
  ['battery.voltage.nominal', 'Rated battery voltage, in volts'],
  ['battery.runtime', 'Estimated time the battery can carry the load, in seconds'],
  ['battery.runtime.low', 'Remaining runtime at which the UPS reports a low battery, in seconds'],
  ['battery.alarm.threshold', 'Level at which the battery alarm is raised'],
  ['battery.date', 'Date the battery was installed or last replaced'],
  ['battery.mfr.date', 'Date the battery was built'],
  ['battery.packs', 'How many battery packs are fitted'],
  ['battery.packs.bad', 'How many battery packs are faulty'],
  ['battery.type', 'Battery chemistry, for example PbAc'],
  ['battery.protection', 'Whether the battery is protected from being discharged too deeply'],
  ['battery.energysave', 'Whether the UPS switches off when on battery with little or no load'],
  ['battery.energysave.load', 'Load percentage under which the UPS switches off while on battery'],
  ['battery.energysave.delay', 'Minutes of low load on battery before the UPS switches off'],
  ['battery.energysave.realpower', 'Load in watts under which the UPS switches off while on battery'],
  ['battery.charger.status', 'What the charger is doing: charging, discharging, floating or resting'],

  // ambient.*
  ['ambient.temperature', 'Temperature around the device, in degrees Celsius'],
  ...ambientVariables('temperature', 'degrees Celsius'),
  ['ambient.humidity', 'Relative humidity around the device, in percent'],
  ...ambientVariables('humidity', 'percent'),
  ['ambient.present', 'Whether an ambient sensor is connected'],
  ['ambient.contacts.1.status', 'State of dry contact input 1'],
  ['ambient.contacts.2.status', 'State of dry contact input 2'],

  // outlet.*
  ...outletVariables('outlet', 'the main outlet'),
  ...outletVariables('outlet.1', 'outlet 1'),
  ...outletVariables('outlet.2', 'outlet 2'),

  // driver.*, device.*, server.*
  ['driver.name', 'Name of the driver serving this device'],
  ['driver.version', 'Release of the NUT package the driver comes from'],
  ['driver.version.internal', 'Version of the driver program itself'],
  ['driver.version.usb', 'Version of the USB library the driver uses'],
  ['device.type', 'Kind of device, for example ups or pdu'],
  ['device.mfr', 'Maker of the device'],
  ['device.model', 'Model name of the device'],
  ['device.serial', 'Serial number of the device'],
  ['device.part', 'Part number of the device'],
  ['server.info', 'Name, version and web address of the server software'],
  ['server.version', 'Version of the server software'],
];

const commandEntries: Array<[string, string]> = [
  ['load.off', 'Cut power to the load at once'],
  ['load.on', 'Restore power to the load at once'],
  ['load.off.delay', 'Cut power to the load after a delay given in seconds'],
  ['load.on.delay', 'Restore power to the load after a delay given in seconds'],
  ['shutdown.return', 'Cut power to the load, then restore it once mains power is back'],
  ['shutdown.stayoff', 'Cut power to the load and leave it off'],
  ['shutdown.stop', 'Cancel a shutdown that is under way'],
  ['shutdown.reboot', 'Power-cycle the load by rebooting the UPS'],
  ['shutdown.reboot.graceful', 'Wait a moment, then power-cycle the load by rebooting the UPS'],
  ['test.panel.start', 'Begin a test of the front panel lights and display'],
  ['test.panel.stop', 'End the front panel test'],
  ['test.failure.start', 'Begin a simulated mains failure'],
  ['test.failure.stop', 'End the simulated mains failure'],
  ['test.battery.start', 'Begin a battery test'],
  ['test.battery.start.quick', 'Begin a short battery test'],
  ['test.battery.start.deep', 'Begin a long battery test that drains the battery further'],
  ['test.battery.stop', 'Abort the running battery test'],
  ['test.system.start', 'Begin a test of the whole UPS'],
  ['calibrate.start', 'Begin calibrating the battery runtime estimate'],
  ['calibrate.stop', 'Abort the runtime calibration'],
  ['bypass.start', 'Switch the UPS to bypass, feeding the load straight from mains'],
  ['bypass.stop', 'Leave bypass and protect the load again'],
  ['reset.input.minmax', 'Clear the recorded lowest and highest input voltages'],
  ['reset.watchdog', 'Restart the watchdog timer of the UPS'],
  ['beeper.on', 'Old name kept for compatibility; beeper.enable replaces it'],
  ['beeper.off', 'Old name kept for compatibility; beeper.disable or beeper.mute replace it'],
  ['beeper.enable', 'Turn on the audible alarm'],
  ['beeper.disable', 'Turn off the audible alarm'],
  ['beeper.mute', 'Silence the audible alarm for now'],
  ['beeper.toggle', 'Switch the audible alarm between on and off'],
  ['outlet.1.load.off', 'Cut power to outlet 1 at once'],
  ['outlet.1.load.on', 'Restore power to outlet 1 at once'],
  ['outlet.1.shutdown.return', 'Cut power to outlet 1, then restore it once mains power is back'],
  ['outlet.2.load.off', 'Cut power to outlet 2 at once'],
  ['outlet.2.load.on', 'Restore power to outlet 2 at once'],
  ['outlet.2.shutdown.return', 'Cut power to outlet 2, then restore it once mains power is back'],
];

/** Variable descriptions, keyed by lower-case NUT variable name. */
export const VARIABLE_DESCRIPTIONS: ReadonlyMap<string, string> = new Map(variableEntries);

/** Instant command descriptions, keyed by lower-case NUT command name. */
export const COMMAND_DESCRIPTIONS: ReadonlyMap<string, string> = new Map(commandEntries);

const UPSTREAM_PREFIX = 'upstream.';

/** Lower-cases a name and removes one leading `upstream.`, as upsd does before its lookup. */
function normalise(name: string): string {
  const lower = name.toLowerCase();
  return lower.startsWith(UPSTREAM_PREFIX) ? lower.slice(UPSTREAM_PREFIX.length) : lower;
}

/**
 * Description for a variable, or undefined. Lookup is case-insensitive and strips a leading
 * "upstream." (NUT 2.8.1+ netget.c does this).
 */
export function describeVariable(name: string): string | undefined {
  return VARIABLE_DESCRIPTIONS.get(normalise(name));
}

/**
 * Description for an instant command, or undefined. Lookup is case-insensitive and strips a leading
 * "upstream.", like describeVariable.
 */
export function describeCommand(name: string): string | undefined {
  return COMMAND_DESCRIPTIONS.get(normalise(name));
}
