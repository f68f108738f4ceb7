import { describe, expect, it } from 'vitest';
import { checkEmail } from '../../src/domain/email';

describe('checkEmail', () => {
  it.each([
    ['  Jane.Doe@Example.COM ', 'jane.doe@example.com'],
    ['jane+news@example.co.id', 'jane+news@example.co.id'],
    ['budi@bücher.de', 'budi@xn--bcher-kva.de'],
  ])('normalises %j to %j', (input, expected) => {
    expect(checkEmail(input)).toEqual({ ok: true, email: expected });
  });

  it.each([
    ['', 'must look like name@example.com'],
    ['jane', 'must look like name@example.com'],
    ['jane@', 'must look like name@example.com'],
    ['@example.com', 'must look like name@example.com'],
    ['jane@localhost', 'has an invalid domain'],
    ['jane@example.123', 'has an invalid domain'],
    ['jane..doe@example.com', 'has characters not allowed before @'],
    ['jane doe@example.com', 'has characters not allowed before @'],
    [`${'a'.repeat(65)}@example.com`, 'has a part before @ longer than 64 characters'],
    [`jane@${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.com`, 'is longer than 254 characters'],
  ])('refuses %j: %s', (input, reason) => {
    expect(checkEmail(input)).toEqual({ ok: false, reason });
  });
});
