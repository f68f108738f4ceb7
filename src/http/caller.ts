import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import * as z from 'zod/mini';
import { isRole, roleOfGroups, type Caller } from '../domain/roles';

/**
 * Claims of a console sign-in, as API Gateway's JWT authorizer hands them over (or the local API does
 * for a development session). Cognito ID tokens carry `cognito:username`, access tokens `username`;
 * both carry `sub` and `cognito:groups`. API Gateway turns an array claim into a string in brackets
 * with spaces between (`[admin sales]`); anything else is read as a list too.
 */
const JwtClaims = z.looseObject({
  sub: z.string().check(z.minLength(1)),
  'cognito:username': z.optional(z.string().check(z.minLength(1))),
  username: z.optional(z.string().check(z.minLength(1))),
  name: z.optional(z.string().check(z.minLength(1))),
  'cognito:groups': z.optional(z.union([z.string(), z.array(z.string())])),
});

/** IAM in AWS (accessKey, userArn, userId, ...), or the development token locally (nothing). */
const IamContext = z.looseObject({ userId: z.optional(z.string()) });

const Authorizer = z.union([z.looseObject({ jwt: z.looseObject({ claims: JwtClaims }) }), z.looseObject({ iam: IamContext })]);

/** The groups of a `cognito:groups` claim in any of the forms it arrives in. */
export function groupsOf(claim: string | readonly string[] | undefined): string[] {
  if (claim === undefined) return [];
  if (typeof claim !== 'string') return [...claim];
  return claim
    .replace(/^\[|\]$/g, '')
    .split(/[\s,]+/)
    .filter(Boolean);
}

/**
 * Who sent a request, from what the authoriser put on it: a signed-in person with their role, a
 * service (IAM or the development token) or, on public routes, nobody. A person in none of the role
 * groups has no role and is refused by every admin route; an authoriser context of a shape not known
 * here is read as nobody, so it can never grant more than a public route gives.
 */
export function callerOf(event: APIGatewayProxyEventV2): Caller {
  const parsed = Authorizer.safeParse((event.requestContext as { authorizer?: unknown }).authorizer);
  if (!parsed.success) return { kind: 'anonymous' };
  if ('iam' in parsed.data) {
    // userId is `AIDA…` for a user and `AROA…:<session name>` for an assumed role; a session name is
    // often a person's email, so only the opaque unique id before it is kept (it names the role or user
    // in IAM's own records, as a Cognito sub names a console user).
    const principal = IamContext.safeParse(parsed.data.iam).data?.userId?.split(':')[0];
    return principal ? { kind: 'service', principal } : { kind: 'service' };
  }
  const { claims } = parsed.data.jwt;
  const user = claims['cognito:username'] ?? claims.username ?? claims.sub;
  const role = roleOfGroups(groupsOf(claims['cognito:groups']).filter(isRole));
  if (!role) return { kind: 'anonymous' };
  return { kind: 'user', user, name: claims.name ?? user, role, subject: claims.sub };
}
