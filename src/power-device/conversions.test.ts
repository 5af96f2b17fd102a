import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  apcDateToText,
  CONVERSIONS,
  convertRead,
  convertWrite,
  enumValues,
  kelvinToCelsiusText,
  MGE_TYPE,
  newVendorState,
  packedDateToText,
  textToApcDate,
  textToPackedDate,
} from './conversions.ts';
import type { Conversion, ConversionContext, VendorState } from './conversions.ts';
import type { StatusFlag } from './status.ts';

interface FakeContext extends ConversionContext {
  readonly vars: Map<string, string>;
  readonly words: string[];
  readonly setvars: [string, string][];
  statusFlags: Set<StatusFlag>;
}

function ctx(vars: Record<string, string> = {}, vendor: Partial<VendorState> = {}, strings: Record<number, string> = {}): FakeContext {
  const map = new Map(Object.entries(vars));
  const words: string[] = [];
  const setvars: [string, string][] = [];
  const c: FakeContext = {
    vars: map,
    words,
    setvars,
    statusFlags: new Set(),
    get: (n) => map.get(n),
    set: (n, v) => void map.set(n, v),
    remove: (n) => void map.delete(n),
    flags: () => c.statusFlags,
    buzzword: (w) => void words.push(w),
    string: async (i, size) => (strings[i] ?? '').slice(0, size - 1),
    setvar: async (n, v) => {
      setvars.push([n, v]);
      map.set(n, v);
      return true;
    },
    vendor: { ...newVendorState(), ...vendor },
  };
  return c;
}

function conv(name: string): Conversion {
  const c = CONVERSIONS[name];
  assert.ok(c, `no conversion ${name}`);
  return c;
}

function read(name: string, value: number, c: ConversionContext = ctx()): unknown {
  return convertRead(conv(name), value, c);
}

describe('lookup tables', () => {
  it('map beeper, test result, yes/no and on/off values to NUT\'s words', () => {
    assert.equal(read('beeper', 1), 'disabled');
    assert.equal(read('beeper', 2), 'enabled');
    assert.equal(read('beeper', 3), 'muted');
    assert.equal(read('testRead', 1), 'Done and passed');
    assert.equal(read('testRead', 6), 'No test initiated');
    assert.equal(read('yesNo', 1), 'yes');
    assert.equal(read('onOff', 0), 'off');
  });

  it('match the value truncated to an integer, exactly, and give null otherwise', () => {
    assert.equal(read('beeper', 2.9), 'enabled');
    assert.equal(read('beeper', 4), null);
    assert.equal(read('overload', 2), null); // an 8-bit Overload of 2 matches nothing (docs/hid-mapping.md §2.3)
  });

  it('feed the status words, including the inverted ones', () => {
    assert.equal(read('online', 1), 'online');
    assert.equal(read('online', 0), 'offline');
    assert.equal(read('nobattery', 1), '!nobattery');
    assert.equal(read('nobattery', 0), 'nobattery');
    assert.equal(read('off', 0), 'off');
    assert.equal(read('off', 1), '!off');
    assert.equal(read('fullycharged', 0), 'notfullycharged');
  });

  it('read APC status flag and line-fail cause codes', () => {
    assert.equal(read('apcStatusFlag', 8), '!off');
    assert.equal(read('apcStatusFlag', 16), '!off');
    assert.equal(read('apcStatusFlag', 0), 'off');
    for (const v of [1, 2, 4, 8, 9]) assert.equal(read('apcLineFailVrange', v), 'vrange');
    assert.equal(read('apcLineFailVrange', 7), null);
    assert.equal(read('apcLineFailFrange', 7), 'frange');
  });

  it('turn words back into values for writes and refuse unknown words', () => {
    assert.equal(convertWrite(conv('apcSensitivity'), 'medium', ctx()), 1);
    assert.equal(convertWrite(conv('cpsSensitivity'), 'normal', ctx()), 1);
    assert.equal(convertWrite(conv('yesNo'), 'yes', ctx()), 1);
    assert.equal(convertWrite(conv('apcSensitivity'), 'Medium', ctx()), null);
  });

  it('give the ENUM list in table order', () => {
    assert.deepEqual(enumValues(conv('cpsSensitivity'), ctx()), ['low', 'normal', 'high']);
  });
});

