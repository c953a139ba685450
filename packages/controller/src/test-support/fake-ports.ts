/**
 * Fakes of the controller's seams (ports.ts) for its unit tests: a launcher whose services start,
 * serve and stop in memory, and a load runner that "sends" a fixed number of requests per trial in
 * about a millisecond. Both write what happened, in order, to one shared log, so a test reads the
 * order of starts, loads and stops across both sides. Test support only: not exported by
 * `@peakgate/controller` and not built into dist (tsconfig excludes src/test-support).
 */
import {
  type BuildSpec,
  createLatencyHistogram,
  encodeHistogram,
  type LoadPlan,
  type LoadResult,
  type PhaseResult,
  type Role,
  recordLatencyMs,
  type Scenario,
  type ServiceExit,
  type ServiceSpec,
  summarizeLatency,
} from '@peakgate/core';
import type {
  LoadRunner,
  LoadRunOptions,
  ResourceReading,
  RunningService,
  ServiceLauncher,
  ServiceStartOptions,
  StartOutcome,
} from '../ports.js';

/** One line per event: `start baseline 1`, `load candidate 1`, `stop baseline 1` (role, round order index). */
export type FakeLog = string[];

export interface FakeStartCall {
  role: Role;
  trial: number;
  build: BuildSpec;
  options: ServiceStartOptions;
}

/** What a start does: `ready` (the default), or never ready with this message. */
export type FakeStart = 'ready' | { notReady: string };

export class FakeService implements RunningService {
  readonly readyMs = 7;
  readonly logPath: string;
  readonly exited: Promise<ServiceExit>;
  /** CPU the fake load runner "spent" serving this service. */
  cpuNanos = 0;
  memoryBytes = 50e6;
  stops = 0;
  private endOnItsOwn!: (exit: ServiceExit) => void;

  constructor(
    readonly url: string,
    readonly role: Role,
    readonly trial: number,
    private readonly log: FakeLog,
  ) {
    this.logPath = `/fake/${role}-${trial}.log`;
    this.exited = new Promise((resolve) => {
      this.endOnItsOwn = resolve;
    });
  }

  async read(): Promise<ResourceReading> {
    return { cpuNanos: this.cpuNanos, memoryBytes: this.memoryBytes };
  }

  /** The build dies on its own (a crash, exit code 1). */
  crash(message = 'segfault'): void {
    this.endOnItsOwn({ ready: true, crashed: true, oomKilled: false, exitCode: 1, logTail: ['boom'], message });
  }

  async stop(): Promise<ServiceExit> {
    this.stops += 1;
    if (this.stops === 1) this.log.push(`stop ${this.role} ${this.trial}`);
    return { ready: true, crashed: false, oomKilled: false, exitCode: 0, logTail: [] };
  }
}

export class FakeLauncher implements ServiceLauncher {
  readonly driver = 'process' as const;
  readonly calls: FakeStartCall[] = [];
  readonly services: FakeService[] = [];
  reaped = 0;

  constructor(
    readonly log: FakeLog = [],
    /** Decides each start; default: every build gets ready. */
    private readonly decide: (call: FakeStartCall) => FakeStart = () => 'ready',
  ) {}

  async start(build: BuildSpec, _service: ServiceSpec, options: ServiceStartOptions): Promise<StartOutcome> {
    const call: FakeStartCall = { role: options.role, trial: options.trial, build, options };
    this.calls.push(call);
    this.log.push(`start ${options.role} ${options.trial}`);
    const decision = this.decide(call);
    if (decision !== 'ready') {
      return {
        ok: false,
        exit: {
          ready: false,
          crashed: false,
          oomKilled: false,
          exitCode: 1,
          logTail: ['listen EADDRINUSE'],
          message: decision.notReady,
        },
      };
    }
    const service = new FakeService(
      `http://127.0.0.1:9/${options.role}/${options.trial}`,
      options.role,
      options.trial,
      this.log,
    );
    this.services.push(service);
    return { ok: true, service };
  }

  async reap(): Promise<number> {
    this.reaped += 1;
    return 0;
  }

  /** The service a load was aimed at. */
  serviceAt(url: string): FakeService | undefined {
    return this.services.find((service) => service.url === url);
  }

  /** Every service started and never stopped: must be empty once a comparison or trial is over. */
  running(): FakeService[] {
    return this.services.filter((service) => service.stops === 0);
  }
}

export interface FakeLoadOptions {
  /** Requests "sent" in the measured phases per trial (default 1000). */
  requests?: number;
  /** CPU the service spends per request, ns (default 200 µs: 0.2 ms per request). */
  cpuNanosPerRequest?: number;
  /** Latency of every request, ms (default 2). */
  latencyMs?: number;
  /**
   * Called once the measured window has opened, before the load ends: a test aborts, crashes the
   * service or advances its clock here. The load then waits `holdMs` or until its signal fires.
   */
  during?: (run: LoadRunOptions, service: FakeService | undefined) => void | Promise<void>;
  /** How long a load lasts unless aborted (default 1 ms), or a function of the service it loads. */
  holdMs?: number | ((service: FakeService | undefined) => number);
}

