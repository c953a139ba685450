/**
 * The prom-client registry the controller owns. It listens to progress events, so the CLI's
 * `--metrics-port`, the HTTP API's /metrics and a Pushgateway all see the same figures, updated
 * live (each second of load, each resource reading). Names follow Prometheus conventions: base
 * units (seconds, bytes), `_total` for counters. Labels are bounded: `scenario`, `role`
 * (baseline | candidate, or target for a one-sided `run`), `phase` (the scenario's phase names,
 * `warmup`), `status_class` (2xx…5xx), `verdict`, `outcome`. Never a URL or a run id.
 */
import { type LoadPlan, peakgateVersion, type Role, type SecondSample, type TrialResult } from '@peakgate/core';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { BulkHistogram } from './bulk-histogram.js';
import type { LoadRunner, RunningService, ServiceLauncher } from './ports.js';
import type { ProgressEvent, ProgressListener } from './progress.js';

/** 100 µs to 10 s: loopback services answer in tens or hundreds of µs; 10 s is past any sane timeout. */
export const LATENCY_BUCKETS_SECONDS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** A comparison takes from seconds (tests) to an hour (long peaks with extra rounds). */
const COMPARISON_BUCKETS_SECONDS = [5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600];

/** `target` labels the one side of `peakgate run`. */
export type MetricsRole = Role | 'target';

export type VerdictLabel = 'pass' | 'fail' | 'error';
const VERDICT_STATES: readonly VerdictLabel[] = ['pass', 'fail', 'error'];
const TRIAL_OUTCOMES = ['ok', 'not-ready', 'crashed', 'oom'] as const;

/**
 * prom-client's default collectors that `promtool check metrics` refuses: gauges named with a
 * counter's `_total` suffix. Each only sums a labelled gauge that stays (`nodejs_active_handles`,
 * `nodejs_active_requests`, `nodejs_active_resources`, by type), so nothing is lost.
 */
export const DROPPED_DEFAULT_METRICS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export interface ComparisonMetricsOptions {
  /** Default process metrics of peakgate itself (CPU, memory, event loop, GC); default true. */
  processMetrics?: boolean;
}

