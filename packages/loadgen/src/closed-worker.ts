/**
 * Closed model worker: autocannon with this worker's share of the connections, each sending the next
 * request as soon as the previous response arrives. Latency is taken from the `response` event's
 * float ms (autocannon's own histogram is whole-ms), i.e. from the actual send.
 *
 * Which kind of request a response answers: autocannon calls setupRequest(request, context) with a
 * context object per connection, just before it writes that connection's next request, and with
 * pipelining 1 a connection has one request in flight. So setupRequest notes the template's index in
 * the context, and the response (or the connection's error) reads it back from the same connection:
 * two property reads per response, no queue, no allocation.
 */
import type { ClosedLoad } from '@peakgate/core';
import autocannon from 'autocannon';
import { shareOf } from './arrival-schedule.js';
import { classifyTransportError } from './error-kind.js';
import { compileRequestMix, type RequestMix } from './request-template.js';
import { SeededStream } from './seeded-stream.js';
import { joinPath, type WorkerControl } from './worker-control.js';
import type { WorkerTask } from './worker-protocol.js';
import type { WorkerRecorder } from './worker-recorder.js';

/** The parts of autocannon's (internal) Client that the socket-loss patch touches. */
interface AutocannonClientInternals extends NodeJS.EventEmitter {
  conn: NodeJS.EventEmitter;
  /** autocannon's per-connection request iterator; `context` is what setupRequest receives. */
  requestIterator: { context: KindContext };
  destroyed: boolean;
  pipelinedRequests: { size(): number; clear(): void };
  _connect(): void;
  destroy(): void;
}

/** The per-connection context autocannon passes to setupRequest, with the kind of the request in flight. */
interface KindContext {
  peakgateKind?: number;
}

const kindOf = (client: AutocannonClientInternals): number => client.requestIterator.context.peakgateKind ?? 0;

export async function runClosedWorker(
  task: WorkerTask,
  load: ClosedLoad,
  recorder: WorkerRecorder,
  control: WorkerControl,
  startMs: number,
): Promise<{ sent: number; stoppedEarly: boolean }> {
  const connections = shareOf(load.connections, task.workerIndex, task.workerCount);
  const deadline = startMs + task.phase.durationMs;
  recorder.start();
  if (connections === 0) return { sent: 0, stoppedEarly: await control.until(deadline) };

  const url = new URL(task.target);
  const mix = compileRequestMix(task.requests, 'load.requests', task.env);
  const fixed = mix.fixed;
  // A mixed or templated load: autocannon builds each client's first request before setupClient
  // runs, so the clients start from this never-sent placeholder and setupClient gives each its own
  // keyed request source.
  const requests: autocannon.Request[] = fixed
    ? [{ method: fixed.method, path: joinPath(url.pathname, fixed.path), headers: fixed.headers, body: fixed.body }]
    : [{ method: 'GET', path: url.pathname }];
  const clients: AutocannonClientInternals[] = [];
  let sent = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
        // https to a name: the address in `url`, the name for SNI (autocannon checks no certificate).
        ...(task.servername !== undefined ? { servername: task.servername } : {}),
        connections,
        pipelining: 1,
        // We stop the run ourselves; autocannon's own timer only acts on its sample tick.
        duration: Math.ceil(task.phase.durationMs / 1000) + 60,
        // autocannon counts timeouts in whole seconds and rejects values below 1 s.
        timeout: Math.max(1, task.timeoutMs / 1000),
        // No connectionRate/overallRate: autocannon's (wrong) CO correction only applies with a rate, and
        // its validator rejects ignoreCoordinatedOmission without one.
        // A short sample interval makes autocannon notice stop() within 100 ms.
        sampleInt: 100,
        skipAggregateResult: true,
        requests,
        setupClient: (client) => {
          const internals = client as unknown as AutocannonClientInternals;
          // Connection c of this worker is global connection workerIndex + workerCount·c (shareOf deals
          // connections round-robin), whatever the number of workers and load shards.
          const connection = task.workerIndex + task.workerCount * clients.length;
          clients.push(internals);
          if (fixed === undefined)
            client.setRequests([keyedRequests(mix, url.pathname, task.seed, task.phasePosition, connection)]);
          patchSocketLoss(internals, recorder);
          // Transport errors are counted here, per connection, where the request's kind is known
          // (autocannon's instance-level reqError event carries only the error).
          internals.on('connError', (error: unknown) => {
            sent++;
            recorder.error(classifyTransportError(error), kindOf(internals));
          });
          internals.on('timeout', () => {
            sent++;
            recorder.error('timeout', kindOf(internals));
          });
        },
      } as autocannon.Options,
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('response', (client: autocannon.Client, status: number, _bytes: number, latencyMs: number) => {
      sent++;
      recorder.response(status, latencyMs, kindOf(client as unknown as AutocannonClientInternals));
    });
    control.onStop(() => {
      // Close every socket now; autocannon.stop() alone would let requests run until its next tick.
      for (const client of clients) client.destroy();
      instance.stop();
    });
  });
  const stoppedEarly = await control.until(deadline);
  control.stop();
  await finished;
  return { sent, stoppedEarly };
}

/**
 * Common random numbers for one connection: its n-th request (the n-th autocannon builds, sent or
 * lost to a closed socket alike) is drawn from the stream keyed (seed, phase, connection), so each
 * connection's sequence is the same on both sides of a round. setupRequest is called once per
 * request, in order, with pipelining 1.
 */
function keyedRequests(
  mix: RequestMix,
  prefix: string,
  seed: number,
  phasePosition: number,
  connection: number,
): autocannon.Request {
  const random = new SeededStream(seed, phasePosition, connection);
  return {
    setupRequest: (request, context) => {
      const next = mix.next(random);
      (context as KindContext).peakgateKind = next.kind;
      return {
        ...request,
        method: next.method,
        path: joinPath(prefix, next.path),
        headers: next.headers,
        body: next.body,
      };
    },
  };
}

/**
 * autocannon reconnects silently when the server closes a socket mid-request (`end`) and keeps the
 * lost request in its pipeline queue, which later skews latency and, against a refusing port, grows
 * without bound. Count such losses as resets and clear the queue on every socket loss.
 */
function patchSocketLoss(client: AutocannonClientInternals, recorder: WorkerRecorder): void {
  const connect = client._connect;
  client._connect = function patchedConnect(this: AutocannonClientInternals): void {
    connect.call(this);
    this.conn.prependListener('end', () => {
      if (!this.destroyed && this.pipelinedRequests.size() > 0) recorder.error('reset', kindOf(this));
      this.pipelinedRequests.clear();
    });
    // Errors are reported (and counted) by autocannon's own reqError event.
    this.conn.prependListener('error', () => this.pipelinedRequests.clear());
  };
}
