import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import type { ConsoleConfig } from './config';
import { LANGUAGES, useI18n, type Language } from './i18n';
import { ErrorNotice, Loading } from './notices';
import { developmentSignIn, developmentUsers, startCognitoSignIn, type Session } from './session';

/** Sign-in: Cognito's managed login in AWS; locally, a list of development users. */
export function SignIn({ config, onSignedIn }: { readonly config: ConsoleConfig; readonly onSignedIn: (session: Session) => void }) {
  const { text, language, setLanguage } = useI18n();
  const [failure, setFailure] = useState<unknown>();
  const attempt = (signIn: () => Promise<Session | undefined | void>) => () => {
    setFailure(undefined);
    signIn().then((session) => session && onSignedIn(session), setFailure);
  };
  return (
    <main id="main" className="sign-in">
      <h1>{text('signIn.title')}</h1>
      <label>
        {text('app.language')}{' '}
        <select value={language} onChange={(event) => setLanguage(event.target.value as Language)}>
          {Object.entries(LANGUAGES).map(([code, name]) => (
            <option key={code} value={code} lang={code}>
              {name}
            </option>
          ))}
        </select>
      </label>
      {config.auth.kind === 'cognito' ? (
        <CognitoSignIn onStart={attempt(() => startCognitoSignIn(config.auth as Extract<ConsoleConfig['auth'], { kind: 'cognito' }>))} />
      ) : (
        <DevelopmentSignIn apiUrl={config.apiUrl} onSignIn={(signIn) => attempt(signIn)()} />
      )}
      {failure !== undefined && <ErrorNotice error={new Error(text('signIn.failed', { message: failure instanceof Error ? failure.message : String(failure) }))} />}
    </main>
  );
}

function CognitoSignIn({ onStart }: { readonly onStart: () => void }) {
  const { text } = useI18n();
  return (
    <>
      <p>{text('signIn.cognitoHelp')}</p>
      <button type="button" className="primary" onClick={onStart}>
        {text('signIn.cognito')}
      </button>
    </>
  );
}

function DevelopmentSignIn({ apiUrl, onSignIn }: { readonly apiUrl: string; readonly onSignIn: (signIn: () => Promise<Session>) => void }) {
  const { text } = useI18n();
  const users = useQuery({ queryKey: ['dev-users', apiUrl], queryFn: () => developmentUsers(apiUrl) });
  if (users.isPending) return <Loading />;
  if (users.isError) return <ErrorNotice error={users.error} onRetry={() => users.refetch()} />;
  return (
      <>
        <p>{text('signIn.development')}</p>
        <ul className="users">
          {users.data.map((user) => (
            <li key={user.user}>
              <button type="button" onClick={() => onSignIn(() => developmentSignIn(apiUrl, user.user))}>
                {text('signIn.as', { name: `${user.name} (${text(`role.${user.role}`)})` })}
              </button>
            </li>
          ))}
        </ul>
        {!users.data.some((user) => user.role === 'sales') && <p className="help">{text('signIn.noSalesRep')}</p>}
      </>
    );
}
