/**
 * The construct id a function's resources are named after: `score-lead` becomes `ScoreLead`. Construct
 * ids make up logical ids, so changing this would replace every function, queue and alarm on upgrade.
 */
export const constructIdOf = (functionName: string) => functionName.replace(/(^|-)([a-z0-9])/g, (_, __, letter: string) => letter.toUpperCase());
