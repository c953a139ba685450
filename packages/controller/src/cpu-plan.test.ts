import { describe, expect, it } from 'vitest';
import { parseCpuset, planCpus } from './cpu-plan.js';

describe('planCpus', () => {
  it('gives the service the last core and the load engine the rest on a 2-core machine', () => {
    expect(planCpus({ totalCores: 2 })).toEqual({ totalCores: 2, serviceCpuset: '1', loadCpuset: '0', loadWorkers: 1 });
  });

  it('never gives the service every core: the load engine keeps at least one', () => {
    expect(planCpus({ totalCores: 2, cpus: 4 })).toMatchObject({ serviceCpuset: '1', loadCpuset: '0' });
    expect(planCpus({ totalCores: 8, cpus: 2 })).toMatchObject({
      serviceCpuset: '6,7',
      loadCpuset: '0,1,2,3,4,5',
      loadWorkers: 6,
    });
  });

  it('does not pin on a single core', () => {
    expect(planCpus({ totalCores: 1 })).toEqual({ totalCores: 1, loadWorkers: 1 });
  });

  it('honours an explicit service cpuset and gives the load engine the complement', () => {
    expect(planCpus({ totalCores: 4, cpuset: '0-1' })).toEqual({
      totalCores: 4,
      serviceCpuset: '0-1',
      loadCpuset: '2,3',
      loadWorkers: 2,
    });
  });
});

describe('parseCpuset', () => {
  it('reads lists and ranges', () => {
    expect(parseCpuset('0-2,5')).toEqual([0, 1, 2, 5]);
    expect(parseCpuset('3')).toEqual([3]);
  });
});
