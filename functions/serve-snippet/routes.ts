import * as z from 'zod/mini';
import { defineRoute } from '../../src/http/routes';

/**
 * The path names the snippet's major version: browsers keep what it serves for a year without asking
 * again (`immutable`), so a change sites must not get silently is served at a new path (`v2`), and
 * this one keeps answering for the pages that still name it.
 */
export const getLeadflowJs = defineRoute({
  operationId: 'getLeadflowJs',
  method: 'GET',
  path: '/js/v1/leadflow.js',
  summary: 'leadflow.js, the tracking snippet',
  description:
    'Include it as `<script src="…/js/v1/leadflow.js" data-write-key="…" data-consent="required" async>`. It sends page views with visible time on page, ' +
    'UTM and referrer, `track` and `identify` calls to `/v1/batch` in the shape of Segment\'s HTTP tracking API; nothing before consent when `data-consent="required"`, nothing at all under Global Privacy Control. ' +
    'Gzipped when the request accepts it; cached for a year.',
  request: {},
  responses: { 200: { description: 'The script.', schema: z.string(), contentType: 'text/javascript' } },
});

export const serveSnippetRoutes = [getLeadflowJs] as const;
