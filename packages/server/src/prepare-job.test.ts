/**
 * The server decides a run with the CLI's resolver (controller's run-request.ts): the same default
 * driver from the builds, the server's environment applied, API rules (process only when allowed).
 */
import { describe, expect, it } from 'vitest';
import { prepareJob } from './prepare-job.js';
import type { StoredJob } from './run-store.js';

const IMAGES = `name: api
baseline: { image: shop:1 }
candidate: { image: shop:2 }
load:
  phases: [{ name: peak, duration: 2s, rate: 10 }]
  requests: [{ method: GET, path: / }]
`;
const COMMANDS = IMAGES.replace('{ image: shop:1 }', '{ command: node a.js }').replace(
  '{ image: shop:2 }',
  '{ command: node b.js }',
);

const job = (over: Partial<StoredJob>): StoredJob => ({
  kind: 'compare',
  driver: 'docker',
  scenarioText: IMAGES,
  scenarioSource: 'inline',
  ...over,
});

describe('prepareJob', () => {
  it("applies the server's PEAKGATE_SERVICE_HOST and PEAKGATE_PULL to a docker run", () => {
    const prepared = prepareJob(job({ candidate: 'shop:3' }), {
      allowProcess: false,
      env: { PEAKGATE_SERVICE_HOST: '10.1.2.3', PEAKGATE_PULL: 'never' },
    });
    expect(prepared).toMatchObject({
      driver: 'docker',
      baseline: { kind: 'image', image: 'shop:1' },
      candidate: { kind: 'image', image: 'shop:3' },
      runtime: { serviceHost: '10.1.2.3', pull: 'never' },
    });
  });

  it('a process job keeps the scenario env of its side and is refused unless the server allows it', () => {
    const processJob = job({ driver: 'process', scenarioText: COMMANDS, baseline: 'node c.js' });
    expect(() => prepareJob(processJob, { allowProcess: false, env: {} })).toThrow(/--allow-process/);
    const prepared = prepareJob(processJob, { allowProcess: true, env: {} });
    expect(prepared.baseline).toEqual({ kind: 'command', command: 'node c.js', env: {} });
    expect(prepared.candidate).toMatchObject({ kind: 'command', command: 'node b.js' });
  });

  it('refuses a reference that is not an image, naming the body field', () => {
    expect(() => prepareJob(job({ candidate: '-v /:/host alpine' }), { allowProcess: false, env: {} })).toThrow(
      'body.candidate: "-v /:/host alpine" is not an image reference',
    );
  });
});