describe('dates', () => {
  it('unpack PDC ManufacturerDate values', () => {
    assert.equal(packedDateToText(10785), '2001/01/01');
    assert.equal(packedDateToText(20648), '2020/05/08');
    assert.equal(packedDateToText(12515), '2004/07/03');
    assert.equal(packedDateToText(0), 'not set');
  });

  it('pack dates back, refusing what does not fit', () => {
    assert.equal(textToPackedDate('2020/05/08'), 20648);
    assert.equal(textToPackedDate('2001/01/01'), 10785);
    assert.equal(textToPackedDate('1979/12/31'), null);
    assert.equal(textToPackedDate('2108/01/01'), null);
    assert.equal(textToPackedDate('2020/13/01'), null);
    assert.equal(textToPackedDate('yesterday'), null);
  });

  it('read APC dates whose hex digits are decimal digits, with NUT\'s 1970 window', () => {
    assert.equal(apcDateToText(0x092501), '2001/09/25');
    assert.equal(apcDateToText(0x102202), '2002/10/22');
    assert.equal(apcDateToText(0x123199), '1999/12/31');
    assert.equal(apcDateToText(0), 'not set');
    assert.equal(textToApcDate('2002/10/22'), 0x102202);
    assert.equal(textToApcDate('2070/01/01'), null);
  });
});

describe('temperatures', () => {
  it('convert 273..373 from Kelvin and take anything else as Celsius already', () => {
    assert.equal(kelvinToCelsiusText(297), '23.9');
    assert.equal(kelvinToCelsiusText(273), '-0.1');
    assert.equal(kelvinToCelsiusText(25), '25.0');
    assert.equal(kelvinToCelsiusText(374), '374.0');
  });
});

describe('USB string indices', () => {
  it('fetch the string with NUT\'s 20-byte buffer', async () => {
    const c = ctx({}, {}, { 4: 'PbAc', 5: 'a very long chemistry name here' });
    assert.equal(await read('stringId', 4, c), 'PbAc');
    assert.equal(await read('stringId', 5, c), 'a very long chemist');
  });

  it('answer "unknown" for the Tripp Lite models whose index is bogus', async () => {
    assert.equal(await read('tlChemistry', 4, ctx({ 'ups.productid': '1003' })), 'unknown');
    assert.equal(await read('tlChemistry', 4, ctx({ 'ups.productid': '2005' })), 'unknown');
    assert.equal(await read('tlChemistry', 4, ctx({ 'ups.productid': '4003' }, {}, { 4: 'PbAc' })), 'PbAc');
  });
});

describe('CyberPower conversions', () => {
  it('clamp the battery charge to 100', () => {
    assert.equal(read('cpsBattCharge', 120), '100');
    assert.equal(read('cpsBattCharge', 55), '55');
  });

  it('scale the battery voltage by 2/3 once it is well above nominal, on 0501 units', () => {
    const c = ctx({ 'battery.voltage.nominal': '12' }, { cpsMightNeedBatteryScale: true });
    assert.equal(read('cpsBattVolt', 20.4, c), '13.6');
    assert.equal(c.vendor.cpsBatteryScaleChecked, true);
    assert.equal(read('cpsBattVolt', 13.5, c), '9.0'); // decided once
  });

  it('leave the battery voltage alone when the nominal is unknown or the unit is not a 0501', () => {
    assert.equal(read('cpsBattVolt', 20.4, ctx({}, { cpsMightNeedBatteryScale: true })), '20.4');
    assert.equal(read('cpsBattVolt', 20.4, ctx({ 'battery.voltage.nominal': '12' })), '20.4');
  });

  it('divide a frequency by 10 when it is ten times the expected band', () => {
    const c = ctx({}, { cpsMightNeedFrequencyScale: true });
    assert.equal(read('cpsInputFreq', 600, c), '60.0');
    assert.equal(read('cpsInputFreq', 599, c), '59.9');
    assert.equal(read('cpsOutputFreq', 50, c), '50.0');
  });

  it('print FullChargeCapacity as a percentage', () => {
    assert.equal(read('cpsBattStatus', 97), '97%');
  });
});

