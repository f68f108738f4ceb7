import { isDeepStrictEqual } from 'node:util';

/**
 * Whether two definitions, as their schema parsed them, say the same thing: a push of an unchanged
 * file makes no version (forms, segments). Apart from the definitions' modules, which the console
 * imports: it takes no Node module with it.
 */
export const sameDefinition = <Definition>(a: Definition, b: Definition): boolean => isDeepStrictEqual(a, b);
