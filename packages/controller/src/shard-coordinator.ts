/**
 * The controller's end of a sharded load run (`--shards N`): a small HTTP endpoint the shards call
 * (routes in @peakgate/loadgen's shard-wire.ts), a barrier per phase that gives every shard the
 * same start once all N are ready, the live per-second merge of their samples, and the collection
 * of each phase's raw worker results. It only collects: deciding that a shard is missing (and
 * naming it) is the runner's job, from these facts and the Swarm task states.
 *
 * The base URL carries a random token: a request without it is a 404, so nothing but this run's
 * shards can feed its figures.
 */
import { randomBytes } from 'node:crypto';
import type { LoadPlan, SecondSample } from '@peakgate/core';
import {
  SecondMerger,
  type ShardAssignment,
  type ShardBarrierReply,
  type ShardBarrierRequest,
  type ShardDoneReport,
  type ShardFailedReport,
  type ShardPhaseReport,
  type ShardResult,
  type ShardSampleReport,
} from '@peakgate/loadgen';
import type { FastifyInstance } from 'fastify';

/** Between "the last shard is ready" and the common start: enough for the replies to reach every node. */
const START_LEAD_MS = 250;
/** Phase results carry encoded histograms per worker and per kind of request: small, but not tiny. */
const BODY_LIMIT_BYTES = 64 * 2 ** 20;

export interface ShardCoordinatorOptions {
  /** Address the endpoint listens on, and that the shards reach it by. */
  host: string;
  shards: number;
  assignment: Omit<ShardAssignment, 'shardCount'>;
  /** Phases in run order (warm-up first when there is one), for the live merge of seconds. */
  phases: ReadonlyArray<{ name: string; warmup: boolean }>;
  /** Request names in mix order (per-name parts of each second). */
  names: readonly string[];
  /** Each second of every phase, merged over the shards (warm-up seconds carry `warmup: true`). */
  onSample: (sample: SecondSample) => void;
}

export interface ShardPhaseFigures {
  /** One per worker thread of the shard. */
  results: ShardResult[];
  /** How late the shard's latest worker began against the common start, ms. */
  startLagMs: number;
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

export class ShardCoordinator {
  private base = '';
  /** Node of each shard, as the shard reported it (Swarm's `{{.Node.Hostname}}`). */
  readonly nodes = new Map<number, string>();
  /** The first shard that reported it gave up. */
  readonly failure = deferred<ShardFailedReport>();
  private readonly waiting: Array<Map<number, (reply: ShardBarrierReply) => void>> = [];
  private readonly starts: Array<Deferred<number>> = [];
  private readonly reports: Array<Map<number, ShardPhaseFigures>> = [];
  private readonly complete: Array<Deferred<Map<number, ShardPhaseFigures>>> = [];
  private readonly mergers: SecondMerger[] = [];
  private readonly finished = new Set<number>();
  private stopped: string | undefined;

  private constructor(
    private readonly app: FastifyInstance,
    private readonly options: ShardCoordinatorOptions,
    private readonly token: string,
  ) {
    options.phases.forEach((phase) => {
      this.waiting.push(new Map());
      this.starts.push(deferred());
      this.reports.push(new Map());
      this.complete.push(deferred());
      this.mergers.push(new SecondMerger(options.shards, phase.name, 0, phase.warmup, options.onSample, options.names));
    });
  }

  static async start(options: ShardCoordinatorOptions): Promise<ShardCoordinator> {
    const { default: Fastify } = await import('fastify');
    const app = Fastify({ bodyLimit: BODY_LIMIT_BYTES, logger: false });
    const coordinator = new ShardCoordinator(app, options, randomBytes(18).toString('base64url'));
    coordinator.routes(`/shards/${coordinator.token}`);
    await app.listen({ host: options.host, port: 0 });
    const address = app.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const host = options.host.includes(':') ? `[${options.host}]` : options.host;
    coordinator.base = `http://${host}:${port}/shards/${coordinator.token}`;
    return coordinator;
  }

  /** The base URL the shards are given (PEAKGATE_SHARD_URL): this endpoint, with the run's token. */
  get url(): string {
    return this.base;
  }

  /** The common start of phase `position`, once every shard has asked for it. */
  startOf(position: number): Promise<number> {
    return this.at(this.starts, position).promise;
  }

  /** Every shard's raw results of phase `position`, once all have reported it. */
  resultsOf(position: number): Promise<Map<number, ShardPhaseFigures>> {
    return this.at(this.complete, position).promise;
  }

  /** Shards waiting at phase `position`'s barrier (to name the ones that are not). */
  arrivedAt(position: number): number[] {
    return [...this.at(this.waiting, position).keys()].sort((a, b) => a - b);
  }

  /** Shards that reported phase `position`. */
  reportedAt(position: number): number[] {
    return [...this.at(this.reports, position).keys()].sort((a, b) => a - b);
  }

