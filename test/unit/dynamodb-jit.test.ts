import { afterEach, describe, expect, it } from 'vitest';
import { DYNAMODB_JIT_VARIABLE, dynamoDbJvmOptions } from '../../local/dynamodb-jit';

const before = process.env[DYNAMODB_JIT_VARIABLE];
afterEach(() => {
  if (before === undefined) delete process.env[DYNAMODB_JIT_VARIABLE];
  else process.env[DYNAMODB_JIT_VARIABLE] = before;
});

describe("DynamoDB Local's JIT", () => {
  it('holds C2 back until code is hot for `npm start` and the benches, which set nothing', () => {
    delete process.env[DYNAMODB_JIT_VARIABLE];
    expect(dynamoDbJvmOptions()).toContain('-XX:Tier4InvocationThreshold=50000');
    expect(dynamoDbJvmOptions()).not.toContain('-XX:TieredStopAtLevel=1');
  });

  it('compiles with C1 alone for the short runs the test run asks for', () => {
    process.env[DYNAMODB_JIT_VARIABLE] = 'short-runs';
    expect(dynamoDbJvmOptions()).toEqual(['-XX:TieredStopAtLevel=1']);
  });
});
