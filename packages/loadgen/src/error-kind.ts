/** Maps transport errors from autocannon (net) and undici to the error kinds of a LoadResult. */
export type TransportErrorKind = 'timeout' | 'refused' | 'reset' | 'other';

const TIMEOUT_CODES = new Set([
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'ECONNABORTED', 'HPE_INVALID_EOF_STATE']);

export function classifyTransportError(error: unknown): TransportErrorKind {
  for (let current: unknown = error, depth = 0; current !== undefined && depth < 4; depth++) {
    if (!(current instanceof Error)) break;
    const code = (current as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'refused';
    if (code !== undefined && TIMEOUT_CODES.has(code)) return 'timeout';
    if (code !== undefined && RESET_CODES.has(code)) return 'reset';
    // autocannon reports its own timeout as a plain Error with this message.
    if (current.message === 'request timed out') return 'timeout';
    current = current.cause;
  }
  return 'other';
}
