// Unit tests for src/util/numbers.ts. Expected values were captured from a real Redis 7.0.15 (x86-64, glibc):
// INCRBYFLOAT replies, ZADD+ZSCORE replies (skiplist encoding), and util.c's own string2ll tests.
// Run: node --test src/util/numbers.test.ts

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addLongDouble,
  ceilToLongLong,
  mulLongDouble,
  formatDouble,
  formatInt,
  formatLongDouble,
  incrByFloat,
  parseDoubleArg,
  parseStrtod,
  parseInt64,
  parseLongDouble,
  parseSafeInt,
} from './numbers.ts';

const B = (s: string): Buffer => Buffer.from(s, 'latin1');

test('parseInt64 follows string2ll exactly', () => {
  const cases: [string, bigint | null][] = [
    ['0', 0n],
    ['1', 1n],
    ['-1', -1n],
    ['99', 99n],
    ['-99', -99n],
    ['9223372036854775807', 9223372036854775807n],
    ['-9223372036854775808', -9223372036854775808n],
    ['9223372036854775808', null],
    ['-9223372036854775809', null],
    ['18446744073709551616', null],
    ['99999999999999999999', null],
    ['123456789012345678901', null],
    ['9007199254740993', 9007199254740993n],
    ['-9007199254740993', -9007199254740993n],
    ['12345678901234567', 12345678901234567n],
    ['+1', null],
    [' 1', null],
    ['1 ', null],
    ['01', null],
    ['00', null],
    ['-0', null],
    ['-01', null],
    ['-', null],
    ['', null],
    ['1.0', null],
    ['1e3', null],
    ['0x10', null],
    ['1\x00', null],
    ['0000000000000000001', null],
  ];
  for (const [s, want] of cases) assert.equal(parseInt64(B(s)), want, JSON.stringify(s));
});

