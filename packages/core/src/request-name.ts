/**
 * The name of each kind of request in a mix: what per-name results are keyed by and what a metric
 * selector (`latency.p99{name=checkout}`) names. Written names are kept as they are; a request
 * without one is named after its method and path template as written (`GET /products?page={{int 1 50}}`),
 * which stays the same from run to run whatever the placeholders draw. Two unnamed requests with the
 * same method and path (e.g. different bodies) get ` #2`, ` #3`, … in mix order.
 */
import type { HttpMethod } from './load-plan.js';

export interface NamedRequest {
  name?: string | undefined;
  method?: HttpMethod | undefined;
  path: string;
}

export function defaultRequestName(request: NamedRequest): string {
  return `${request.method ?? 'GET'} ${request.path}`;
}

/** One name per request, in mix order. Written names win; defaults are made unique among themselves. */
export function requestNames(requests: readonly NamedRequest[]): string[] {
  const taken = new Set(requests.flatMap((request) => (request.name === undefined ? [] : [request.name])));
  return requests.map((request) => {
    if (request.name !== undefined) return request.name;
    const base = defaultRequestName(request);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base} #${n}`;
    taken.add(name);
    return name;
  });
}
