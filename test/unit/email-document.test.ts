import { describe, expect, it } from 'vitest';
import { emailDocument } from '../../src/domain/html';

describe('emailDocument: the HTML every mail path sends', () => {
  it('puts a fragment into a document with its charset, a viewport of the device width and the subject as title', () => {
    const html = emailDocument('<p>Hello Ana</p>', 'Welcome, Ana');
    expect(html.startsWith('<!doctype html><html><head><meta charset="utf-8">')).toBe(true);
    expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    expect(html).toContain('<title>Welcome, Ana</title>');
    expect(html.endsWith('<body><p>Hello Ana</p></body></html>')).toBe(true);
  });

  it('escapes the subject, which may carry lead data, in the title', () => {
    expect(emailDocument('<p>Hi</p>', 'MQL: Jane (Acme <b>)</title><script>')).toContain('<title>MQL: Jane (Acme &lt;b&gt;)&lt;/title&gt;&lt;script&gt;</title>');
  });

  it('sends HTML already written as a document as it is, whatever the case of its element', () => {
    for (const written of ['<!doctype html><html lang="id"><body><p>Halo</p></body></html>', '<HTML><BODY>Hi</BODY></HTML>', '<html>\n<body>Hi</body></html>']) {
      expect(emailDocument(written, 'Hi')).toBe(written);
    }
  });

  it('does not take a word that starts with html for the element', () => {
    expect(emailDocument('<p>See <htmlish> and the word <html-like></p>', 'Hi')).toContain('<body><p>See <htmlish>');
  });
});
