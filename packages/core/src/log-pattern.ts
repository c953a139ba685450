/**
 * The regular expressions a scenario supplies (`ready.log` of the service and of each dependency) run
 * on RE2 (the re2js port): matching time grows linearly with the line, whatever the pattern. V8's own
 * backtracking engine takes exponential time on `^(a+)+$` against a long line of a's, on the main
 * thread, where no timer, abort or SIGTERM handler can run until it returns; a build under test
 * chooses what it prints, so that would let it stall the gate.
 *
 * RE2 has no backreferences (`\1`) and no lookaround (`(?=`, `(?!`, `(?<=`, `(?<!`): the scenario
 * rules refuse them at load with RE2's reason, naming the field. Patterns are at most
 * {@link LOG_PATTERN_MAX_CHARS} characters and a line longer than {@link LOG_LINE_MATCH_CHARS}
 * characters is not matched, which bounds one match at well under a second even for a large pattern.
 */
import { RE2JS } from 're2js';

/** Longest `ready.log` pattern: a readiness line needs a few words, not a program. */
export const LOG_PATTERN_MAX_CHARS = 512;
/** Longest log line a pattern is matched against; a longer line never matches. */
export const LOG_LINE_MATCH_CHARS = 16 * 1024;

export interface LogPattern {
  /** True when the line is at most LOG_LINE_MATCH_CHARS characters and the pattern matches somewhere in it. */
  test(line: string): boolean;
}

/** The pattern compiled, or why RE2 refuses it (a sentence without the "error parsing regexp" prefix). */
export function compileLogPattern(pattern: string): LogPattern | { problem: string } {
  if (pattern.length > LOG_PATTERN_MAX_CHARS)
    return { problem: `a pattern of at most ${LOG_PATTERN_MAX_CHARS} characters, found ${pattern.length}` };
  let compiled: RE2JS;
  try {
    compiled = RE2JS.compile(pattern);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { problem: reason.replace(/^error parsing regexp: /, '') };
  }
  // A longer line is not matched at all: cutting it would let `$` match at the cut.
  return { test: (line) => line.length <= LOG_LINE_MATCH_CHARS && compiled.test(line) };
}
