/** Text made safe inside HTML elements and quoted attributes. */
export const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[character] ?? character);

/**
 * The page shell behind every signed email link (preference centre, survey answers): plain HTML that
 * works without script, kept out of search engines, with the status line read out by screen readers.
 */
export function linkPage(lang: string, title: string, body: string, status?: string): string {
  return `<!doctype html>
<html lang="${escapeHtml(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}fieldset{margin:1rem 0;border:1px solid #888;border-radius:.4rem}textarea{width:100%}button{font-size:1rem;padding:.5rem 1rem;margin:.5rem 0}[role=status]{background:#e8f5e9;padding:.5rem 1rem;border-radius:.4rem}</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
${status ? `<p role="status">${escapeHtml(status)}</p>\n` : ''}${body}
</main>
</body>
</html>
`;
}

/**
 * An email's HTML as a whole document, as every mail path sends it. Templates are usually written as a
 * fragment (`<p>Hello</p>`); sent as one, a phone's mail app may lay it out at a desktop's width and
 * shrink it, and its characters' encoding is the client's guess. A fragment goes into a document with
 * its charset, a viewport of the device's width and the subject as its title; HTML already written as
 * a document (it has an `<html>` element) is sent as it is.
 */
export function emailDocument(html: string, subject: string): string {
  if (/<html[\s>]/i.test(html)) return html;
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head><body>${html}</body></html>`;
}
