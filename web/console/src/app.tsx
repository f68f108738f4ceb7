import { useQueryClient } from '@tanstack/react-query';
import { lazy, useEffect, useState, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router';
import { ApiProvider } from './api';
import type { ConsoleConfig } from './config';
import { useI18n } from './i18n';
import { Layout } from './layout';
import { ErrorNotice } from './notices';
import { canUse, type SectionPath } from './pages';
import { finishCognitoSignIn, forgetSession, isCognitoCallback, keepSession, storedSession, type Session } from './session';
import { SignIn } from './sign-in';

// Each page is its own chunk: the first load carries the frame and the leads list only.
const LeadsPage = lazy(() => import('./pages/leads'));
const LeadPage = lazy(() => import('./pages/lead'));
const ScoringPage = lazy(() => import('./pages/scoring'));
const RulesetPage = lazy(() => import('./pages/ruleset'));
const SegmentsPage = lazy(() => import('./pages/segments'));
const TemplatesPage = lazy(() => import('./pages/templates'));
const CampaignsPage = lazy(() => import('./pages/campaigns'));
const CampaignPage = lazy(() => import('./pages/campaign'));
const JourneysPage = lazy(() => import('./pages/journeys'));
const NewJourneyPage = lazy(() => import('./pages/journey-new'));
const JourneyPage = lazy(() => import('./pages/journey'));
const CarePage = lazy(() => import('./pages/care'));
const ReportsPage = lazy(() => import('./pages/reports'));
const FormsPage = lazy(() => import('./pages/forms'));
const SettingsPage = lazy(() => import('./pages/settings'));
const SubscriptionTypesPage = lazy(() => import('./pages/subscription-types'));
const TeamInboxPage = lazy(() => import('./pages/team-inbox'));

export function ConsoleApp({ config }: { readonly config: ConsoleConfig }) {
  const [session, setSession] = useState<Session | undefined>(storedSession);
  const [callbackError, setCallbackError] = useState<unknown>();
  const [finishing, setFinishing] = useState(() => config.auth.kind === 'cognito' && isCognitoCallback());
  const queryClient = useQueryClient();
  const { text } = useI18n();

  useEffect(() => {
    if (!finishing || config.auth.kind !== 'cognito') return;
    finishCognitoSignIn(config, config.auth)
      .then((next) => {
        keepSession(next);
        setSession(next);
      }, setCallbackError)
      .finally(() => setFinishing(false));
  }, [finishing, config]);

  function signedIn(next: Session) {
    keepSession(next);
    setSession(next);
  }
  function signOut() {
    queryClient.clear();
    setSession(undefined);
    forgetSession(config);
  }

  if (finishing) return <p role="status">{text('signIn.exchanging')}</p>;
  if (!session) {
    return (
      <>
        {callbackError !== undefined && <ErrorNotice error={callbackError} />}
        <SignIn config={config} onSignedIn={signedIn} />
      </>
    );
  }
  const allowed = (path: SectionPath, page: ReactNode) => (canUse(session.role, path) ? page : <p role="alert">{text('app.notAllowed', { role: text(`role.${session.role}`) })}</p>);
  return (
    <ApiProvider apiUrl={config.apiUrl} token={session.token}>
      <BrowserRouter basename={import.meta.env.BASE_URL.replace(/\/$/, '')}>
        <Layout session={session} onSignOut={signOut}>
          <Routes>
            <Route index element={<Navigate to="/leads" replace />} />
            <Route path="leads" element={allowed('leads', <LeadsPage session={session} />)} />
            <Route path="inbox" element={allowed('inbox', <TeamInboxPage session={session} />)} />
            <Route path="leads/:leadId" element={allowed('leads', <LeadPage session={session} />)} />
            <Route path="scoring" element={allowed('scoring', <ScoringPage />)} />
            <Route path="scoring/:version" element={allowed('scoring', <RulesetPage />)} />
            <Route path="segments" element={allowed('segments', <SegmentsPage />)} />
            <Route path="templates" element={allowed('templates', <TemplatesPage />)} />
            <Route path="campaigns" element={allowed('campaigns', <CampaignsPage />)} />
            <Route path="campaigns/:campaignId" element={allowed('campaigns', <CampaignPage />)} />
            <Route path="journeys" element={allowed('journeys', <JourneysPage />)} />
            <Route path="journeys/new" element={allowed('journeys', <NewJourneyPage />)} />
            <Route path="journeys/:journeyId" element={allowed('journeys', <JourneyPage />)} />
            <Route path="forms" element={allowed('forms', <FormsPage apiUrl={config.apiUrl} />)} />
            <Route path="reports" element={allowed('reports', <ReportsPage session={session} />)} />
            <Route path="care" element={allowed('care', <CarePage />)} />
            <Route path="subscription-types" element={allowed('subscription-types', <SubscriptionTypesPage session={session} />)} />
            <Route path="settings" element={allowed('settings', <SettingsPage />)} />
            <Route path="*" element={<p role="alert">{text('app.notFound')}</p>} />
          </Routes>
        </Layout>
      </BrowserRouter>
    </ApiProvider>
  );
}


