/**
 * Examples shown at the end of each command's --help, in one table so they read alike and stay
 * next to each other when a flag changes. registerCommands adds them; a command without an entry
 * simply has none (a test checks every registered command has one).
 */
export const HELP_EXAMPLES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  validate: [
    ['check a scenario and see what it resolves to', 'peakgate validate scenarios/peak.yaml'],
    ['the resolved scenario as JSON (units normalised)', 'peakgate validate scenarios/peak.yaml --json'],
  ],
  run: [
    ['load a service that is already running', 'peakgate run scenarios/smoke.yaml --target http://127.0.0.1:8080'],
    ['start one build, load it, report its CPU and memory', 'peakgate run scenarios/peak.yaml --service shop:1.5.0'],
  ],
  compare: [
    [
      'gate a release candidate against the current image (exit 0 pass, 1 fail)',
      'peakgate compare scenarios/peak.yaml --baseline shop:1.4.2 --candidate shop:1.5.0 --out peakgate-out',
    ],
    [
      'two local builds as commands (each must listen on $PORT)',
      'peakgate compare scenarios/smoke.yaml --driver process --baseline-cmd "node v1/server.js" --candidate-cmd "node v2/server.js"',
    ],
    [
      'in CI: plain progress lines, report.json on stdout',
      'CI=true peakgate compare scenarios/peak.yaml --json > report.json',
    ],
    [
      'two builds already deployed, CPU read from their cgroups (v2)',
      'peakgate compare scenarios/peak.yaml --baseline-url http://127.0.0.1:8081 --candidate-url http://127.0.0.1:8082 --baseline-cpu-cgroup /sys/fs/cgroup/shop-blue --candidate-cpu-cgroup /sys/fs/cgroup/shop-green',
    ],
    [
      'a remote engine whose published ports are reached through another address',
      'DOCKER_HOST=tcp://staging:2376 peakgate compare scenarios/peak.yaml --service-host 10.0.0.5',
    ],
    [
      'hand the scenario a secret for {{env API_TOKEN}} (no other variable is readable; shown as ***)',
      'API_TOKEN=... peakgate compare scenarios/peak.yaml --env API_TOKEN --out peakgate-out',
    ],
  ],
  demo: [
    ['see the gate catch a CPU regression in the sample service', 'peakgate demo'],
    ['keep the reports (open report.html in a browser)', 'peakgate demo --out /tmp/demo-out'],
  ],
  report: [
    [
      're-draw the report files of a saved run into another folder',
      'peakgate report peakgate-out --out /tmp/re-rendered',
    ],
    [
      'judge the same trials again under the limits of a scenario file',
      'peakgate report peakgate-out/trials.json --limits scenarios/peak.yaml --out /tmp/strict',
    ],
  ],
  init: [
    [
      'in your repository: a scenario for the image built from ./Dockerfile and a GitHub workflow',
      'peakgate init --image shop --port 8080 --ready /healthz',
    ],
    [
      'the request mix from an access log, a GitLab job, a process instead of an image',
      'peakgate init --cmd "node server.js" --from-log access.log --ci gitlab',
    ],
  ],
  images: [
    ["the demo's sample images, offline, on a base made from this machine's node", 'peakgate images'],
    ['the same on a registry base image', 'peakgate images --base node:20-slim'],
  ],
  replay: [['turn an access log into a scenario', 'peakgate replay access.log --out scenario.yaml']],
  reap: [
    ['remove what crashed runs left behind', 'peakgate reap'],
    ['the same, as JSON', 'peakgate reap --json'],
  ],
  render: [
    [
      'the Kubernetes manifests on stdout, straight into kubectl',
      'peakgate render k8s scenarios/balancer-peak.yaml | kubectl apply -f -',
    ],
    [
      'one file per object, 4 load shards, own images and namespace',
      'peakgate render k8s scenarios/peak.yaml --out k8s/ --shards 4 --image-baseline shop:1.4.2 --image-candidate shop:1.5.0 -n perf',
    ],
  ],
  serve: [
    ['the HTTP API on 127.0.0.1:9470 with a token', 'PEAKGATE_TOKEN=secret peakgate serve'],
    ['another port, scenarios from a folder', 'peakgate serve --port 8088 --scenarios ./scenarios'],
  ],
};

/** The `Examples:` block for a command's help, or undefined when it has none. */
export function helpExamples(command: string): string | undefined {
  const examples = HELP_EXAMPLES[command];
  if (examples === undefined || examples.length === 0) return undefined;
  return `\nExamples:\n${examples.map(([what, line]) => `  # ${what}\n  $ ${line}`).join('\n\n')}\n`;
}
