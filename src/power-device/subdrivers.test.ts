import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MGE_TYPE, newVendorState } from './conversions.ts';
import { mgeModelName } from './mge-models.ts';
import { apcLbRbBlipModel, selectSubdriver, splitApcProduct, SUBDRIVERS, UnsupportedDeviceError } from './subdrivers.ts';
import type { DeviceInfo, IdentityProbe } from './subdrivers.ts';

function dev(vendorId: number, productId: number, strings: Partial<DeviceInfo> = {}): DeviceInfo {
  return { vendorId, productId, manufacturer: undefined, product: undefined, serial: undefined, ...strings };
}

function pick(d: DeviceInfo, options = {}): string {
  return selectSubdriver(d, newVendorState(), options).subdriver.id;
}

const NO_PROBE: IdentityProbe = { value: async () => undefined, itemString: async () => '' };

describe('subdriver selection by USB IDs', () => {
  it('chooses APC, CyberPower, Eaton/MGE and Tripp Lite for their IDs', () => {
    assert.equal(pick(dev(0x051d, 0x0002)), 'apc');
    assert.equal(pick(dev(0x0764, 0x0501)), 'cps');
    assert.equal(pick(dev(0x0483, 0xa430)), 'cps');
    assert.equal(pick(dev(0x0463, 0xffff)), 'mge');
    assert.equal(pick(dev(0x047c, 0xffff)), 'mge');
    assert.equal(pick(dev(0x09ae, 0x3016)), 'tripplite');
    assert.equal(pick(dev(0x03f0, 0x1fe5)), 'mge');
    assert.equal(pick(dev(0x03f0, 0x1fe0)), 'tripplite');
    assert.equal(pick(dev(0x05dd, 0xa011)), 'tripplite');
  });

  it('takes an unknown product of a known vendor only with an explicit product ID', () => {
    assert.throws(() => pick(dev(0x051d, 0x0099)), (e: unknown) => e instanceof UnsupportedDeviceError && e.possiblySupported);
    assert.equal(pick(dev(0x051d, 0x0099), { acceptUnknownProduct: true }), 'apc');
  });

  it('never takes Tripp Lite 0001, which speaks a serial protocol, and stays quiet about HP/Dell', () => {
    assert.throws(() => pick(dev(0x09ae, 0x0001), { acceptUnknownProduct: true }), UnsupportedDeviceError);
    assert.throws(() => pick(dev(0x03f0, 0x1234)), (e: unknown) => e instanceof UnsupportedDeviceError && !e.possiblySupported);
  });

  it('takes 06da only for AEG devices and 09d6 only for KSTAR ones', () => {
    assert.throws(() => pick(dev(0x06da, 0xffff)), UnsupportedDeviceError);
    assert.equal(pick(dev(0x06da, 0xffff, { product: 'AEG PROTECT NAS' })), 'mge');
    assert.equal(pick(dev(0x09d6, 0x0001, { manufacturer: 'KSTAR' })), 'mge');
    assert.throws(() => pick(dev(0x09d6, 0x0001)), UnsupportedDeviceError);
  });

  it('uses the explore subdriver or a named one when asked', () => {
    assert.equal(pick(dev(0x1234, 0x5678), { explore: true }), 'explore');
    assert.equal(pick(dev(0x051d, 0x0002), { subdriver: 'mge' }), 'mge');
  });

  it('refuses a device nobody knows', () => {
    assert.throws(() => pick(dev(0x1234, 0x5678)), UnsupportedDeviceError);
  });
});

describe('per-product tweaks', () => {
  it('turns the interrupt pipe off for APC 0003 and 0004', () => {
    assert.equal(selectSubdriver(dev(0x051d, 0x0003), newVendorState()).tweaks.useInterruptPipe, false);
    assert.equal(selectSubdriver(dev(0x051d, 0x0004), newVendorState()).tweaks.useInterruptPipe, false);
    assert.equal(selectSubdriver(dev(0x051d, 0x0002), newVendorState()).tweaks.useInterruptPipe, true);
  });

  it('asks for bigger reports from Back-UPS ES 525 and CS models', () => {
    const t = (product: string): boolean => selectSubdriver(dev(0x051d, 0x0002, { product }), newVendorState()).tweaks.maxReportSize;
    assert.equal(t('Back-UPS CS 650 FW:817.v4.I USB FW:v4'), true);
    assert.equal(t('Back-UPS ES 525 FW:...'), true);
    assert.equal(t('Back-UPS ES 700'), false);
  });

  it('arms the CyberPower 0501 voltage and frequency detection', () => {
    const v = newVendorState();
    selectSubdriver(dev(0x0764, 0x0501), v);
    assert.equal(v.cpsMightNeedBatteryScale, true);
    assert.equal(v.cpsMightNeedFrequencyScale, true);
    const w = newVendorState();
    selectSubdriver(dev(0x0764, 0x0601), w);
    assert.equal(w.cpsMightNeedBatteryScale, false);
  });

  it('sets the Tripp Lite scale factors by product', () => {
    const v = newVendorState();
    selectSubdriver(dev(0x09ae, 0x3016), v);
    assert.deepEqual([v.tlBatteryScale, v.tlIoVoltageScale, v.tlIoFrequencyScale, v.tlIoCurrentScale], [100000, 100000, 0.01, 0.01]);
    const w = newVendorState();
    selectSubdriver(dev(0x09ae, 0x2005), w);
    assert.equal(w.tlBatteryScale, 0.1);
  });

  it('polls CyberPower fully every 12 s and the others every 30 s', () => {
    for (const s of SUBDRIVERS) assert.equal(s.fullPollMs, s.id === 'cps' ? 12_000 : 30_000);
  });
});

