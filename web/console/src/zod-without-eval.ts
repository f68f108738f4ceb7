import { config } from 'zod';

/**
 * The console's Content-Security-Policy allows no eval (`default-src 'self'`, no `script-src`), and
 * zod, at its first parse of an object, probes whether it may compile parsers with `new Function`:
 * the browser refuses the probe and reports it as a policy violation on every load. Parsing without
 * compiled parsers asks nothing of the policy. main.tsx imports this module first, before any schema.
 */
config({ jitless: true });
