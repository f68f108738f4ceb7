import { describe, expect, it } from 'vitest';
import { START_USAGE, startCommand, STAND_IN_PORTS } from '../../local/start-options';

const HINT = '(npm start -- --help lists the options)';

describe("npm start's command line", () => {
  it('starts with the defaults when given nothing', () => {
    expect(startCommand([], {})).toEqual({ start: { reset: false, apiPort: 3000, ports: STAND_IN_PORTS } });
  });

  it('takes --reset, --port and --data, and each stand-in port from the environment (0: any free port)', () => {
    expect(startCommand(['--port', '0'], {})).toEqual({ start: { reset: false, apiPort: 0, ports: STAND_IN_PORTS } });
    expect(startCommand(['--reset', '--port', '3100', '--data', '/tmp/other'], { LEADFLOW_SQS_PORT: '0', LEADFLOW_DEMO_PORT: '9090', PATH: '/usr/bin' })).toEqual({
      start: { reset: true, apiPort: 3100, data: '/tmp/other', ports: { ...STAND_IN_PORTS, SQS: 0, DEMO: 9090 } },
    });
  });

  it.each([['--help'], ['-h']])('prints what it takes for %s, and exits 0', (flag) => {
    expect(startCommand([flag, '--bogus'], {})).toEqual({ print: START_USAGE, exitCode: 0 });
    for (const option of ['--reset', '--port', '--data', 'LEADFLOW_ALLOWED_HOSTS', ...Object.keys(STAND_IN_PORTS).map((name) => `LEADFLOW_${name}_PORT`)]) expect(START_USAGE).toContain(option);
  });

  it.each([
    [['--bogus'], `Unknown option '--bogus'`],
    [['--port'], `Option '--port <value>' argument missing`],
    [['--port', 'abc'], '--port must be a port number from 0 to 65535, not "abc"'],
    [['--port', '-1'], `Option '--port' argument is ambiguous`],
    [['--port', '70000'], '--port must be a port number from 0 to 65535, not "70000"'],
    [['--port', '3e3'], '--port must be a port number from 0 to 65535, not "3e3"'],
    [['--data', ''], '--data must name a folder'],
    [['reset'], `Unexpected argument 'reset'`],
  ])('refuses %j in one line naming the mistake, exit code 1', (args, message) => {
    const command = startCommand(args, {});
    expect(command).toEqual({ print: expect.stringContaining(message), exitCode: 1 });
    expect('print' in command && command.print).toMatch(new RegExp(`^leadflow cannot start: [^\\n]*${HINT.replace(/[()]/g, '\\$&')}$`));
  });

  it.each([['https://my-box.example.com'], ['my-box.example.com:3000'], ['*'], ['*.example.com'], ['[fe80::1]'], ['my box']])('refuses LEADFLOW_ALLOWED_HOSTS naming %j, which no request can match, naming the variable and the name', (name) => {
    expect(startCommand([], { LEADFLOW_ALLOWED_HOSTS: `ok.example.com, ${name}` })).toEqual({
      print: `leadflow cannot start: LEADFLOW_ALLOWED_HOSTS must list host names such as my-box.example.com (no scheme, port or wildcard), not ${JSON.stringify(name.toLowerCase())} ${HINT}`,
      exitCode: 1,
    });
  });

  it('takes LEADFLOW_ALLOWED_HOSTS listing host names, and an empty one', () => {
    for (const value of ['my-box.example.com', 'Dev-Box.local, 10.0.0.5', '']) expect(startCommand([], { LEADFLOW_ALLOWED_HOSTS: value })).toEqual({ start: { reset: false, apiPort: 3000, ports: STAND_IN_PORTS } });
  });

  it.each([['LEADFLOW_DYNAMODB_PORT', 'eight'], ['LEADFLOW_SES_PORT', '-1'], ['LEADFLOW_BUS_PORT', '65536'], ['LEADFLOW_SECRETS_PORT', '']])('refuses %s=%j, naming the variable', (name, value) => {
    expect(startCommand([], { [name]: value })).toEqual({ print: `leadflow cannot start: ${name} must be a port number from 0 to 65535, not ${JSON.stringify(value)} ${HINT}`, exitCode: 1 });
  });
});
