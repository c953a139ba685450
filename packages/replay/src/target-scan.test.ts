import { describe, expect, it } from 'vitest';
import { classifySegment } from './path-template.js';
import { splitTarget } from './request-target.js';
import { kindNames, TargetScan } from './target-scan.js';
import { TrafficSummary } from './traffic-summary.js';

const targets = [
  '/',
  '//a',
  '/a/',
  '/users/42/orders',
  '/users/007',
  '/users/1234567890123456',
  '/u/123e4567-e89b-42d3-a456-426614174000',
  '/u/123E4567-E89B-42D3-A456-426614174000/x',
  '/o/507f1f77bcf86cd799439011',
  '/o/deadbeef',
  '/o/dead-beef-1',
  '/p?x=1&y&=z&&w=007',
  '/p?',
  '/p?a=b=c',
  '/p#frag?x=1',
  '/p?x=1#f&y=2',
  '/q?id=123e4567-e89b-42d3-a456-426614174000&h=507f1f77bcf86cd799439011',
];

describe('TargetScan', () => {
  it.each(targets)('%s: the same segments, kinds and query bounds as splitTarget and classifySegment', (target) => {
    const scan = new TargetScan();
    expect(scan.scan('GET', target)).toBe(true);
    const split = splitTarget(target);
    const segments = Array.from({ length: scan.segments }, (_, i) =>
      target.slice(scan.segmentStart[i], scan.segmentEnd[i]),
    );
    expect(segments).toEqual(split?.segments);
    for (let i = 0; i < scan.segments; i++)
      expect(kindNames[scan.segmentKind[i] ?? 0]).toBe(classifySegment(segments[i] ?? ''));
    const query =
      scan.pairs === -1
        ? undefined
        : Array.from({ length: scan.pairs }, (_, i) => [
            target.slice(scan.nameStart[i], scan.nameEnd[i]),
            target.slice(scan.valueStart[i], scan.valueEnd[i]),
          ]);
    expect(query).toEqual(split?.query);
    for (let i = 0; i < Math.max(scan.pairs, 0); i++)
      expect(kindNames[scan.valueKind[i] ?? 0]).toBe(classifySegment(query?.[i]?.[1] ?? ''));
  });

  it('leaves absolute-form targets and characters that need percent-encoding to the general path', () => {
    const scan = new TargetScan();
    for (const target of ['http://h/a', '*', '/a b', '/a/{x}', '/é', '/a?k=v w', '/a\u007f'])
      expect(scan.scan('GET', target)).toBe(false);
    // What could be shaped like a credential is judged by the general path (secret-rules.ts): long
    // segments or values with digits or `.:%+`, path parameters. Long words, UUIDs and short hex ids stay.
    for (const target of [
      '/u/123e4567-e89b-42d3-a456-42661417400g',
      '/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig',
      '/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/send',
      '/cart;jsessionid=1',
      '/a?x=0123456789abcdef0123456789abcdef',
    ])
      expect(scan.scan('GET', target)).toBe(false);
    for (const target of [
      '/notifications-settings/x',
      '/o/507f1f77bcf86cd799439011?id=123e4567-e89b-42d3-a456-426614174000',
    ])
      expect(scan.scan('GET', target)).toBe(true);
    // After the fragment nothing is sent, so nothing there is checked.
    expect(scan.scan('GET', '/a#b c')).toBe(true);
  });

  it('hashes equal shapes equal and keeps literal segments, kinds and query names apart', () => {
    const scan = new TargetScan();
    const hash = (method: string, target: string) => {
      expect(scan.scan(method, target)).toBe(true);
      return scan.hash;
    };
    expect(hash('GET', '/users/1?x=a')).toBe(hash('GET', '/users/99?x=b'));
    const others = ['/users/1?y=a', '/users/1', '/users/1?', '/user/1?x=a', '/users/abc?x=a', '/users/1/?x=a'];
    for (const other of others) expect(hash('GET', other)).not.toBe(hash('GET', '/users/1?x=a'));
    expect(hash('POST', '/users/1?x=a')).not.toBe(hash('GET', '/users/1?x=a'));
  });
});

describe('TrafficSummary fast path', () => {
  it('gives the same templates as the general path, whatever order shapes arrive in', () => {
    const lines = [
      ...targets,
      '/users/5/orders',
      '/users/0/orders',
      'http://h/users/9/orders',
      '/users/08/orders',
      '/u/00000000-0000-4000-8000-000000000000',
      '/p?x=2&y&=q&&w=12',
      '/p a',
      '/o/507f1f77bcf86cd799439012',
      '/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
      '/t/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIyIn0.b3RoZXJzaWc',
      '/k?key=417',
      '/k?key=AIzaSyD4x9Qk2Lm7Pq8Rt5Vw3Xy6Zb1Cd0Ef',
      '/k?key=418',
      '/cart;jsessionid=A1B2C3/x',
    ];
    // Past PICK_LIMIT values a slot is counted without its text: cover that too.
    for (let i = 0; i < 40; i++) lines.push(`/users/${i * 7}/orders`, `/p?x=${i}&y&=z&&w=0${i}`);
    const record = (target: string, timeMs: number) => ({
      timeMs,
      wholeSeconds: false,
      method: 'GET',
      target,
      status: 200,
    });
    const fast = new TrafficSummary();
    for (const [i, target] of lines.entries()) fast.add(record(target, i));
    // The reference: the same records, each through the general path only (an absolute-form copy of
    // the target is never scanned in place and names the same path).
    const general = new TrafficSummary();
    for (const [i, target] of lines.entries())
      general.add(record(target.startsWith('/') ? `http://h${target}` : target, i));
    expect(fast.templateSummaries()).toEqual(general.templateSummaries());
    expect(fast.untemplated).toBe(general.untemplated);
  });
});
