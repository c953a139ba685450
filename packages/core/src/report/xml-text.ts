/**
 * Text from a scenario or a service placed in XML or HTML (junit.xml, report.html, the forest
 * plot's SVG): as element content or a quoted attribute value it can never open a tag, end an
 * attribute or name an entity, and characters XML 1.0 forbids (ESC, BEL, backspace and the other
 * C0 controls but tab, CR and LF) are dropped, so the file always parses. Bidirectional overrides,
 * embeddings and isolates (U+202A-202E, U+2066-2069) are dropped too: they would show the text
 * after them reversed.
 */

/** Escapes text for XML/HTML content and attribute values; drops characters XML 1.0 forbids. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]|[\u202a-\u202e\u2066-\u2069]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}
