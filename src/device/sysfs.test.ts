// Enumeration and sysfs reading against a fake sysfs tree laid out as the kernel lays it out: a class/hidraw
// link into the device tree, the HID device with uevent and report_descriptor, and the USB device two levels up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { listHidrawNodes, parseHidUevent } from './sysfs.ts';
import { HidrawFinder, whyNotTheUps } from './hidraw.ts';

const FIXTURES = new URL('../../test/fixtures/ups/', import.meta.url);
const bk650 = JSON.parse(readFileSync(new URL('apc-back-ups-bk650m2-ch.json', FIXTURES), 'utf8'));
const cps = JSON.parse(readFileSync(new URL('cyberpower-ec850lcd.json', FIXTURES), 'utf8'));
// a boot keyboard: Generic Desktop (0x01) / Keyboard (0x06) application collection
const KEYBOARD = Buffer.from('05010906a101050719e029e71500250175019508810295017508810105081901290591029501750391010c', 'hex');
const KEYBOARD_END = Buffer.from('c0', 'hex');

let root: string;

interface FakeDevice {
  hidraw: string;
  usbPath: string; // e.g. "1-1"
  bus?: string;
  vendor: string;
  product: string;
  descriptor: Buffer;
  usb?: Record<string, string>;
  uniq?: string;
}

/** Builds /sys/devices/.../usbX/<port>/<port>:1.0/<bus>:<VID>:<PID>.0001/hidraw/hidrawN and the class link. */
function addDevice(d: FakeDevice): void {
  const usbDev = join(root, 'sys', 'devices', 'pci0000:00', '0000:00:14.0', 'usb1', d.usbPath);
  const hidDev = join(usbDev, `${d.usbPath}:1.0`, `${d.bus ?? '0003'}:${d.vendor.toUpperCase()}:${d.product.toUpperCase()}.0001`);
  mkdirSync(join(hidDev, 'hidraw', d.hidraw), { recursive: true });
  writeFileSync(join(hidDev, 'report_descriptor'), d.descriptor);
  writeFileSync(
    join(hidDev, 'uevent'),
    `DRIVER=hid-generic\nHID_ID=${d.bus ?? '0003'}:0000${d.vendor.toUpperCase()}:0000${d.product.toUpperCase()}\nHID_NAME=Test\nHID_PHYS=usb-0000:00:14.0-1/input0\nHID_UNIQ=${d.uniq ?? ''}\nMODALIAS=hid:b0003g0001v0000${d.vendor}p0000${d.product}\n`,
  );
  for (const [k, v] of Object.entries(d.usb ?? {})) writeFileSync(join(usbDev, k), `${v}\n`);
  const classDir = join(root, 'sys', 'class', 'hidraw', d.hidraw);
  mkdirSync(classDir, { recursive: true });
  // the kernel's class entry is itself a link; its `device` link is what walnut follows
  symlinkSync(relative(classDir, hidDev), join(classDir, 'device'));
}

