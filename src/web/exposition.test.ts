import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeHelp, escapeLabelValue, formatValue, labelName, metricName, writeExposition } from './exposition.ts';

test('a gauge is written as HELP, TYPE and one line per sample, ending in a newline', () => {
  const text = writeExposition([
    { name: 'x_volts', help: 'Volts', type: 'gauge', samples: [{ value: 230.5 }] },
    { name: 'y', help: 'Flags', type: 'gauge', samples: [{ labels: { flag: 'OL' }, value: 1 }, { labels: { flag: 'OB' }, value: 0 }] },
  ]);
  assert.equal(
    text,
    '# HELP x_volts Volts\n# TYPE x_volts gauge\nx_volts 230.5\n# HELP y Flags\n# TYPE y gauge\ny{flag="OL"} 1\ny{flag="OB"} 0\n',
  );
});

test('label values escape backslash, double quote and newline, and nothing else', () => {
  assert.equal(escapeLabelValue('a\\b"c\nd\te{}=,'), 'a\\\\b\\"c\\nd\te{}=,');
  const text = writeExposition([{ name: 'm', help: 'h', type: 'gauge', samples: [{ labels: { model: 'Back-UPS "RS"\\1000\n' }, value: 1 }] }]);
  assert.match(text, /^m\{model="Back-UPS \\"RS\\"\\\\1000\\n"\} 1$/m);
});

test('HELP text escapes backslash and newline but keeps a double quote as it is', () => {
  assert.equal(escapeHelp('say "hi"\\\nbye'), 'say "hi"\\\\\\nbye');
  assert.match(writeExposition([{ name: 'm', help: 'two\nlines', type: 'gauge', samples: [{ value: 1 }] }]), /^# HELP m two\\nlines$/m);
});

test('metric names keep letters, digits, underscore and colon; anything else becomes an underscore', () => {
  assert.equal(metricName('network_ups_tools_battery.charge-low'), 'network_ups_tools_battery_charge_low');
  assert.equal(metricName('a:b'), 'a:b');
  assert.equal(metricName('9lives'), '_9lives');
  assert.equal(metricName('é'), '_');
  assert.equal(metricName(''), '_');
});

test('label names lose the colon too, and a leading digit gets an underscore', () => {
  assert.equal(labelName('a:b-c'), 'a_b_c');
  assert.equal(labelName('1x'), '_1x');
  assert.match(writeExposition([{ name: 'm', help: 'h', type: 'gauge', samples: [{ labels: { 'a.b': 'v' }, value: 1 }] }]), /^m\{a_b="v"\} 1$/m);
});

test('a counter is named with _total, added when the caller left it out', () => {
  const text = writeExposition([
    { name: 'walnut_requests', help: 'h', type: 'counter', samples: [{ value: 3 }] },
    { name: 'walnut_errors_total', help: 'h', type: 'counter', samples: [{ value: 0 }] },
  ]);
  assert.match(text, /^# TYPE walnut_requests_total counter\nwalnut_requests_total 3$/m);
  assert.match(text, /^# TYPE walnut_errors_total counter\nwalnut_errors_total 0$/m);
});

test('a family given twice is written once, with the samples of both under the first HELP', () => {
  const text = writeExposition([
    { name: 'm', help: 'first', type: 'gauge', samples: [{ labels: { a: '1' }, value: 1 }] },
    { name: 'other', help: 'o', type: 'gauge', samples: [{ value: 5 }] },
    { name: 'm', help: 'second', type: 'gauge', samples: [{ labels: { a: '2' }, value: 2 }] },
  ]);
  assert.equal(text.match(/# HELP m /g)?.length, 1);
  assert.equal(text.match(/# TYPE m /g)?.length, 1);
  assert.match(text, /^# HELP m first\n# TYPE m gauge\nm\{a="1"\} 1\nm\{a="2"\} 2\n# HELP other/);
});

test('names that sanitise alike are one family too', () => {
  const text = writeExposition([
    { name: 'a.b', help: 'h', type: 'gauge', samples: [{ labels: { k: 'x' }, value: 1 }] },
    { name: 'a-b', help: 'h', type: 'gauge', samples: [{ labels: { k: 'y' }, value: 2 }] },
  ]);
  assert.equal(text, '# HELP a_b h\n# TYPE a_b gauge\na_b{k="x"} 1\na_b{k="y"} 2\n');
});

test('a second sample for the same series is dropped, so each series has one value', () => {
  const text = writeExposition([
    { name: 'm', help: 'h', type: 'gauge', samples: [{ value: 1 }] },
    { name: 'm', help: 'h', type: 'gauge', samples: [{ value: 2 }] },
  ]);
  assert.equal(text, '# HELP m h\n# TYPE m gauge\nm 1\n');
});

test('one name given as two types is a caller bug and throws', () => {
  assert.throws(
    () =>
      writeExposition([
        { name: 'm', help: 'h', type: 'gauge', samples: [{ value: 1 }] },
        { name: 'm', help: 'h', type: 'untyped', samples: [{ value: 1 }] },
      ]),
    TypeError,
  );
});

test('a family without samples is left out, and no families give empty text', () => {
  assert.equal(writeExposition([{ name: 'm', help: 'h', type: 'gauge', samples: [] }]), '');
  assert.equal(writeExposition([]), '');
});

test('values are written as Prometheus parses them, with NaN and the infinities spelled its way', () => {
  assert.equal(formatValue(0), '0');
  assert.equal(formatValue(-1), '-1');
  assert.equal(formatValue(13.5), '13.5');
  assert.equal(formatValue(1e21), '1e+21');
  assert.equal(formatValue(NaN), 'NaN');
  assert.equal(formatValue(Infinity), '+Inf');
  assert.equal(formatValue(-Infinity), '-Inf');
});