test('parseSafeInt returns numbers only for safe string2ll integers', () => {
  assert.equal(parseSafeInt(B('0')), 0);
  assert.equal(parseSafeInt(B('-42')), -42);
  assert.equal(parseSafeInt(B('9007199254740991')), 9007199254740991);
  assert.equal(parseSafeInt(B('-9007199254740991')), -9007199254740991);
  assert.equal(parseSafeInt(B('9007199254740992')), null); // valid int64, not safe -> caller uses parseInt64
  assert.equal(parseSafeInt(B('9999999999999999')), null);
  assert.equal(parseSafeInt(B('12345678901234567')), null);
  for (const s of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1a', 'a', '1.5']) assert.equal(parseSafeInt(B(s)), null, s);
  // Agreement with parseInt64 on every valid safe value.
  for (const v of [1, 7, 10, 123456, 2 ** 31, 2 ** 32 + 1, 2 ** 53 - 1]) {
    for (const x of [v, -v]) assert.equal(BigInt(parseSafeInt(B(String(x)))!), parseInt64(B(String(x))));
  }
});

test('formatInt', () => {
  assert.equal(formatInt(0), '0');
  assert.equal(formatInt(-0), '0');
  assert.equal(formatInt(-12), '-12');
  assert.equal(formatInt(-9223372036854775808n), '-9223372036854775808');
});

// [ZADD score argument, ZSCORE reply or '!notfloat'] from Redis 7.0.15 (skiplist-encoded zset).
const DOUBLE_VECTORS: [string, string][] = [
  ['0.1', '0.10000000000000001'],
  ['-0', '-0'],
  ['0', '0'],
  ['1', '1'],
  ['-1', '-1'],
  ['0x1p3', '8'],
  ['0x1p-1074', '4.9406564584124654e-324'],
  ['2.9802322387695312500e-08', '2.9802322387695312e-08'], // exact tie at the 18th digit: half-even
  ['1e20', '1e+20'],
  ['1e-5', '1.0000000000000001e-05'],
  ['0.0001', '0.0001'],
  ['1e16', '10000000000000000'],
  ['1e17', '1e+17'],
  ['123456789012345678', '1.2345678901234568e+17'],
  ['+inf', 'inf'],
  ['-INFINITY', '-inf'],
  ['inf', 'inf'],
  ['iNfInItY', 'inf'],
  ['infin', '!notfloat'],
  ['nan', '!notfloat'],
  ['-nan', '!notfloat'],
  ['nan(1)', '!notfloat'],
  ['1e400', '!notfloat'],
  ['-1e400', '!notfloat'],
  ['1e-400', '!notfloat'],
  ['4e-324', '4.9406564584124654e-324'],
  ['2e-324', '!notfloat'],
  ['2.4703282292062328e-324', '4.9406564584124654e-324'],
  ['0e99999999999', '0'],
  [' 1', '!notfloat'],
  ['1 ', '!notfloat'],
  ['', '!notfloat'],
  ['+.5', '0.5'],
  ['5.', '5'],
  ['.', '!notfloat'],
  ['0x', '!notfloat'],
  ['0x1p', '!notfloat'],
  ['0x.8', '0.5'],
  ['0x1.', '1'],
  ['1\u0000', '!notfloat'],
  ['1_0', '!notfloat'],
  ['1e+5', '100000'],
  ['1E5', '100000'],
  ['-0x1P+2', '-4'],
  ['1.7976931348623157e308', '1.7976931348623157e+308'],
  ['1.7976931348623159e308', '!notfloat'],
  ['1.7976931348623158e308', '1.7976931348623157e+308'],
  ['00012', '12'],
  ['3.14159', '3.1415899999999999'],
  ['1.5e-7', '1.4999999999999999e-07'],
  ['123456789.25', '123456789.25'],
  ['4503599627370497', '4503599627370497'],
  ['9007199254740993', '9007199254740992'],
  ['72057594037927936', '72057594037927936'],
  ['-1.2345678901234567e-300', '-1.2345678901234568e-300'],
  ['2.2250738585072014e-308', '2.2250738585072014e-308'],
  ['0x1.fffffffffffff8p0', '2'],
  ['100', '100'],
  ['1e15', '1000000000000000'],
  ['99999999999999999', '1e+17'],
  ['0.000123456789012345678', '0.00012345678901234567'],
];

test('parseDoubleArg + formatDouble match ZADD/ZSCORE', () => {
  for (const [arg, reply] of DOUBLE_VECTORS) {
    const v = parseDoubleArg(B(arg));
    if (reply === '!notfloat') {
      assert.equal(v, null, JSON.stringify(arg));
    } else {
      assert.notEqual(v, null, JSON.stringify(arg));
      assert.equal(formatDouble(v!), reply, JSON.stringify(arg));
    }
  }
});

test('parseDoubleArg details', () => {
  assert.ok(Object.is(parseDoubleArg(B('-0')), -0));
  assert.ok(Object.is(parseDoubleArg(B('-0x0p5')), -0));
  assert.equal(parseDoubleArg(B('-.5e-3')), -0.0005);
  assert.equal(parseDoubleArg(B('0x10')), 16);
  assert.equal(parseDoubleArg(B('0x1.8p1')), 3);
  assert.equal(parseDoubleArg(B('0x1p-1075')), null); // rounds to 0 -> ERANGE
  assert.equal(parseDoubleArg(B('0x1.1p-1075')), 5e-324);
  assert.equal(parseDoubleArg(B('0x1p1024')), null);
  assert.equal(parseDoubleArg(B('1e99999999999999999999')), null);
  assert.equal(parseDoubleArg(B('0.' + '0'.repeat(400) + '1e400')), 0.1);
  for (const s of ['-', '+', '1e', '1e+', 'e5', '1.2.3', '0x1p+', '0xg', '1f', '1d', '\t1', '\n1', '1\n', 'Inf1', 'infinityy', '++1', '--1', '0b1', '1 2']) {
    assert.equal(parseDoubleArg(B(s)), null, JSON.stringify(s));
  }
});

test('parseStrtod: strtod with ERANGE ignored (zset range bounds)', () => {
  assert.equal(parseStrtod(B('1e999')), Infinity);
  assert.equal(parseStrtod(B('-1e999')), -Infinity);
  assert.equal(parseStrtod(B('0x1p1024')), Infinity);
  assert.ok(Object.is(parseStrtod(B('-1e-999')), -0));
  assert.equal(parseStrtod(B('0x1p-1075')), 0);
  assert.equal(parseStrtod(B('0x1.1p-1075')), 5e-324);
  assert.equal(parseStrtod(B('1e-320')), 1e-320);
  assert.equal(parseStrtod(B('-inf')), -Infinity);
  assert.equal(parseStrtod(B('+Infinity')), Infinity);
  assert.equal(parseStrtod(B('1.5')), 1.5);
  assert.equal(parseStrtod(B('.5')), 0.5);
  assert.equal(parseStrtod(B('0x10')), 16);
  for (const s of ['', ' 1', '1 ', 'nan', '-nan', 'nan(1)', '1e', '0x', '.', 'infinit', '1.2.3', '(1']) {
    assert.equal(parseStrtod(B(s)), null, JSON.stringify(s));
  }
});

test('formatDouble is %.17g', () => {
  assert.equal(formatDouble(0), '0');
  assert.equal(formatDouble(-0), '-0');
  assert.equal(formatDouble(Infinity), 'inf');
  assert.equal(formatDouble(-Infinity), '-inf');
  assert.equal(formatDouble(NaN), 'nan');
  assert.equal(formatDouble(1.5), '1.5');
  assert.equal(formatDouble(-2.5), '-2.5');
  assert.equal(formatDouble(0.1 + 0.2), '0.30000000000000004');
  assert.equal(formatDouble(1e-4), '0.0001');
  assert.equal(formatDouble(1e-5), '1.0000000000000001e-05');
  assert.equal(formatDouble(2 ** 53), '9007199254740992');
  assert.equal(formatDouble(2 ** 56), '72057594037927936');
  assert.equal(formatDouble(2 ** 60), '1.152921504606847e+18');
  assert.equal(formatDouble(1e100), '1e+100');
  assert.equal(formatDouble(1.7976931348623157e308), '1.7976931348623157e+308');
  assert.equal(formatDouble(5e-324), '4.9406564584124654e-324');
  assert.equal(formatDouble(-(2 ** -25)), '-2.9802322387695312e-08'); // tie, half-even
  assert.equal(formatDouble(2 ** -18), '3.814697265625e-06');
  assert.equal(formatDouble(123.456), '123.456');
  assert.equal(formatDouble(1 / 3), '0.33333333333333331');
  // %.17g output always round-trips.
  for (let i = 0; i < 2000; i++) {
    const d = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
    assert.equal(Number(formatDouble(d)), d);
  }
});

// [current value (null = missing key), INCRBYFLOAT argument, reply or '!notfloat' / '!nan'] from Redis 7.0.15.
const INCR_VECTORS: [string | null, string, string][] = [
  ['10.5', '0.1', '10.6'],
  ['3.0e3', '200', '3200'],
  ['5.0e3', '0', '5000'],
  ['1.5', '-1.5', '0'],
  [null, '0.1', '0.1'],
  [null, '1e-20', '0'],
  [null, '-1e-20', '0'],
  ['0.1', '0.2', '0.3'],
  ['0.30000000000000001', '0.1', '0.40000000000000001'],
  ['1', '-0.9', '0.1'],
  [null, '-0', '0'],
  ['-0', '-0', '0'],
  [null, '1.23456789012345678901234567890', '1.23456789012345679'],
  [null, '0x1p-18', '0.00000381469726562'], // exact tie in %.17Lf: half-even (down)
  [null, '0x3p-18', '0.00001144409179688'], // exact tie in %.17Lf: half-even (up)
  [null, '0x1p3', '8'],
  [null, '0X1.8P+1', '3'],
  [null, '0x.8', '0.5'],
  [null, '0x1p', '!notfloat'],
  [null, '0x', '!notfloat'],
  [null, '0x1.', '1'],
  ['10', '5', '15'],
  [null, 'inf', '!nan'],
  [null, '-inf', '!nan'],
  [null, '+inf', '!nan'],
  [null, 'Infinity', '!nan'],
  [null, 'nan', '!notfloat'],
  [null, 'NaN', '!notfloat'],
  ['inf', '1', '!nan'],
  ['inf', '-inf', '!nan'],
  ['abc', '1', '!notfloat'],
  ['abc', 'inf', '!notfloat'],
  [null, '', '!notfloat'],
  [null, ' 1', '!notfloat'],
  [null, '1 ', '!notfloat'],
  [null, '1e', '!notfloat'],
  [null, '1e+', '!notfloat'],
  [null, '.5', '0.5'],
  [null, '5.', '5'],
  [null, '-.5', '-0.5'],
  [null, '+.5', '0.5'],
  [null, '.', '!notfloat'],
  [null, '-', '!notfloat'],
  [null, '+1', '1'],
  [null, '1e4933', '!notfloat'],
  ['1.18973149535723176502e4932', '1.18973149535723176502e4932', '!nan'],
  [null, '-1e4933', '!notfloat'],
  [null, '1e-4950', '0'], // a denormal long double: accepted, prints as 0
  [null, '1e-4951', '!notfloat'], // rounds to zero: ERANGE
  [null, '1e-5000', '!notfloat'],
  [null, '0e-5000', '0'],
  [null, '0e99999', '0'],
  [null, '00012', '12'],
  [null, '9223372036854775807', '9223372036854775807'],
  ['9223372036854775807', '1', '9223372036854775808'],
  [null, '18446744073709551615', '18446744073709551615'],
  [null, '18446744073709551617', '18446744073709551616'],
  [null, '36893488147419103233', '36893488147419103232'],
  ['9007199254740993', '0', '9007199254740993'],
  ['9007199254740991', '1', '9007199254740992'],
  ['-9007199254740991', '-2', '-9007199254740993'],
  [null, '1_000', '!notfloat'],
  [null, '1,5', '!notfloat'],
  [null, '\t1', '!notfloat'],
  [null, '1\u0000', '!notfloat'],
  ['1\u0000', '1', '!notfloat'],
  [null, '3.14159265358979323846264338327950288', '3.14159265358979324'],
  ['3.0', '-3', '0'],
  [null, '-1e-18', '0'],
  [null, '123456789.123456789', '123456789.12345678899873747'],
  [null, '1e17', '100000000000000000'],
  [null, '1e18', '1000000000000000000'],
  [null, '1e19', '10000000000000000000'],
  [null, '1e20', '100000000000000000000'],
  [null, '1e21', '1000000000000000000000'],
  ['17179869184', '0.0000001', '17179869184.00000010058283806'],
  [null, '2.5e-17', '0.00000000000000002'],
  [null, '7.5e-17', '0.00000000000000007'],
  [null, '1.' + '0'.repeat(5117), '1'], // length 5119: accepted
  [null, '1.' + '0'.repeat(5118), '!notfloat'], // length 5120: rejected (MAX_LONG_DOUBLE_CHARS)
  [
    null,
    '1e300',
    '1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144',
  ],
  [
    '1e300',
    '1e-20',
    '1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144',
  ],
];

function incrReply(cur: string | null, inc: string): string {
  const r = incrByFloat(cur === null ? null : B(cur), B(inc));
  return r.ok ? r.value : '!' + r.error;
}

test('incrByFloat matches Redis INCRBYFLOAT (x87 long double)', () => {
  for (const [cur, inc, reply] of INCR_VECTORS) {
    assert.equal(incrReply(cur, inc), reply, JSON.stringify([cur, inc.length > 40 ? inc.slice(0, 40) + '...' : inc]));
  }
});

test('incrByFloat at the long double extremes', () => {
  // LDBL_MAX prints exactly as (2^64-1) * 2^16320 (checked against Redis).
  assert.equal(incrReply(null, '1.18973149535723176502e4932'), (((1n << 64n) - 1n) << 16320n).toString());
  const big = incrReply(null, '1e4932');
  assert.equal(big.length, 4933);
  assert.ok(big.startsWith('100000000000000000000601894938796389132383777425453311477378504135253301948660872240753'));
  assert.ok(big.endsWith('741783354728589350876379371163141086538418113791886622720'));
});

test('incrByFloat chains like repeated INCRBYFLOAT calls', () => {
  // Each step re-parses the previous reply string, exactly as Redis stores it.
  let v: string | null = null;
  for (let i = 0; i < 10; i++) {
    const r = incrByFloat(v === null ? null : B(v), B('0.1'));
    assert.ok(r.ok);
    v = r.value;
  }
  assert.equal(v, '1');
  const r = incrByFloat(B('1'), B('-1.0000000000000000001'));
  assert.deepEqual(r, { ok: true, value: '0' });
});

test('long double primitives (for HINCRBYFLOAT)', () => {
  const a = parseLongDouble(B('10.5'))!;
  const b = parseLongDouble(B('0.1'))!;
  assert.equal(formatLongDouble(addLongDouble(a, b)), '10.6');
  assert.equal(parseLongDouble(B('nan')), null);
  assert.equal(parseLongDouble(B('')), null);
  const inf = parseLongDouble(B('-inf'))!;
  assert.equal(inf.kind, 'inf');
  assert.equal(formatLongDouble(inf), '-inf');
  assert.equal(addLongDouble(inf, parseLongDouble(B('inf'))!).kind, 'nan');
  const one = parseLongDouble(B('1'))!;
  const tiny = parseLongDouble(B('1e-30'))!;
  assert.equal(formatLongDouble(addLongDouble(one, tiny)), '1');
  assert.equal(formatLongDouble(parseLongDouble(B('-1e-30'))!), '0');
  assert.equal(formatLongDouble(parseLongDouble(B('-0.000000000000000015'))!), '-0.00000000000000002');
  // 2^64 + 1 is not representable with a 64-bit mantissa: ties-to-even drops the 1.
  assert.equal(formatLongDouble(parseLongDouble(B('18446744073709551617'))!), '18446744073709551616');
  assert.equal(formatLongDouble(parseLongDouble(B('18446744073709551619'))!), '18446744073709551620');
});

test('(long long) ceill(seconds * 1000) in long double (blocking timeouts)', () => {
  const ms = (t: string): bigint => ceilToLongLong(mulLongDouble(parseLongDouble(B(t))!, 1000n));
  const LLONG_MIN = -9223372036854775808n;
  assert.equal(ms('1'), 1000n);
  assert.equal(ms('0.0001'), 1n);
  assert.equal(ms('1e-400'), 1n); // below double's range, not long double's
  assert.equal(ms('0'), 0n);
  assert.equal(ms('-1e-20'), 0n); // ceill gives -0
  // -0.001 is stored just above -1/1000 (64-bit mantissa), and the product rounds above -1.
  assert.equal(ms('-0.001'), 0n);
  assert.equal(ms('-0.0010000001'), -1n);
  assert.equal(ms('-0.0011'), -1n);
  // 9223372036854775.807 is 9223372036854775.806640625 as a long double; * 1000 rounds to a multiple
  // of 1/2 there (...806.5), which ceils to LLONG_MAX. .808 gives ...807.5, which ceils to 2^63.
  assert.equal(ms('9223372036854775.807'), 9223372036854775807n);
  assert.equal(ms('9223372036854775.808'), LLONG_MIN); // 2^63 does not fit
  assert.equal(ms('9223372036854775'), 9223372036854775000n);
  assert.equal(ms('-9223372036854775.808'), -9223372036854775807n); // ceil(-...807.5)
  assert.equal(ms('-9223372036854775.809'), -9223372036854775808n);
  assert.equal(ms('-9223372036854775.81'), -9223372036854775808n);
  assert.equal(ms('-9223372036854775.811'), LLONG_MIN);
  assert.equal(ms('-1e19'), LLONG_MIN);
  assert.equal(ms('inf'), LLONG_MIN);
  assert.equal(ms('-inf'), LLONG_MIN);
  assert.equal(ms('1e4932'), LLONG_MIN); // the product overflows to inf
  assert.equal(ms('0x10'), 16000n);
});

test('printfFixed is glibc printf %.Nf (exact value, ties to even); longDoubleOf widens exactly', async () => {
  const { printfFixed, longDoubleOf, formatLongDouble } = await import('./numbers.ts');
  assert.equal(printfFixed(0.0078125, 6), '0.007812');
  assert.equal(printfFixed(0.0078135, 6), '0.007813');
  assert.equal(printfFixed(2.5, 0), '2');
  assert.equal(printfFixed(-0.5, 0), '-0');
  assert.equal(printfFixed(180.0001, 6), '180.000100');
  assert.equal(printfFixed(-Infinity, 6), '-inf');
  assert.equal(printfFixed(1e21, 2), '1000000000000000000000.00');
  assert.equal(formatLongDouble(longDoubleOf(13.361389338970184)), '13.36138933897018433');
  assert.equal(formatLongDouble(longDoubleOf(-0)), '0');
  assert.equal(formatLongDouble(longDoubleOf(5e-324)), '0');
});
