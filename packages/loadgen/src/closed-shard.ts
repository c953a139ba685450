/**
 * Closed model shard: autocannon with this shard's share of the connections, each sending the next
 * request as soon as the previous response arrives. Latency is taken from the `response` event's
 * float ms (autocannon's own histogram is whole-ms), i.e. from the actual send.
 */
import type { ClosedLoad } from '@peakgate/core';
import autocannon from 'autocannon';
import { shareOf } from './arrival-schedule.js';
import { classifyTransportError } from './error-kind.js';
import { compileRequestMix } from './request-template.js';
import { joinPath, type ShardControl } from './shard-control.js';
import type { ShardTask } from './shard-protocol.js';
import type { ShardRecorder } from './shard-recorder.js';

/** The parts of autocannon's (internal) Client that the socket-loss patch touches. */
interface AutocannonClientInternals {
  conn: NodeJS.EventEmitter;
  destroyed: boolean;
  pipelinedRequests: { size(): number; clear(): void };
  _connect(): void;
  destroy(): void;
}

export async function runClosedShard(
  task: ShardTask,
  load: ClosedLoad,
  recorder: ShardRecorder,
  control: ShardControl,
  startMs: number,
): Promise<{ sent: number; stoppedEarly: boolean }> {
  const connections = shareOf(load.connections, task.shardIndex, task.shardCount);
  const deadline = startMs + task.phase.durationMs;
  recorder.start();
  if (connections === 0) return { sent: 0, stoppedEarly: await control.until(deadline) };

  const url = new URL(task.target);
  const mix = compileRequestMix(task.requests, 'load.requests', task.env);
  const fixed = mix.fixed;
  const requests: autocannon.Request[] = fixed
    ? [{ method: fixed.method, path: joinPath(url.pathname, fixed.path), headers: fixed.headers, body: fixed.body }]
    : [
        {
          setupRequest: (request) => {
            const next = mix.next();
            return {
              ...request,
              method: next.method,
              path: joinPath(url.pathname, next.path),
              headers: next.headers,
              body: next.body,
            };
          },
        },
      ];
  const clients: AutocannonClientInternals[] = [];
  let sent = 0;
  const finished = new Promise<void>((resolve, reject) => {
    const instance = autocannon(
      {
        url: url.origin,
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
          clients.push(internals);
          patchSocketLoss(internals, recorder);
        },
      } as autocannon.Options,
      (error) => (error ? reject(error) : resolve()),
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, latencyMs: number) => {
      sent++;
      recorder.response(status, latencyMs);
    });
    instance.on('reqError', (error: unknown) => {
      sent++;
      recorder.error(classifyTransportError(error));
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
 * autocannon reconnects silently when the server closes a socket mid-request (`end`) and keeps the
 * lost request in its pipeline queue, which later skews latency and, against a refusing port, grows
 * without bound. Count such losses as resets and clear the queue on every socket loss.
 */
function patchSocketLoss(client: AutocannonClientInternals, recorder: ShardRecorder): void {
  const connect = client._connect;
  client._connect = function patchedConnect(this: AutocannonClientInternals): void {
    connect.call(this);
    this.conn.prependListener('end', () => {
      if (!this.destroyed && this.pipelinedRequests.size() > 0) recorder.error('reset');
      this.pipelinedRequests.clear();
    });
    // Errors are reported (and counted) by autocannon's own reqError event.
    this.conn.prependListener('error', () => this.pipelinedRequests.clear());
  };
}
