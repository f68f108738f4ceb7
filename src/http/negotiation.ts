/**
 * Whether a caller would rather have an HTML page than JSON, by its Accept header (RFC 9110 section
 * 12.5.1: the higher quality wins, a specific type over a wildcard). A browser posting a form names
 * text/html first and any type at q=0.8; fetch and API clients send the bare wildcard,
 * application/json or nothing, and keep getting JSON: on a tie JSON wins.
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [range = '', ...parameters] = part.split(';').map((piece) => piece.trim().toLowerCase());
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    const q = quality === undefined ? 1 : Number(quality.slice(2));
    return { range, q: Number.isFinite(q) ? Math.min(Math.max(q, 0), 1) : 0 };
  });
  const qualityOf = (type: string) => {
    const [major] = type.split('/');
    const match = ranges.find((entry) => entry.range === type) ?? ranges.find((entry) => entry.range === `${major}/*`) ?? ranges.find((entry) => entry.range === '*/*');
    return match?.q ?? 0;
  };
  const html = qualityOf('text/html');
  return html > 0 && html > qualityOf('application/json');
}
