import { isDeepStrictEqual } from 'node:util';
import type { FormDefinition } from './definition';

/**
 * Whether two definitions say the same thing (a push of an unchanged file makes no version). Apart from
 * definition.ts, which the console imports: it takes no Node module with it.
 */
export const sameDefinition = (a: FormDefinition, b: FormDefinition): boolean => isDeepStrictEqual(a, b);
