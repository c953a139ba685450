/**
 * Placeholders in request paths and bodies: `{{int 1 50}}`, `{{uuid}}`, `{{pick a b c}}`,
 * `{{env NAME}}` (the value of an environment variable of the peakgate process, read when the load
 * starts: how `peakgate replay` keeps recorded secrets out of scenario files).
 * The scenario loader validates them with {@link parsePlaceholders}; the load engine may call the
 * same function to compile a template once and then trust it (it throws only on input the loader
 * has already rejected).
 */

export type TemplatePart =
  | { kind: 'text'; text: string }
  /** A uniformly random integer in [min, max], both inclusive. */
  | { kind: 'int'; min: number; max: number }
  | { kind: 'uuid' }
  /** One of the options, uniformly at random. */
  | { kind: 'pick'; options: string[] }
  /** The value of environment variable `name`, resolved by the load engine when a run starts. */
  | { kind: 'env'; name: string };

export class PlaceholderError extends Error {
  override name = 'PlaceholderError';
}

const PLACEHOLDER_HELP = 'placeholders are {{int MIN MAX}}, {{uuid}}, {{pick A B ...}} and {{env NAME}}';
const INTEGER = /^-?\d+$/;
/** The environment names `{{env NAME}}` accepts: what a shell can export. */
export const ENV_PLACEHOLDER_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits a template into literal text and placeholders; throws PlaceholderError naming the bad one. */
export function parsePlaceholders(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let rest = template;
  while (rest.length > 0) {
    const open = rest.indexOf('{{');
    const text = open === -1 ? rest : rest.slice(0, open);
    if (text.includes('}}')) throw new PlaceholderError(`"}}" without an opening "{{" in ${JSON.stringify(template)}`);
    if (open === -1) {
      parts.push({ kind: 'text', text: rest });
      break;
    }
    if (open > 0) parts.push({ kind: 'text', text });
    const close = rest.indexOf('}}', open + 2);
    if (close === -1) throw new PlaceholderError(`"{{" without a closing "}}" in ${JSON.stringify(template)}`);
    const inner = rest.slice(open + 2, close);
    if (/[{}]/.test(inner)) throw new PlaceholderError(`unbalanced "{{" in ${JSON.stringify(template)}`);
    parts.push(parsePlaceholder(inner));
    rest = rest.slice(close + 2);
  }
  return mergeText(parts);
}

function parsePlaceholder(inner: string): TemplatePart {
  const words = inner
    .trim()
    .split(/\s+/)
    .filter((word) => word !== '');
  const [name, ...args] = words;
  const written = `{{${inner}}}`;
  switch (name) {
    case 'uuid':
      if (args.length > 0) throw new PlaceholderError(`${written}: uuid takes no arguments`);
      return { kind: 'uuid' };
    case 'int': {
      const [min, max] = args;
      if (args.length !== 2 || min === undefined || max === undefined || !INTEGER.test(min) || !INTEGER.test(max))
        throw new PlaceholderError(`${written}: expected {{int MIN MAX}} with two integers`);
      const low = Number(min);
      const high = Number(max);
      if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high))
        throw new PlaceholderError(`${written}: integers must be within ±${Number.MAX_SAFE_INTEGER}`);
      if (low > high) throw new PlaceholderError(`${written}: MIN must not be greater than MAX`);
      return { kind: 'int', min: low, max: high };
    }
    case 'pick':
      if (args.length === 0)
        throw new PlaceholderError(`${written}: expected {{pick A B ...}} with at least one option`);
      return { kind: 'pick', options: args };
    case 'env': {
      const [variable] = args;
      if (args.length !== 1 || variable === undefined || !ENV_PLACEHOLDER_NAME.test(variable))
        throw new PlaceholderError(
          `${written}: expected {{env NAME}} with one environment variable name (letters, digits and _, not starting with a digit)`,
        );
      return { kind: 'env', name: variable };
    }
    default:
      throw new PlaceholderError(`unknown placeholder ${written}; ${PLACEHOLDER_HELP}`);
  }
}

function mergeText(parts: TemplatePart[]): TemplatePart[] {
  const merged: TemplatePart[] = [];
  for (const part of parts) {
    const last = merged.at(-1);
    if (part.kind === 'text' && last?.kind === 'text') last.text += part.text;
    else merged.push(part);
  }
  return merged;
}
