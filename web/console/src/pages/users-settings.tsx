import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { FormEvent } from 'react';
import type * as z from 'zod';
import { disableUser, enableUser, inviteUser, listUsers, setUserRole } from '../../../../functions/manage-users/routes';
import { getMe } from '../../../../functions/who-am-i/routes';
import { refetchAfterChange } from '../after-change';
import { useApi } from '../api';
import { useI18n } from '../i18n';
import { ErrorNotice, Loading } from '../notices';
import { ROLES, type Role } from '../session';

/**
 * Settings > Users: who may sign in and in which role. An admin invites people (Cognito emails them),
 * changes roles, disables and enables; their own row offers neither, as the API refuses both.
 */
export function UsersSettings() {
  const api = useApi();
  const queryClient = useQueryClient();
  const { text, label } = useI18n();
  const users = useQuery({ queryKey: ['users'], queryFn: () => api.call(listUsers, {}) });
  const me = useQuery({ queryKey: ['me'], queryFn: () => api.call(getMe, {}) });
  const refresh = () => refetchAfterChange(queryClient, { queryKey: ['users'] });
  const invite = useMutation({ mutationFn: (body: z.input<typeof inviteUser.request.body.schema>) => api.call(inviteUser, { body }), onSuccess: refresh });
  const changeRole = useMutation({ mutationFn: ({ user, role }: { user: string; role: Role }) => api.call(setUserRole, { params: { user }, body: { role } }), onSuccess: refresh });
  const setEnabled = useMutation({
    mutationFn: ({ user, enabled }: { user: string; enabled: boolean }) => api.call(enabled ? enableUser : disableUser, { params: { user } }),
    onSuccess: refresh,
  });
  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    invite.mutate(
      { user: String(form.get('user') ?? ''), name: String(form.get('name') ?? ''), email: String(form.get('email') ?? ''), role: String(form.get('role') ?? 'sales') as Role },
      { onSuccess: () => (event.target as HTMLFormElement).reset() },
    );
  }
  return (
    <section aria-labelledby="users-title">
      <h2 id="users-title">{text('users.title')}</h2>
      {/* Who is signed in decides which row has no controls: the table waits for both. */}
      {users.isPending || me.isPending ? (
        <Loading />
      ) : users.isError || me.isError ? (
        <ErrorNotice error={users.error ?? me.error} />
      ) : (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">{text('users.user')}</th>
                <th scope="col">{text('leads.name')}</th>
                <th scope="col">{text('users.role')}</th>
                <th scope="col">{text('users.status')}</th>
                <th scope="col">{text('settings.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {users.data.users.map((user) => {
                const self = me.data.user === user.user;
                return (
                  <tr key={user.user}>
                    <td>{user.user}</td>
                    <td>
                      {user.name}
                      {user.email && <span className="help"> {user.email}</span>}
                    </td>
                    <td>
                      {self ? (
                        text(`role.${user.role ?? 'admin'}`)
                      ) : (
                        <select
                          aria-label={text('users.roleOf', { user: user.user })}
                          value={user.role ?? ''}
                          onChange={(event) => changeRole.mutate({ user: user.user, role: event.target.value as Role })}
                        >
                          {!user.role && <option value="">{text('users.noRole')}</option>}
                          {ROLES.map((role) => (
                            <option key={role} value={role}>
                              {text(`role.${role}`)}
                            </option>
                          ))}
                        </select>
                      )}
                    </td>
                    <td>
                      {text(user.enabled ? 'users.enabled' : 'users.disabled')} <span className="help">{label('userStatus', user.status)}</span>
                    </td>
                    <td>
                      {self ? (
                        <span className="help">{text('users.you')}</span>
                      ) : (
                        <button
                          type="button"
                          className={user.enabled ? 'danger' : undefined}
                          onClick={() => (user.enabled ? window.confirm(text('users.disableConfirm', { user: user.user })) : true) && setEnabled.mutate({ user: user.user, enabled: !user.enabled })}
                        >
                          {text(user.enabled ? 'users.disable' : 'users.enable')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {[invite, changeRole, setEnabled].map((mutation, index) => mutation.isError && <ErrorNotice key={['invite', 'role', 'enabled'][index]} error={mutation.error} />)}
      <form onSubmit={submit} className="inline-form">
        <label>
          {text('users.user')}
          <input name="user" required pattern="[a-z0-9][a-z0-9._\-]{0,63}" autoComplete="off" />
        </label>
        <label>
          {text('leads.name')}
          <input name="name" required autoComplete="off" />
        </label>
        <label>
          {text('leads.email')}
          <input name="email" type="email" required autoComplete="off" />
        </label>
        <label>
          {text('users.role')}
          <select name="role" defaultValue="sales">
            {ROLES.map((role) => (
              <option key={role} value={role}>
                {text(`role.${role}`)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="primary" disabled={invite.isPending}>
          {text('users.invite')}
        </button>
      </form>
      {invite.isSuccess && (
        <p role="status" className="notice">
          {text('users.invited', { user: invite.data.user })}
        </p>
      )}
    </section>
  );
}