export class ComparisonMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: 'peakgate_requests_total',
    help: 'Requests completed by the load engine in measured phases',
    labelNames: ['scenario', 'role', 'phase'] as const,
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'peakgate_request_errors_total',
    help: 'Requests that failed (unexpected status, timeout, refused, reset, dropped) in measured phases',
    labelNames: ['scenario', 'role', 'phase'] as const,
    registers: [this.registry],
  });
  private readonly responses = new Counter({
    name: 'peakgate_responses_total',
    help: 'HTTP responses by status class, counted when each trial ends',
    labelNames: ['scenario', 'role', 'status_class'] as const,
    registers: [this.registry],
  });
  private readonly latency = new BulkHistogram({
    name: 'peakgate_request_duration_seconds',
    help: 'Request latency in measured phases (from the intended send time in the open model)',
    labelNames: ['scenario', 'role'] as const,
    buckets: LATENCY_BUCKETS_SECONDS,
    registers: [this.registry],
  });
  private readonly cpuSeconds = new Counter({
    name: 'peakgate_service_cpu_seconds_total',
    help: "The service's own CPU time during measured phases (cgroup for Docker, /proc for processes)",
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly memoryBytes = new Gauge({
    name: 'peakgate_service_memory_bytes',
    help: "The service's memory at the last reading (container usage minus inactive file, or RSS of the process tree)",
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly cpuPerRequest = new Gauge({
    name: 'peakgate_service_cpu_per_request_seconds',
    help: 'Service CPU time per request over the last finished trial',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly askedRate = new Gauge({
    name: 'peakgate_load_asked_requests_per_second',
    help: 'Arrival rate the scenario asks for in the current second (open model only)',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly achievedRate = new Gauge({
    name: 'peakgate_load_achieved_requests_per_second',
    help: 'Requests completed in the last second of load',
    labelNames: ['scenario', 'role'] as const,
    registers: [this.registry],
  });
  private readonly round = new Gauge({
    name: 'peakgate_round',
    help: 'Round of the running comparison (0 when none runs)',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  private readonly phase = new Gauge({
    name: 'peakgate_phase',
    help: '1 for the phase each role is in now (warmup or a measured phase name); absent between trials',
    labelNames: ['scenario', 'role', 'phase'] as const,
    registers: [this.registry],
  });
  private readonly running = new Gauge({
    name: 'peakgate_comparison_running',
    help: '1 while a comparison or run is in progress',
    registers: [this.registry],
  });
  private readonly trials = new Counter({
    name: 'peakgate_trials_total',
    help: 'Trials finished, by role and outcome (ok, not-ready, crashed, oom)',
    labelNames: ['scenario', 'role', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly comparisons = new Counter({
    name: 'peakgate_comparisons_total',
    help: 'Comparisons finished, by verdict (pass, fail, or error when the sandbox could not judge)',
    labelNames: ['scenario', 'verdict'] as const,
    registers: [this.registry],
  });
  private readonly verdictState = new Gauge({
    name: 'peakgate_verdict',
    help: 'State set of the last verdict of each scenario: 1 for its state (pass, fail, error), 0 for the others',
    labelNames: ['scenario', 'state'] as const,
    registers: [this.registry],
  });
  /** Deprecated for peakgate_verdict (a state set); kept because dashboards and alerts read it. */
  private readonly lastVerdict = new Gauge({
    name: 'peakgate_last_verdict',
    help: 'Deprecated, use peakgate_verdict. Verdict of the last comparison of each scenario: 1 pass, 0 fail, -1 error',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  private readonly lastVerdictTime = new Gauge({
    name: 'peakgate_last_verdict_timestamp_seconds',
    help: 'Unix time of the last verdict of each scenario',
    labelNames: ['scenario'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'peakgate_comparison_duration_seconds',
    help: 'Wall time of each finished comparison, start to verdict',
    labelNames: ['scenario'] as const,
    buckets: COMPARISON_BUCKETS_SECONDS,
    registers: [this.registry],
  });

  private scenario = '';
  private startedAt: number | undefined;
  private plan: LoadPlan | undefined;
  private readonly currentPhase = new Map<MetricsRole, string>();

  constructor(options: ComparisonMetricsOptions = {}) {
    new Gauge({
      name: 'peakgate_build_info',
      help: 'Always 1; the labels say which peakgate and Node.js serve these metrics',
      labelNames: ['version', 'nodejs_version'] as const,
      registers: [this.registry],
    }).set({ version: peakgateVersion, nodejs_version: process.versions.node }, 1);
    if (options.processMetrics !== false) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of DROPPED_DEFAULT_METRICS) this.registry.removeSingleMetric(name);
    }
  }

  /** The Prometheus text exposition and its content type, for an HTTP handler. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /** Starts a scenario by hand (one-sided `run`, which has no comparison-started event). */
  begin(scenario: string, plan?: LoadPlan): void {
    this.scenario = scenario;
    this.startedAt = Date.now();
    if (plan !== undefined) this.plan = plan;
    this.running.set(1);
  }

  /** Ends a scenario begun by hand, without a verdict. */
  end(): void {
    this.running.set(0);
    this.startedAt = undefined;
    for (const role of [...this.currentPhase.keys()]) this.leavePhase(role);
  }

  readonly listener = (event: ProgressEvent): void => {
    switch (event.type) {
      case 'comparison-started':
        this.begin(event.scenario);
        this.round.set({ scenario: this.scenario }, 0);
        // Series exist at 0 before their first count, so increase() sees the first verdict too.
        for (const verdict of VERDICT_STATES) this.comparisons.inc({ scenario: this.scenario, verdict }, 0);
        this.duration.zero({ scenario: this.scenario });
        break;
      case 'trial-started':
        this.round.set({ scenario: this.scenario }, event.round);
        for (const outcome of TRIAL_OUTCOMES)
          this.trials.inc({ scenario: this.scenario, role: event.role, outcome }, 0);
        break;
      case 'phase':
        if (event.stage === 'warmup') this.enterPhase(event.role, 'warmup');
        break;
      case 'sample':
        this.observeSample(event.role, event.sample);
        break;
      case 'trial-finished':
        this.observeTrial(event.trial);
        break;
      default:
        break;
    }
  };

  /** One second of measured load, summed over workers. */
  observeSample(role: MetricsRole, sample: SecondSample): void {
    if (sample.warmup === true) return;
    const labels = { scenario: this.scenario, role };
    this.enterPhase(role, sample.phase);
    this.requests.inc({ ...labels, phase: sample.phase }, sample.requests);
    this.errors.inc({ ...labels, phase: sample.phase }, sample.errors);
    this.latency.addEncoded(labels, sample.histogram);
    this.achievedRate.set(labels, sample.requests);
    const asked = this.askedRateAt(sample);
    if (asked === undefined) this.askedRate.remove(labels);
    else this.askedRate.set(labels, asked);
  }

  /** A finished trial: outcome, status classes, CPU per request; the role leaves its phase. */
  observeTrial(trial: TrialResult): void {
    const labels = { scenario: this.scenario, role: trial.role };
    const outcome: (typeof TRIAL_OUTCOMES)[number] = !trial.exit.ready
      ? 'not-ready'
      : trial.exit.oomKilled
        ? 'oom'
        : trial.exit.crashed
          ? 'crashed'
          : 'ok';
    this.trials.inc({ ...labels, outcome });
    for (const [status, count] of Object.entries(trial.load?.statuses ?? {})) {
      this.responses.inc({ ...labels, status_class: statusClass(status) }, count);
    }
    if (trial.service !== null) this.cpuPerRequest.set(labels, trial.service.cpuPerRequestMs / 1000);
    this.leavePhase(trial.role);
    this.askedRate.remove(labels);
    this.achievedRate.set(labels, 0);
  }

  observeVerdict(verdict: VerdictLabel): void {
    const scenario = this.scenario;
    this.comparisons.inc({ scenario, verdict });
    for (const state of VERDICT_STATES) this.verdictState.set({ scenario, state }, state === verdict ? 1 : 0);
    this.lastVerdict.set({ scenario }, verdict === 'pass' ? 1 : verdict === 'fail' ? 0 : -1);
    this.lastVerdictTime.set({ scenario }, Date.now() / 1000);
    if (this.startedAt !== undefined) this.duration.observe({ scenario }, (Date.now() - this.startedAt) / 1000);
    this.round.set({ scenario }, 0);
    this.end();
  }

  /** Service CPU and memory from each resource reading of the measured window (about once a second). */
  observeReading(role: MetricsRole, cpuSecondsDelta: number, memoryBytes: number): void {
    const labels = { scenario: this.scenario, role };
    if (cpuSecondsDelta > 0) this.cpuSeconds.inc(labels, cpuSecondsDelta);
    this.memoryBytes.set(labels, memoryBytes);
  }

  /**
   * Wraps the controller's seams so resource readings and the load plan reach the registry:
   * the progress events carry neither (the sampler reads CPU and memory without emitting).
   */
  instrument(seams: { launcher: ServiceLauncher; loadRunner: LoadRunner }): {
    launcher: ServiceLauncher;
    loadRunner: LoadRunner;
  } {
    const { launcher, loadRunner } = seams;
    return {
      launcher: {
        driver: launcher.driver,
        ...(launcher.location !== undefined ? { location: launcher.location } : {}),
        ...(launcher.sides !== undefined ? { sides: launcher.sides } : {}),
        reap: () => launcher.reap(),
        start: async (build, service, options) => {
          const outcome = await launcher.start(build, service, options);
          return outcome.ok ? { ok: true, service: this.instrumentService(options.role, outcome.service) } : outcome;
        },
      },
      loadRunner: {
        run: (options) => {
          this.plan = options.plan;
          return loadRunner.run(options);
        },
      },
    };
  }

  /**
   * The seams and progress listener a run needs, wired to this registry: what `instrument` does,
   * plus every progress event passed on to the caller's listener and then to `listener`.
   */
  wire(seams: { launcher: ServiceLauncher; loadRunner: LoadRunner; onProgress?: ProgressListener | undefined }): {
    launcher: ServiceLauncher;
    loadRunner: LoadRunner;
    onProgress: ProgressListener;
  } {
    const { onProgress } = seams;
    return {
      ...this.instrument(seams),
      onProgress: (event) => {
        onProgress?.(event);
        this.listener(event);
      },
    };
  }

  private instrumentService(role: Role, service: RunningService): RunningService {
    let lastCpuNanos: number | undefined;
    const read = service.read?.bind(service);
    // A build with no CPU source (already deployed, none given) has nothing to read.
    if (read === undefined) return service;
    return {
      // Everything the trial needs (allowHosts for a remote engine, dependencies), read wrapped.
      ...service,
      exited: service.exited,
      stop: () => service.stop(),
      read: async () => {
        const reading = await read();
        // The first reading is the measured window's start: later ones count from it.
        const delta = lastCpuNanos === undefined ? 0 : Math.max(0, reading.cpuNanos - lastCpuNanos);
        lastCpuNanos = reading.cpuNanos;
        this.observeReading(role, delta / 1e9, reading.memoryBytes);
        return reading;
      },
    };
  }

  private enterPhase(role: MetricsRole, phase: string): void {
    const previous = this.currentPhase.get(role);
    if (previous === phase) return;
    if (previous !== undefined) this.phase.remove({ scenario: this.scenario, role, phase: previous });
    this.phase.set({ scenario: this.scenario, role, phase }, 1);
    this.currentPhase.set(role, phase);
  }

  private leavePhase(role: MetricsRole): void {
    const previous = this.currentPhase.get(role);
    if (previous !== undefined) this.phase.remove({ scenario: this.scenario, role, phase: previous });
    this.currentPhase.delete(role);
  }

  /** The open-model rate the plan asks for in this sample's second (the middle of a ramp's second). */
  private askedRateAt(sample: SecondSample): number | undefined {
    if (this.plan === undefined) return undefined;
    let startMs = 0;
    for (const phase of this.plan.phases) {
      if (phase.name === sample.phase) {
        if (phase.load.model !== 'open') return undefined;
        const { from, to } = phase.load.rate;
        const intoPhase = Math.min(Math.max(sample.second * 1000 + 500 - startMs, 0), phase.durationMs);
        return from + ((to - from) * intoPhase) / phase.durationMs;
      }
      startMs += phase.durationMs;
    }
    return undefined;
  }
}

function statusClass(status: string): string {
  const code = Number(status);
  return code >= 100 && code < 600 ? `${Math.floor(code / 100)}xx` : 'other';
}
