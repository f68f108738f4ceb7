import type { Command } from 'commander';
import { ROLES } from '../../src/domain/roles';
import { expectOk } from '../admin-api';
import { type CommandContext, commandGroup } from '../command-context';
import { CliError } from '../errors';

interface ListedUser {
  user: string;
  name: string;
  email?: string;
  role?: string;
  enabled: boolean;
  status: string;
}

const roleOption = (role: string | undefined, command: string): string => {
  if (!role || !(ROLES as readonly string[]).includes(role)) throw new CliError(`users ${command} needs --role ${ROLES.join('|')}`);
  return role;
};

/** `leadflow users list | invite | set-role | disable | enable`: the console's users and their roles. */
export function registerUsers(program: Command, context: CommandContext): void {
  const { io } = context;
  const users = commandGroup(program, 'users', "the console's users and their roles (admin, marketer, sales)");

  users
    .command('list')
    .description('every console user with their role, whether they may sign in, and their sign-in status')
    .action(async () => {
      const { users: listed } = expectOk(await (await context.api()).listUsers(), 'Listing users') as { users: ListedUser[] };
      io.out(
        listed.length
          ? listed.map((user) => `${user.user}  ${user.role ?? '(no role)'}  ${user.enabled ? 'enabled' : 'disabled'}  ${user.status}  ${user.name}${user.email ? ` <${user.email}>` : ''}`).join('\n')
          : 'no users',
      );
    });

  users
    .command('invite')
    .description('create a user in a role; in AWS Cognito emails them a temporary password')
    .argument('<user>', "the sign-in name (a sales user's is their rep id in the routing)")
    .option('--email <address>', 'where the invitation goes (required)')
    .option('--name <name>', 'their full name (required)')
    .option('--role <role>', `one of ${ROLES.join(', ')} (required)`)
    .action(async (user: string, options: { email?: string; name?: string; role?: string }) => {
      if (!options.email || !options.name) throw new CliError('users invite needs a user name, --email, --name and --role, e.g. users invite ana --email ana@example.com --name "Ana Putri" --role sales');
      const role = roleOption(options.role, 'invite');
      const created = expectOk(await (await context.api()).inviteUser({ user, name: options.name, email: options.email, role }), `Inviting ${user}`);
      io.out(`${user} invited as ${role} (${String(created.status)})`);
    });

  users
    .command('set-role')
    .description("move a user to another role; it applies at their next sign-in (within an hour in AWS)")
    .argument('<user>')
    .option('--role <role>', `one of ${ROLES.join(', ')} (required)`)
    .action(async (user: string, options: { role?: string }) => {
      const role = roleOption(options.role, 'set-role');
      expectOk(await (await context.api()).setUserRole(user, role), `Changing the role of ${user}`);
      io.out(`${user} is now ${role}`);
    });

  for (const [command, enabled, description] of [
    ['disable', false, 'stop a user signing in (their records keep their name)'],
    ['enable', true, 'let a disabled user sign in again, in the role they had'],
  ] as const) {
    users
      .command(command)
      .description(description)
      .argument('<user>')
      .action(async (user: string) => {
        expectOk(await (await context.api()).setUserEnabled(user, enabled), `${enabled ? 'Enabling' : 'Disabling'} ${user}`);
        io.out(`${user} ${enabled ? 'enabled' : 'disabled'}`);
      });
  }
}
