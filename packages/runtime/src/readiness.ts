/**
 * Readiness checks shared by both drivers: HTTP path answering 2xx, a TCP connect, or a log line.
 * Every check races the service's own exit (so a crash fails at once, not at the timeout), the
 * timeout and the caller's abort signal.
 */
import http from 'node:http';
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { compileLogPattern, PeakgateError, type ReadinessCheck } from '@peakgate/core';
import type { LogSink } from './log-sink.js';

export type ReadyOutcome = { ok: true } | { ok: false; reason: 'exited' | 'timeout' | 'aborted'; message: string };

/** The outcome when the service ended before it was ready, whoever saw the end first. */
export const EXITED_BEFORE_READY = {
  ok: false,
  reason: 'exited',
  message: 'exited before it was ready',
} as const satisfies ReadyOutcome;

export interface ReadinessInput {
  check: ReadinessCheck;
  /** Host to probe; default 127.0.0.1 (a remote engine's host for the docker driver). */
  host?: string;
  /** Port to probe. */
  port: number;
  logs: LogSink;
  /** Settles when the service ends. */
  ended: Promise<unknown>;
  signal?: AbortSignal;
  pollMs?: number;
}

export function describeCheck(check: ReadinessCheck): string {
  if (check.kind === 'http') return `GET ${check.path} answering 2xx`;
  if (check.kind === 'tcp') return 'a TCP connect';
  return `a log line matching /${check.pattern}/`;
}

export async function waitForReady(input: ReadinessInput): Promise<ReadyOutcome> {
  const { check, signal } = input;
  const stop = new AbortController();
  let resolveAborted: (outcome: ReadyOutcome) => void = () => {};
  const onAbort = () => {
    stop.abort();
    resolveAborted({ ok: false, reason: 'aborted', message: 'start aborted' });
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    const timedOut = new Promise<ReadyOutcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            ok: false,
            reason: 'timeout',
            message: `not ready within ${check.timeoutMs} ms (waiting for ${describeCheck(check)})`,
          }),
        check.timeoutMs,
      );
    });
    const ended = input.ended.then((): ReadyOutcome => EXITED_BEFORE_READY);
    const aborted = new Promise<ReadyOutcome>((resolve) => {
      resolveAborted = resolve;
      if (signal?.aborted) resolve({ ok: false, reason: 'aborted', message: 'start aborted' });
    });
    return await Promise.race([probe(input, stop.signal), timedOut, ended, aborted]);
  } finally {
    clearTimeout(timer);
    stop.abort();
    signal?.removeEventListener('abort', onAbort);
  }
}

async function probe(input: ReadinessInput, stop: AbortSignal): Promise<ReadyOutcome> {
  const { check, port } = input;
  const host = input.host ?? '127.0.0.1';
  const pollMs = input.pollMs ?? 50;
  if (check.kind === 'log') {
    // RE2, not RegExp: the build chooses the lines, and a backtracking match on the main thread would
    // stall every timer, abort and signal handler (log-pattern.ts).
    const pattern = compileLogPattern(check.pattern);
    if ('problem' in pattern)
      throw new PeakgateError('PG_ERR_SCENARIO_INVALID', `ready.log: expected an RE2 pattern: ${pattern.problem}`);
    return new Promise<ReadyOutcome>((resolve) => {
      if (input.logs.lines().some((line) => pattern.test(line))) return resolve({ ok: true });
      const unwatch = input.logs.watch((line) => {
        if (pattern.test(line)) {
          unwatch();
          resolve({ ok: true });
        }
      });
      stop.addEventListener('abort', unwatch, { once: true });
    });
  }
  while (!stop.aborted) {
    const ok = check.kind === 'http' ? await httpOk(host, port, check.path, stop) : await tcpOpen(host, port, stop);
    if (ok) return { ok: true };
    await sleep(pollMs, undefined, { signal: stop }).catch(() => undefined);
  }
  return new Promise<ReadyOutcome>(() => undefined);
}

function httpOk(host: string, port: number, pathname: string, stop: AbortSignal): Promise<boolean> {
  // node:http without an agent: no keep-alive socket outlives the check (fetch's pool would
  // keep a short CLI alive for seconds after the service stopped).
  return new Promise((resolve) => {
    const request = http.get({ host, port, path: pathname, agent: false, timeout: 1000, signal: stop }, (response) => {
      // The status is all we read: a build that answers with an endless body must not keep each
      // probe's connection streaming into us (one more every poll, until the ready timeout).
      response.destroy();
      const code = response.statusCode ?? 0;
      resolve(code >= 200 && code < 300);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

/**
 * Connected and still open a moment later. docker-proxy (bridge networking) accepts every
 * connection on the published port at once and closes it when the app behind is not listening
 * yet, so a bare connect would report ready too early.
 */
function tcpOpen(host: string, port: number, stop: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let settled = false;
    const onAbort = () => done(false);
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      stop.removeEventListener('abort', onAbort);
      socket.destroy();
      clearTimeout(timer);
      clearTimeout(holdTimer);
      resolve(ok);
    };
    let holdTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => done(false), 1000);
    socket.once('connect', () => {
      holdTimer = setTimeout(() => done(true), TCP_HOLD_MS);
    });
    socket.once('end', () => done(false));
    socket.once('close', () => done(false));
    socket.once('error', () => done(false));
    stop.addEventListener('abort', onAbort, { once: true });
  });
}

const TCP_HOLD_MS = 200;
