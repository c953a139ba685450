export { arrivalOffsetMs, expectedArrivals, shareOf } from './arrival-schedule.js';
export type { TransportErrorKind } from './error-kind.js';
export { classifyTransportError } from './error-kind.js';
export type { CompiledTemplate, RenderedRequest, RequestMix } from './request-template.js';
export { compileRequestMix, compileTemplate } from './request-template.js';
export type { PhaseEvent, RunLoadOptions } from './run-load.js';
export { defaultWorkerCount, runLoad } from './run-load.js';
export { assertTargetAllowed, isLoopbackHost, parseTargetUrl } from './target-guard.js';
