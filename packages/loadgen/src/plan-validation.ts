/** Main-thread checks of a LoadPlan before any worker starts; failures are PeakgateErrors naming the field. */
import { type LoadPlan, PeakgateError, type RequestTemplate } from '@peakgate/core';
import { compileRequestMix, type RequestMix, TemplateError } from './request-template.js';

/** Compiles the request mix, turning template errors into PG_ERR_SCENARIO_INVALID. */
export function validateRequestMix(templates: readonly RequestTemplate[], where = 'load.requests'): RequestMix {
  try {
    return compileRequestMix(templates, where);
  } catch (error) {
    if (error instanceof TemplateError) {
      throw new PeakgateError('PG_ERR_SCENARIO_INVALID', error.message, { cause: error });
    }
    throw error;
  }
}

export function validatePlan(plan: LoadPlan): void {
  const bad = (where: string, message: string): PeakgateError =>
    new PeakgateError('PG_ERR_SCENARIO_INVALID', `${where}: ${message}`);
  if (plan.phases.length === 0) throw bad('load.phases', 'expected at least one phase');
  validateRequestMix(plan.requests);
  if (!(plan.timeoutMs > 0)) throw bad('load.timeout', `expected a positive duration, got ${plan.timeoutMs} ms`);
  const all = plan.warmup ? [plan.warmup, ...plan.phases] : plan.phases;
  all.forEach((phase, i) => {
    const where = phase === plan.warmup ? 'load.warmup' : `load.phases[${plan.warmup ? i - 1 : i}]`;
    if (!(phase.durationMs > 0))
      throw bad(`${where}.duration`, `expected a positive duration, got ${phase.durationMs} ms`);
    if (phase.load.model === 'closed') {
      if (!Number.isSafeInteger(phase.load.connections) || phase.load.connections < 1) {
        throw bad(`${where}.connections`, `expected a positive integer, got ${phase.load.connections}`);
      }
    } else {
      const { from, to } = phase.load.rate;
      if (!(from >= 0 && to >= 0 && from + to > 0 && Number.isFinite(from) && Number.isFinite(to))) {
        throw bad(`${where}.rate`, `expected non-negative finite rates, not both 0, got ${from} → ${to}`);
      }
      if (!Number.isSafeInteger(phase.load.maxConnections) || phase.load.maxConnections < 1) {
        throw bad(`${where}.maxConnections`, `expected a positive integer, got ${phase.load.maxConnections}`);
      }
    }
  });
}
