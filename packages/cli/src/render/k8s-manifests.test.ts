import { describe, expect, it } from 'vitest';
import { dnsLabel, resourceQuantities } from './k8s-manifests.js';

describe('dnsLabel', () => {
  it.each([
    ['checkout-peak', 24, 'checkout-peak'],
    ['Checkout Peak!', 24, 'checkout-peak'],
    ['Odd_Name.With.Dots', 24, 'odd-name-with-dots'],
    ['2024 peak', 24, 'peak'],
    ['a-scenario-name-of-thirty-characters', 24, 'a-scenario-name-of-thirt'],
    ['abc-def', 4, 'abc'],
    ['123', 24, 'peakgate'],
    ['!!!', 24, 'peakgate'],
  ])('%s (max %i) → %s', (text, max, label) => {
    const result = dnsLabel(text, max, 'peakgate');
    expect(result).toBe(label);
    expect(result).toMatch(/^[a-z]([-a-z0-9]*[a-z0-9])?$/);
    expect(result.length).toBeLessThanOrEqual(max);
  });
});

describe('resourceQuantities', () => {
  it('whole CPUs as cores, fractions as millicores, whole MiB as Mi, other sizes in bytes; requests equal limits', () => {
    expect(resourceQuantities({ cpus: 2, memoryBytes: 512 * 1024 * 1024 })).toEqual({
      requests: { cpu: '2', memory: '512Mi' },
      limits: { cpu: '2', memory: '512Mi' },
    });
    expect(resourceQuantities({ cpus: 0.5, memoryBytes: 1000 })).toEqual({
      requests: { cpu: '500m', memory: '1000' },
      limits: { cpu: '500m', memory: '1000' },
    });
    // The scenario allows 0.01 cores: 10m, never 0 (which would mean no CPU at all).
    expect(resourceQuantities({ cpus: 0.01 })?.limits).toEqual({ cpu: '10m' });
    expect(resourceQuantities({ cpuset: '1' })).toBeUndefined();
    expect(resourceQuantities({})).toBeUndefined();
  });
});