/** A load runner that "sends" a fixed load to a FakeService and charges its CPU. */
export class FakeLoadRunner implements LoadRunner {
  readonly runs: LoadRunOptions[] = [];

  constructor(
    private readonly launcher: FakeLauncher,
    private readonly options: FakeLoadOptions = {},
  ) {}

  async run(run: LoadRunOptions): Promise<LoadResult> {
    this.runs.push(run);
    const service = this.launcher.serviceAt(run.target);
    this.launcher.log.push(`load ${run.owner?.role ?? '?'} ${service?.trial ?? '?'}`);
    const { plan, signal } = run;
    if (plan.warmup !== undefined) {
      run.onPhase?.({ type: 'start', phase: plan.warmup.name, index: -1, warmup: true });
      run.onPhase?.({ type: 'end', phase: plan.warmup.name, index: -1, warmup: true });
    }
    const last = plan.phases.length - 1;
    run.onPhase?.({ type: 'start', phase: plan.phases[0]?.name ?? 'none', index: 0, warmup: false });
    await this.options.during?.(run, service);
    const holdMs = this.options.holdMs;
    const stoppedEarly = await hold(typeof holdMs === 'function' ? holdMs(service) : (holdMs ?? 1), signal);
    // An interrupted load sent half of what it was asked (some figures, not all).
    const requests = Math.round((this.options.requests ?? 1000) / (stoppedEarly ? 2 : 1));
    if (service !== undefined) service.cpuNanos += requests * (this.options.cpuNanosPerRequest ?? 200_000);
    if (!stoppedEarly)
      run.onPhase?.({ type: 'end', phase: plan.phases[last]?.name ?? 'none', index: last, warmup: false });
    return fakeLoadResult(run.target, plan, requests, this.options.latencyMs ?? 2, stoppedEarly);
  }
}

/** Waits `ms`, or less when the signal fires; true when it fired. */
async function hold(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted === true) return true;
  return new Promise<boolean>((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(false);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** A load result of `requests` requests at `latencyMs` each, spread evenly over the plan's measured phases. */
export function fakeLoadResult(
  target: string,
  plan: LoadPlan,
  requests: number,
  latencyMs: number,
  interrupted = false,
): LoadResult {
  const histogramOf = (count: number) => {
    const histogram = createLatencyHistogram();
    for (let i = 0; i < count; i++) recordLatencyMs(histogram, latencyMs);
    return histogram;
  };
  const noErrors = { status: 0, timeout: 0, refused: 0, reset: 0, other: 0, dropped: 0 };
  const perPhase = Math.floor(requests / Math.max(1, plan.phases.length));
  const phases: PhaseResult[] = plan.phases.map((phase) => {
    const histogram = histogramOf(perPhase);
    return {
      name: phase.name,
      model: phase.load.model,
      durationMs: phase.durationMs,
      requests: { total: perPhase, ok: perPhase, errors: 0 },
      errors: noErrors,
      statuses: { '200': perPhase },
      rate: { asked: null, achieved: perPhase / (phase.durationMs / 1000) },
      latency: summarizeLatency(histogram),
      histogram: encodeHistogram(histogram),
    };
  });
  const total = perPhase * phases.length;
  const all = histogramOf(total);
  const durationMs = plan.phases.reduce((sum, phase) => sum + phase.durationMs, 0);
  return {
    target,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs,
    latencyOrigin: 'intended-start',
    interrupted,
    workers: 1,
    requests: { total, ok: total, errors: 0 },
    errors: noErrors,
    statuses: { '200': total },
    rate: { asked: null, achieved: total / (durationMs / 1000) },
    latency: summarizeLatency(all),
    histogram: encodeHistogram(all),
    phases,
    series: [],
  };
}

/** A resolved scenario for the controller's tests: one short open phase, the comparison overridable. */
export function fakeScenario(compare: Partial<Scenario['compare']> = {}): Scenario {
  return {
    name: 'fake',
    service: { port: 8080, ready: { kind: 'tcp', timeoutMs: 1000 }, env: {}, resources: {}, network: 'bridge' },
    load: {
      phases: [
        { name: 'peak', durationMs: 5000, load: { model: 'open', rate: { from: 200, to: 200 }, maxConnections: 64 } },
      ],
      requests: [{ weight: 1, method: 'GET', path: '/', headers: {} }],
      expectStatus: [200],
      timeoutMs: 1000,
    },
    compare: { rounds: 1, maxRounds: 1, limits: {}, slo: {}, confidence: 0.95, schedule: 'alternate', ...compare },
  };
}

/** A clock that moves only when told: the comparison's budget is then checked to the millisecond. */
export class FakeClock {
  ms = 0;
  readonly now = (): number => this.ms;
  advance(ms: number): void {
    this.ms += ms;
  }
}
