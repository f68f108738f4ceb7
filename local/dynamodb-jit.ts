/** How DynamoDB Local's JVM compiles its code: for long runs (`npm start`, the benches) or for the tests' short ones. */

/**
 * Java's tiered JIT with its last tier, C2, held back until code is really hot. With C2 at Java's
 * defaults DynamoDB Local compiled its start-up code too, and `npm start` was ready about 2 s later
 * (8.6 against 6.5 s, five starts each); with C1 only (the Seventh round in docs/performance.md) it
 * started as fast but a campaign of 100,000 took 31-41% longer. With C2 waiting for 50,000 calls of a
 * method (or 400,000 turns of a loop), a start costs what C1's does (6.5 s to ready) and a long run
 * gets C2's code: the 100,000-recipient campaign in 440.1 s against 582.0 with C1 only
 * (docs/performance.md, "DynamoDB Local's C2 held back until code is hot").
 */
const LONG_RUN_JIT = ['-XX:Tier4InvocationThreshold=50000', '-XX:Tier4MinInvocationThreshold=20000', '-XX:Tier4CompileThreshold=60000', '-XX:Tier4BackEdgeThreshold=400000'];

/**
 * Set to `short-runs` by the test run (test/global-setup.ts): its two dozen DynamoDB Locals live
 * seconds to a minute or two each, too short for C2 to pay back, and the profiling C1 does for C2 at
 * the tiers before it is most of a start's CPU. C1 alone (`-XX:TieredStopAtLevel=1`) took DynamoDB
 * Local's share of the CPU of `npm test` from 29-31% to 21-22% (docs/performance.md, "npm test:
 * DynamoDB Local on C1 alone"). `npm start` and the benches keep C2 for their long runs.
 */
export const DYNAMODB_JIT_VARIABLE = 'LEADFLOW_DYNAMODB_JIT';
export const dynamoDbJvmOptions = (): readonly string[] => (process.env[DYNAMODB_JIT_VARIABLE] === 'short-runs' ? ['-XX:TieredStopAtLevel=1'] : LONG_RUN_JIT);