before(() => {
  root = mkdtempSync(join(tmpdir(), 'walnut-sysfs-'));
  addDevice({ hidraw: 'hidraw0', usbPath: '1-2', vendor: '046d', product: 'c31c', descriptor: Buffer.concat([KEYBOARD, KEYBOARD_END]) });
  addDevice({
    hidraw: 'hidraw1',
    usbPath: '1-1',
    vendor: bk650.usb.vendorId,
    product: bk650.usb.productId,
    descriptor: Buffer.from(bk650.descriptor, 'hex'),
    usb: { idVendor: '051d', idProduct: '0002', bcdDevice: '0106', manufacturer: 'American Power Conversion', product: 'BK650M2-CH', serial: '9B2019A14274' },
  });
  addDevice({
    hidraw: 'hidraw10',
    usbPath: '1-3',
    vendor: '0764',
    product: '0501',
    descriptor: Buffer.from(cps.descriptor, 'hex'),
    usb: { product: 'EC850LCD' }, // no manufacturer or serial attribute: the USB device has none
    uniq: 'CPS-UNIQ-1',
  });
  // a Bluetooth HID device (bus 0005) is never a USB UPS
  addDevice({ hidraw: 'hidraw2', usbPath: '1-4', bus: '0005', vendor: '051d', product: '0002', descriptor: Buffer.from(bk650.descriptor, 'hex') });
  // a node whose device link is broken (unplugged while we look)
  mkdirSync(join(root, 'sys', 'class', 'hidraw', 'hidraw3'), { recursive: true });
  symlinkSync('../../../devices/gone', join(root, 'sys', 'class', 'hidraw', 'hidraw3', 'device'));
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

test('a uevent gives bus, vendor and product as 4 lower-case hex digits, the name and the unique id', () => {
  assert.deepEqual(parseHidUevent('DRIVER=hid-generic\nHID_ID=0003:0000051D:00000002\nHID_NAME=APC Back-UPS\nHID_UNIQ=9B20\n'), {
    bus: 3,
    vendorId: '051d',
    productId: '0002',
    name: 'APC Back-UPS',
    uniq: '9B20',
  });
  assert.equal(parseHidUevent('HID_NAME=x\n'), undefined);
  assert.equal(parseHidUevent('HID_ID=3:51D:2\n'), undefined);
  assert.equal(parseHidUevent(''), undefined);
});

test('listing finds every readable USB hidraw node in numeric order, with descriptor and USB strings', async () => {
  const nodes = await listHidrawNodes(join(root, 'sys'), '/dev');
  assert.deepEqual(
    nodes.map((n) => [n.name, n.devicePath, n.vendorId, n.productId]),
    [
      ['hidraw0', '/dev/hidraw0', '046d', 'c31c'],
      ['hidraw1', '/dev/hidraw1', '051d', '0002'],
      ['hidraw10', '/dev/hidraw10', '0764', '0501'],
    ],
  );
  const apc = nodes[1]!;
  assert.equal(apc.descriptor.toString('hex'), bk650.descriptor);
  assert.equal(apc.manufacturer, 'American Power Conversion');
  assert.equal(apc.product, 'BK650M2-CH');
  assert.equal(apc.serialNumber, '9B2019A14274');
  assert.equal(apc.release, 0x0106);
  const cp = nodes[2]!;
  assert.equal(cp.manufacturer, undefined);
  assert.equal(cp.serialNumber, 'CPS-UNIQ-1', 'HID_UNIQ stands in for a missing serial attribute');
});

test('a machine without the hidraw class lists nothing', async () => {
  assert.deepEqual(await listHidrawNodes(join(root, 'nowhere')), []);
});

test('only HID Power Devices are taken, and the configured vendor, product and serial narrow the choice', async () => {
  const [keyboard, apc, cp] = await listHidrawNodes(join(root, 'sys'));
  assert.match(whyNotTheUps(keyboard!, {})!, /not a HID Power Device/);
  assert.equal(whyNotTheUps(apc!, {}), undefined);
  assert.equal(whyNotTheUps(cp!, {}), undefined);
  assert.match(whyNotTheUps(apc!, { vendorId: '0764' })!, /vendor 051d is not 0764/);
  assert.match(whyNotTheUps(apc!, { productId: '0003' })!, /product 0002 is not 0003/);
  assert.match(whyNotTheUps(apc!, { serial: 'OTHER' })!, /serial 9B2019A14274 is not OTHER/);
  assert.match(whyNotTheUps({ ...apc!, descriptor: Buffer.from('05', 'hex') }, {})!, /not a HID Power Device/);
});

test('the finder offers the UPSes in order and names each skipped node once', async () => {
  const finder = new HidrawFinder({ sysfsRoot: join(root, 'sys'), devRoot: '/dev' });
  assert.deepEqual((await finder.candidates()).map((n) => n.name), ['hidraw1', 'hidraw10']);
  const cyberpower = new HidrawFinder({ sysfsRoot: join(root, 'sys'), vendorId: '0764' });
  assert.deepEqual((await cyberpower.candidates()).map((n) => n.devicePath), ['/dev/hidraw10']);
  const none = new HidrawFinder({ sysfsRoot: join(root, 'sys'), serial: 'NOT-HERE' });
  assert.deepEqual(await none.candidates(), []);
  assert.equal(await none.find(), undefined, 'no candidate: nothing is opened');
});
