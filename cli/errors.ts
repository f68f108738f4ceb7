/** A refusal or failure the CLI explains in plain words: printed as it is, exit code 1. */
export class CliError extends Error {}
