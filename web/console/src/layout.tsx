import { Suspense, type ReactNode } from 'react';
import { NavLink } from 'react-router';
import { LANGUAGES, useI18n, type Language } from './i18n';
import { Loading } from './notices';
import { SECTIONS } from './pages';
import type { Role, Session } from './session';

/** The frame of every page: skip link, navigation limited to what the role may use, language switch, sign-out. */
export function Layout({ session, onSignOut, children }: { readonly session: Session; readonly onSignOut: () => void; readonly children: ReactNode }) {
  const { text, language, setLanguage } = useI18n();
  return (
    <>
      <a className="skip" href="#main">
        {text('app.skip')}
      </a>
      <header className="top">
        <span className="brand">{text('app.title')}</span>
        <nav aria-label={text('app.navigation')}>
          <ul>
            {SECTIONS.filter((section) => (section.roles as readonly Role[]).includes(session.role)).map((section) => (
              <li key={section.path}>
                <NavLink to={`/${section.path}`}>{text(section.label)}</NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="account">
          <label>
            <span className="visually-hidden">{text('app.language')}</span>
            <select value={language} onChange={(event) => setLanguage(event.target.value as Language)} aria-label={text('app.language')}>
              {Object.entries(LANGUAGES).map(([code, name]) => (
                <option key={code} value={code} lang={code}>
                  {name}
                </option>
              ))}
            </select>
          </label>
          <span className="who">{text('app.signedInAs', { name: session.name, role: text(`role.${session.role}`) })}</span>
          <button type="button" onClick={onSignOut}>
            {text('app.signOut')}
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Suspense fallback={<Loading />}>{children}</Suspense>
      </main>
    </>
  );
}