describe('identity from USB strings', () => {
  it('splits an APC product string into model and firmware versions', () => {
    assert.deepEqual(splitApcProduct('Back-UPS 500 FW: 6.5.I USB FW: c1 '), { model: 'Back-UPS 500', firmware: ' 6.5.I', firmwareAux: ' c1 ' });
    assert.deepEqual(splitApcProduct('Back-UPS RS 1000G FW:869.L3 .I'), { model: 'Back-UPS RS 1000G', firmware: '869.L3 .I' });
    assert.deepEqual(splitApcProduct('BK650M2-CH'), { model: 'BK650M2-CH' });
    assert.deepEqual(splitApcProduct(undefined), { model: 'unknown' });
  });

  it('defaults the manufacturer to APC, CPS or Eaton, and leaves Tripp Lite\'s empty', async () => {
    const id = async (d: DeviceInfo): Promise<unknown> => {
      const sel = selectSubdriver(d, newVendorState());
      return (await sel.subdriver.identify(d, NO_PROBE, newVendorState())).mfr;
    };
    assert.equal(await id(dev(0x051d, 0x0002)), 'APC');
    assert.equal(await id(dev(0x0764, 0x0601)), 'CPS');
    assert.equal(await id(dev(0x0463, 0xffff)), 'Eaton');
    assert.equal(await id(dev(0x09ae, 0x3016)), undefined);
    assert.equal(await id(dev(0x051d, 0x0002, { manufacturer: 'American Power Conversion ' })), 'American Power Conversion ');
  });

  it('names Eaton models from iProduct and iModel, and sets the family that gates battery voltages', async () => {
    const mge = SUBDRIVERS.find((s) => s.id === 'mge')!;
    const vendor = newVendorState();
    const probe: IdentityProbe = { value: async () => undefined, itemString: async () => '1550' };
    const id = await mge.identify(dev(0x0463, 0xffff, { product: 'Eaton 5P' }), probe, vendor);
    assert.equal(id.model, '5P 1550');
    assert.equal(vendor.mgeType, MGE_TYPE.EATON_5P);
  });

  it('falls back to the nominal VA for Eaton units without iModel, and to no model at all', async () => {
    const mge = SUBDRIVERS.find((s) => s.id === 'mge')!;
    const vendor = newVendorState();
    const probe: IdentityProbe = { value: async () => 2000, itemString: async () => '' };
    assert.equal((await mge.identify(dev(0x0463, 0xffff), probe, vendor)).model, '9E2000i (presumed)');
    assert.equal(vendor.mgeType, MGE_TYPE.EATON_9E);
    assert.equal((await mge.identify(dev(0x0463, 0xffff), NO_PROBE, newVendorState())).model, undefined);
  });

  it('joins unknown Eaton product and model names', () => {
    assert.deepEqual(mgeModelName('Ellipse PRO', '650'), { type: undefined, name: 'Ellipse PRO 650' });
    assert.equal(mgeModelName('Ellipse PRO', '1200 ').name, 'Eaton 5S1200');
    assert.equal(mgeModelName('Protection Station', '500').type, MGE_TYPE.PEGASUS);
  });

  it('recognises the APC models that blip LB/RB while calibrating', () => {
    const apc = (product: string, manufacturer = 'American Power Conversion'): boolean => apcLbRbBlipModel(dev(0x051d, 2, { product, manufacturer }));
    assert.equal(apc('BK650M2-CH'), true);
    assert.equal(apc('Back-UPS BK650M2_CH'), true);
    assert.equal(apc('Back-UPS BX1600MI'), true);
    assert.equal(apc('BVK750M2', 'APC'), true);
    assert.equal(apc('Back-UPS 500 FW: 6.5.I USB FW: c1 '), false);
    assert.equal(apc('BK650M2-CH', 'Someone Else'), false);
  });
});
