import { z } from 'zod';

/**
 * Reads a function's configuration from its environment once, at cold start, and fails fast naming
 * every missing variable, so a mis-wired deployment breaks loudly on its first invocation.
 */
export function readConfig<T extends z.ZodRawShape>(shape: T, env: NodeJS.ProcessEnv = process.env): z.infer<z.ZodObject<T>> {
  const result = z.object(shape).safeParse(env);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  return result.data;
}

export const setting = z.string().min(1);
export const positiveInteger = z.coerce.number().int().positive();