  get shardCount(): number {
    return this.options.shards;
  }

  hasFinished(shard: number): boolean {
    return this.finished.has(shard);
  }

  /** Emits the seconds still pending for a phase (called once all its results are in). */
  flushSeconds(position: number): void {
    this.at(this.mergers, position).flush();
  }

  /** Answers every shard still waiting at a barrier with `stop`, and any that arrives later. */
  stop(reason: string): void {
    this.stopped ??= reason;
    for (const waiting of this.waiting) {
      for (const reply of waiting.values()) reply({ stop: reason });
      waiting.clear();
    }
  }

  async close(): Promise<void> {
    this.stop('the run ended');
    await this.app.close();
  }

  private at<T>(list: T[], position: number): T {
    const item = list[position];
    if (item === undefined) throw new RangeError(`no phase at position ${position}`);
    return item;
  }

  private routes(prefix: string): void {
    const { app, options } = this;
    const shardIndex = (value: unknown): number | undefined => {
      const n = Number(value);
      return Number.isSafeInteger(n) && n >= 0 && n < options.shards ? n : undefined;
    };
    const position = (value: unknown): number | undefined => {
      const n = Number(value);
      return Number.isSafeInteger(n) && n >= 0 && n < options.phases.length ? n : undefined;
    };
    app.get<{ Querystring: { shard?: string } }>(`${prefix}/task`, async (request, reply) => {
      if (shardIndex(request.query.shard) === undefined) return reply.code(400).send({ error: 'shard out of range' });
      const assignment: ShardAssignment = { ...options.assignment, shardCount: options.shards };
      return assignment;
    });
    // Long poll: the reply goes out when the last shard arrives (or the run stops).
    app.post<{ Body: ShardBarrierRequest }>(`${prefix}/barrier`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      const at = position(request.body?.position);
      if (shard === undefined || at === undefined)
        return reply.code(400).send({ error: 'shard or position out of range' });
      this.nodes.set(shard, String(request.body.node));
      if (this.stopped !== undefined) return reply.send({ stop: this.stopped } satisfies ShardBarrierReply);
      const waiting = this.at(this.waiting, at);
      waiting.set(shard, (answer) => reply.send(answer));
      if (waiting.size === options.shards) {
        const startAtEpochMs = performance.timeOrigin + performance.now() + START_LEAD_MS;
        for (const answer of waiting.values()) answer({ startAtEpochMs });
        waiting.clear();
        this.at(this.starts, at).resolve(startAtEpochMs);
      }
      return reply;
    });
    app.post<{ Body: ShardSampleReport }>(`${prefix}/sample`, async (request, reply) => {
      const at = position(request.body?.position);
      const sample = request.body?.sample;
      if (shardIndex(request.body?.shard) === undefined || at === undefined || typeof sample !== 'object')
        return reply.code(400).send({ error: 'bad sample' });
      const kinds = options.names.length > 1 ? options.names.map((name) => sample.byName?.[name]) : undefined;
      this.at(this.mergers, at).add(
        sample.second,
        sample.requests,
        sample.errors,
        sample.histogram,
        kinds?.map((part) => part ?? { requests: 0, errors: 0, histogram: '' }),
      );
      return {};
    });
    app.post<{ Body: ShardPhaseReport }>(`${prefix}/phase`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      const at = position(request.body?.position);
      if (shard === undefined || at === undefined || !Array.isArray(request.body.results))
        return reply.code(400).send({ error: 'bad phase report' });
      const reports = this.at(this.reports, at);
      const results = request.body.results;
      reports.set(shard, { results, startLagMs: Math.max(0, ...results.map((result) => result.startLagMs ?? 0)) });
      if (reports.size === options.shards) this.at(this.complete, at).resolve(reports);
      return {};
    });
    app.post<{ Body: ShardDoneReport }>(`${prefix}/done`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      if (shard === undefined) return reply.code(400).send({ error: 'shard out of range' });
      this.finished.add(shard);
      return {};
    });
    app.post<{ Body: ShardFailedReport }>(`${prefix}/failed`, async (request, reply) => {
      const shard = shardIndex(request.body?.shard);
      if (shard === undefined) return reply.code(400).send({ error: 'shard out of range' });
      this.failure.resolve({ shard, node: String(request.body.node), message: String(request.body.message) });
      return {};
    });
  }
}

/** The plan a shard can run: its timeline file (`load.timeline`) would be on the controller's disk only. */
export function shardablePlan(plan: LoadPlan): string | undefined {
  const phases = [...(plan.warmup ? [plan.warmup] : []), ...plan.phases];
  const timed = phases.find((phase) => phase.load.model === 'open' && phase.load.timeline !== undefined);
  return timed === undefined ? undefined : `phase ${timed.name} replays a timeline (load.timeline)`;
}
