import { createServer } from 'node:http';
import { closeServer, listenOn, readBody } from './services';

/**
 * A Secrets Manager stand-in for local mode: answers GetSecretValue (AWS JSON 1.1) for the secrets
 * the local stack provisions, so handlers read their keys exactly as they do in AWS.
 */
export async function startSecrets(options: { port: number; region: string; secrets: Readonly<Record<string, string>> }) {
  const server = createServer(async (request, response) => {
    const reply = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      response.end(JSON.stringify(body));
    };
    const target = request.headers['x-amz-target'];
    if (target !== 'secretsmanager.GetSecretValue') return reply(400, { __type: 'UnknownOperationException', message: `${String(target)} is not implemented locally` });
    const { SecretId } = JSON.parse((await readBody(request)) || '{}') as { SecretId?: string };
    const value = SecretId === undefined ? undefined : options.secrets[SecretId];
    if (value === undefined) return reply(400, { __type: 'ResourceNotFoundException', message: "Secrets Manager can't find the specified secret." });
    reply(200, { ARN: `arn:aws:secretsmanager:${options.region}:000000000000:secret:${SecretId}`, Name: SecretId, SecretString: value, VersionId: 'local' });
  });
  await listenOn(server, options.port, 'this-machine-pages');
  return { endpoint: `http://127.0.0.1:${options.port}`, stop: () => closeServer(server) };
}
