/**
 * Header values that carry lead data (a subject with a lead's name, a List-Unsubscribe link) must stay
 * one line: a CR or LF in a header lets the text after it become a header of its own (`Bcc: …`).
 */

/** C0 and C1 control characters (CR and LF among them), DEL, and the Unicode line and paragraph separators. */
const LINE_BREAKING = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/g;

/**
 * The value as one line: every control character (tabs included) and line separator becomes a space,
 * runs of spaces fold into one, and spaces at the ends go. Idempotent; printable text with single
 * spaces between words comes back unchanged.
 */
export function singleLineHeader(value: string): string {
  return value.replace(LINE_BREAKING, ' ').replace(/ {2,}/g, ' ').replace(/^ | $/g, '');
}
