/** Attempts of a read-compute-conditional-write loop before its record is left to SQS redelivery. */
export const OPTIMISTIC_ATTEMPTS = 6;

/** Full-jitter backoff between optimistic-lock attempts, so consumers that collided do not collide again. */
export const pauseBeforeRetry = (attempt: number) => new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * 2 ** attempt));
