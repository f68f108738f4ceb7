/**
 * A count from the environment variable `name`, or `fallback` when it is unset: a whole number of at
 * least `least`, else the bench stops before it starts anything, naming the variable (a typo ran
 * with NaN, and a count of 0 printed Infinity a recipient).
 */
export function countFromEnv(name: string, fallback: number, least = 1, env: NodeJS.ProcessEnv = process.env): number {
  const text = Object.hasOwn(env, name) ? env[name] : undefined;
  if (text === undefined || text === '') return fallback;
  const count = Number(text);
  if (!Number.isSafeInteger(count) || count < least) throw new Error(`${name} must be a whole number of at least ${least}, not "${text}"`);
  return count;
}
