import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { closeServer, jsonObjectBody, listenOn, SERIALIZATION_EXCEPTION } from './services';

/**
 * A Secrets Manager stand-in for local mode: answers GetSecretValue (AWS JSON 1.1) for the secrets
 * the local stack provisions, so handlers read their keys exactly as they do in AWS. A secret given as a
 * function is asked for its value at each call: what a rotation is in AWS.
 */
export async function startSecrets(options: { port: number; region: string; secrets: Readonly<Record<string, string | (() => string)>> }) {
  const reply = (response: ServerResponse, status: number, body: unknown) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    response.end(JSON.stringify(body));
  };
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const target = request.headers['x-amz-target'];
    if (target !== 'secretsmanager.GetSecretValue') {
      request.resume();
      return reply(response, 400, { __type: 'UnknownOperationException', message: `${String(target)} is not implemented locally` });
    }
    const body = await jsonObjectBody(request);
    if (!body) return reply(response, 400, SERIALIZATION_EXCEPTION);
    const { SecretId } = body;
    // A secret's name, not any key an object has: own properties only.
    if (typeof SecretId !== 'string' || !Object.hasOwn(options.secrets, SecretId)) return reply(response, 400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    const secret = options.secrets[SecretId];
    const SecretString = typeof secret === 'function' ? secret() : secret;
    reply(response, 200, { ARN: `arn:aws:secretsmanager:${options.region}:000000000000:secret:${SecretId}`, Name: SecretId, SecretString, VersionId: 'local' });
  };
  // A request that fails (its connection dropped mid-body) is answered 500; it never ends the stack's process.
  const server = createServer((request, response) => {
    answer(request, response).catch(() => {
      if (!response.headersSent) reply(response, 500, { __type: 'InternalFailure', message: 'local Secrets Manager failure' });
    });
  });
  await listenOn(server, options.port, 'this-machine-pages');
  return { endpoint: `http://127.0.0.1:${options.port}`, stop: () => closeServer(server) };
}
