import * as z from 'zod/mini';

/**
 * A web origin as a browser sends it in `Origin` (`https://www.example.com`): scheme, host and port
 * only. Forms and tracking sources are bound to origins like this.
 */
export const Origin = z
  .string().check(z.maxLength(300), z.refine((value) => {
    try {
      const url = new URL(value);
      return (url.protocol === 'https:' || url.protocol === 'http:') && url.origin === value;
    } catch {
      return false;
    }
  }, 'must be an origin such as https://www.example.com (scheme, host and port, no path or trailing /)'));
