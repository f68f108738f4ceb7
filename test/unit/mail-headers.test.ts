import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { singleLineHeader } from '../../src/domain/mail-headers';

const CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
/** Any string, with line breaks and other control characters mixed in often. */
const anyText = fc.string({ unit: fc.oneof(fc.constantFrom('\r', '\n', '\r\n', '\t', '\u0000', '\u0085', '\u2028', '\u2029', ' '), fc.string({ unit: 'binary', maxLength: 3 })) });
/** Printable text as a subject is written: words of printable characters between single spaces. */
const printableWord = fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).filter((word) => !CONTROL.test(word) && !word.includes(' '));
const printableText = fc.array(printableWord, { maxLength: 6 }).map((words) => words.join(' '));

describe('singleLineHeader', () => {
  it('makes a header injection one harmless line', () => {
    expect(singleLineHeader('MQL: Jane\r\nBcc: victim@example.com')).toBe('MQL: Jane Bcc: victim@example.com');
    expect(singleLineHeader('Hi\u2028there\u0085 \t you ')).toBe('Hi there you');
  });

  it('leaves no control character or line separator, whatever it is given', () => {
    fc.assert(fc.property(anyText, (value) => !CONTROL.test(singleLineHeader(value))));
  });

  it('is idempotent', () => {
    fc.assert(fc.property(anyText, (value) => singleLineHeader(singleLineHeader(value)) === singleLineHeader(value)));
  });

  it('leaves printable text unchanged', () => {
    fc.assert(fc.property(printableText, (value) => singleLineHeader(value) === value));
  });
});
