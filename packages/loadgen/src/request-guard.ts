/**
 * The load engine's last check before it opens a connection: every request of the plan reaches the
 * wire as exactly one request, and every template compiles. The scenario rules already refused such
 * plans (scenario/rules.ts, with file:line:col); this guards callers that hand runLoad a plan built by
 * hand, because the closed model's autocannon writes method, path and headers to the socket as they
 * are, so a CR LF in them would smuggle a second request or inject a header. Runs in the main thread
 * before any worker starts, so a refused plan sends nothing.
 */
import { formatFieldPath, PeakgateError, type RequestTemplate, requestWireIssues } from '@peakgate/core';
import { compileRequestMix, type EnvValues, TemplateError } from './request-template.js';

/**
 * Throws PG_ERR_SCENARIO_INVALID naming the field (`load.requests[0].path: …`) for a request that
 * cannot be sent, including an `{{env NAME}}` whose variable is not set in `env` or whose value holds
 * a character the field cannot carry.
 */
export function assertRequestsSendable(requests: readonly RequestTemplate[], env: EnvValues = {}): void {
  const problems = requests.flatMap((request, index) =>
    requestWireIssues(request).map(
      (issue) => `${formatFieldPath(['load', 'requests', index, ...issue.path])}: ${issue.message}`,
    ),
  );
  const [first, ...more] = problems;
  if (first !== undefined) throw new PeakgateError('PG_ERR_SCENARIO_INVALID', first, { details: more });
  try {
    compileRequestMix(requests, 'load.requests', env);
  } catch (error) {
    if (error instanceof TemplateError)
      throw new PeakgateError('PG_ERR_SCENARIO_INVALID', error.message, { cause: error });
    throw error;
  }
}
