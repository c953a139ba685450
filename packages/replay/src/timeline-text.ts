/**
 * The timeline file `replay --timeline` writes beside the scenario: one arrival per line, its offset
 * from the window start in ms (unscaled: the scenario's `speed` divides it) and the index of its
 * request in `load.requests`. Arrivals of templates left out of the mix (`--top`) are left out.
 */
import type { Arrivals } from './traffic-summary.js';

export function formatTimeline(
  arrivals: Arrivals,
  indexOfTemplate: ReadonlyMap<number, number>,
  facts: {
    source: string;
    windowStartMs: number;
    /**
     * `replay --duration`: the window's arrivals again every `periodMs` (the window's length), up to
     * (not including) offset `untilMs`; unscaled, like the offsets. Absent: one pass.
     */
    loop?: { periodMs: number; untilMs: number };
  },
): { text: string; arrivals: number } {
  const chunks: string[] = [
    `# peakgate timeline: <offset ms> <request index> per line, from ${JSON.stringify(facts.source)}, window start ${new Date(facts.windowStartMs).toISOString()}\n`,
  ];
  let lines: string[] = [];
  let count = 0;
  const loop = facts.loop;
  const passes = loop === undefined ? 1 : Math.max(1, Math.ceil(loop.untilMs / loop.periodMs));
  for (let pass = 0; pass < passes; pass++) {
    const shift = pass * (loop?.periodMs ?? 0);
    for (let i = 0; i < arrivals.offsetsMs.length; i++) {
      const index = indexOfTemplate.get(arrivals.templateIds[i] ?? -1);
      if (index === undefined) continue;
      const offset = Math.max(0, arrivals.offsetsMs[i] ?? 0) + shift;
      if (loop !== undefined && offset >= loop.untilMs) break;
      lines.push(`${Math.round(offset * 1000) / 1000} ${index}`);
      count++;
      if (lines.length === 65_536) {
        chunks.push(`${lines.join('\n')}\n`);
        lines = [];
      }
    }
  }
  if (lines.length > 0) chunks.push(`${lines.join('\n')}\n`);
  return { text: chunks.join(''), arrivals: count };
}