describe('Tripp Lite scales', () => {
  it('multiply by the product\'s factors (3016: volts ×1e5, frequency ×0.01)', () => {
    const c = ctx({}, { tlIoVoltageScale: 100000, tlIoFrequencyScale: 0.01, tlBatteryScale: 0.1 });
    assert.equal(read('tlIoVolt', 1214 * 1e-6, c), '121.4');
    assert.equal(read('tlIoFreq', 6000, c), '60.0');
    assert.equal(read('tlBattVolt', 136, c), '13.6');
  });
});

describe('Eaton / MGE conversions', () => {
  it('publish battery.voltage from PowerSummary only for the families that mean it', () => {
    assert.equal(read('mgeBatteryVoltage', 27.3, ctx({}, { mgeType: MGE_TYPE.EATON_5P })), '27.3');
    assert.equal(read('mgeBatteryVoltage', 27.3, ctx({}, { mgeType: MGE_TYPE.DEFAULT })), null);
    assert.equal(read('mgeBatteryVoltageNominal', 24, ctx({}, { mgeType: MGE_TYPE.EATON_9E })), '24');
    assert.equal(read('mgeBatteryVoltageNominal', 24, ctx({}, { mgeType: MGE_TYPE.EVOLUTION_650 })), '12');
    assert.equal(read('mgeBatteryVoltageNominal', 24, ctx({}, { mgeType: MGE_TYPE.OFFLINE })), null);
  });

  it('compute ups.realpower from load, nominal VA and power factor', () => {
    assert.equal(read('eatonRealpower', -1, ctx({ 'ups.load': '50', 'ups.power.nominal': '1000' })), '400');
    assert.equal(read('eatonRealpower', -1, ctx({ 'ups.load': '50', 'ups.power.nominal': '1000', 'output.powerfactor': '0.90' })), '450');
    assert.equal(read('eatonRealpower', -1, ctx({ 'ups.load': '50' })), null);
  });

  it('keep CHRG/DISCHRG from PresentStatus only while ABM is off', () => {
    const c = ctx();
    assert.equal(read('eatonCharging', 1, c), 'chrg');
    assert.equal(read('eatonAbmEnabled', 1, c), null);
    assert.equal(c.vendor.mgeAbm, 1);
    assert.equal(read('eatonCharging', 1, c), '!chrg');
    assert.equal(read('eatonDischarging', 1, c), '!dischrg');
  });

  it('follow the ABM charger path the first time ABM is seen on', () => {
    const c = ctx({ 'battery.charger.status': 'old' });
    assert.equal(read('eatonAbmStatus', 1, c), null);
    assert.equal(c.vars.has('battery.charger.status'), false); // ABM off: the old value is dropped
    read('eatonAbmEnabled', 1, c);
    read('eatonAbmPathStatus', 2, c);
    read('eatonAbmPathMode', 3, c); // too late, the Status path was taken
    assert.equal(read('eatonAbmStatus', 2, c), 'floating');
    assert.equal(read('eatonAbmChrgDischrg', 4, c), 'dischrg');
    const m = ctx({}, { mgeAbm: 1, mgeAbmPath: 1 });
    assert.equal(read('eatonAbmStatus', 2, m), 'discharging');
    assert.equal(read('eatonAbmChrgDischrg', 3, m), 'chrg');
    assert.equal(read('eatonAbmChrgDischrg', 4, m), null); // resting
  });

  it('say online for Input.[1] Used only while the UPS is not off', () => {
    const c = ctx();
    assert.equal(read('eatonConverterOnline', 1, c), 'online');
    assert.equal(read('eatonConverterOnline', 0, c), '!online');
    c.statusFlags.add('off');
    assert.equal(read('eatonConverterOnline', 1, c), null);
  });

  it('offer only the nominal output voltages of the unit\'s range', () => {
    const lv = ctx({}, { mgeType: MGE_TYPE.DEFAULT });
    assert.equal(read('mgeNominalOutputVoltage', 120, lv), '120');
    assert.deepEqual(enumValues(conv('mgeNominalOutputVoltage'), lv), ['100', '110', '120', '127']);
    const hv = ctx({}, { mgeType: MGE_TYPE.DEFAULT });
    read('mgeNominalOutputVoltage', 230, hv);
    assert.deepEqual(enumValues(conv('mgeNominalOutputVoltage'), hv), ['200', '208', '220', '230', '240']);
    const offline = ctx({}, { mgeType: MGE_TYPE.OFFLINE });
    read('mgeNominalOutputVoltage', 230, offline);
    assert.deepEqual(enumValues(conv('mgeNominalOutputVoltage'), offline), ['220', '230', '240']);
  });

  it('gate the Protection Station threshold and yes/no words to models with ECO control', () => {
    assert.equal(read('pegasusThreshold', 25, ctx({}, { mgeType: MGE_TYPE.PEGASUS })), '25');
    assert.equal(read('pegasusThreshold', 25, ctx({}, { mgeType: MGE_TYPE.THREE_S })), '25');
    assert.equal(read('pegasusThreshold', 25, ctx({}, { mgeType: MGE_TYPE.DEFAULT })), null);
    assert.equal(read('pegasusYesNo', 0, ctx({}, { mgeType: MGE_TYPE.PEGASUS })), 'no');
    assert.equal(convertWrite(conv('pegasusYesNo'), 'yes', ctx({}, { mgeType: MGE_TYPE.PEGASUS })), 1);
  });

  it('report ECO mode only while the bypass is within its limits', () => {
    const ok = ctx({ 'input.bypass.voltage': '230', 'input.bypass.frequency': '50', 'output.voltage.nominal': '230', 'output.frequency.nominal': '50' });
    assert.equal(read('eatonEcoMode', 1, ok), 'ECO');
    assert.deepEqual(ok.words, ['vendor:mge-hid:ECO']);
    const out = ctx({ 'input.bypass.voltage': '190', 'input.bypass.frequency': '50', 'output.voltage.nominal': '230', 'output.frequency.nominal': '50' });
    assert.equal(read('eatonEcoMode', 1, out), null);
    assert.equal(out.vars.get('input.eco.switchable'), 'normal');
    assert.equal(read('eatonEcoMode', 0, ctx()), 'normal');
    assert.equal(read('eatonEcoMode', 2, ctx()), 'ESS');
    assert.equal(convertWrite(conv('eatonEcoMode'), 'ESS', ctx()), 2);
    assert.equal(convertWrite(conv('eatonEcoMode'), 'fast', ctx()), null);
  });

  it('allow the bypass only within its voltage and frequency limits', () => {
    const vars = { 'input.bypass.voltage': '230', 'input.bypass.frequency': '50', 'output.voltage.nominal': '230', 'output.frequency.nominal': '50' };
    assert.equal(read('eatonBypassOn', 0, ctx(vars)), 'disabled');
    assert.equal(read('eatonBypassOn', 1, ctx(vars)), 'on');
    const low = ctx({ ...vars, 'input.bypass.voltage': '150' });
    assert.equal(read('eatonBypassOn', 1, low), null);
    assert.equal(low.vars.get('input.bypass.switch.off'), 'off');
  });

  it('switch bypass off before leaving ECO for experimental.bypass.ecomode.stop', async () => {
    const c = ctx({ 'input.bypass.switch.off': 'disabled', 'input.eco.switchable': 'ECO' });
    assert.equal(await convertWrite(conv('eatonEcoAuto'), '0', c), 0);
    assert.deepEqual(c.setvars, [
      ['input.bypass.switch.off', 'off'],
      ['input.eco.switchable', 'normal'],
    ]);
  });

  it('record the country without publishing it', () => {
    const c = ctx();
    assert.equal(read('eatonCountry', 2, c), null);
    assert.equal(c.vendor.mgeCountry, 2);
  });

  it('convert power factor and battery capacity units', () => {
    assert.equal(read('mgePowerFactor', 90), '0.90');
    assert.equal(read('mgeBatteryCapacity', 32400), '9.00');
  });
});
