import { describe, expect, it } from 'vitest';
import { classifySegment, PICK_LIMIT, ValueSlot } from './path-template.js';
import { encodeUnsafe, splitTarget } from './request-target.js';

describe('classifySegment', () => {
  it.each([
    ['42', 'int'],
    ['007', 'int'],
    ['123e4567-e89b-42d3-a456-426614174000', 'uuid'],
    ['507f1f77bcf86cd799439011', 'hex'],
    ['deadbeef', 'text'],
    ['products', 'text'],
    ['v2', 'text'],
    // Past 15 digits {{int}} cannot hold it: recorded values are picked instead.
    ['1234567890123456', 'hex'],
  ])('%s is %s', (segment, kind) => {
    expect(classifySegment(segment)).toBe(kind);
  });
});

describe('ValueSlot', () => {
  it('templates ints as a range, uuids as {{uuid}}, other values as a pick', () => {
    const ints = new ValueSlot();
    for (const value of ['5', '12', '9']) ints.add(value);
    expect(ints.render()).toBe('{{int 5 12}}');
    const one = new ValueSlot();
    one.add('7');
    one.add('7');
    expect(one.render()).toBe('7');
    const uuids = new ValueSlot();
    uuids.add('123e4567-e89b-42d3-a456-426614174000');
    expect(uuids.render()).toBe('{{uuid}}');
    const words = new ValueSlot();
    for (const value of ['red', 'green', 'red', '', '007']) words.add(value);
    expect(words.render()).toBe('{{pick red green 007}}');
  });

  it('keeps at most PICK_LIMIT values', () => {
    const slot = new ValueSlot();
    for (let i = 0; i < 100; i++) slot.add(`a${i}x`);
    expect(slot.render().split(' ')).toHaveLength(PICK_LIMIT + 1);
  });
});

describe('splitTarget', () => {
  it('splits origin- and absolute-form targets and drops fragments', () => {
    expect(splitTarget('/a/b?x=1&y&=z')).toEqual({
      segments: ['a', 'b'],
      query: [
        ['x', '1'],
        ['y', ''],
        ['', 'z'],
      ],
    });
    expect(splitTarget('http://h:80/c?d=1#frag')).toEqual({ segments: ['c'], query: [['d', '1']] });
    expect(splitTarget('https://h')).toEqual({ segments: [''], query: undefined });
    expect(splitTarget('*')).toBeUndefined();
  });

  it('percent-encodes everything that cannot reach the wire as written, and braces', () => {
    expect(encodeUnsafe('/a b\r\n\t{{x}}é\u0000\u007f')).toBe('/a%20b%0D%0A%09%7B%7Bx%7D%7D%C3%A9%00%7F');
    const split = splitTarget('/p a/\nq?k=v w');
    expect(split).toEqual({ segments: ['p%20a', '%0Aq'], query: [['k', 'v%20w']] });
  });
});
