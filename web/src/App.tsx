import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Route, Routes, useNavigate } from 'react-router';
import { useAuth } from './auth/AuthProvider';
import { ROLE_NAMES, ROLES, type Role } from './auth/roles';
import { Button, Heading, Loading } from './components/nhs';
import { Layout } from './components/Layout';
import { UnreadProvider } from './components/Unread';
import { useTitle } from './components/useData';
import { Home } from './pages/Home';
import { Apply, ApplyToCohort } from './pages/Apply';
import { MyApplications } from './pages/MyApplications';
import { UploadPage } from './pages/lead/UploadPage';
import { ProjectPage } from './pages/lead/ProjectPage';
import { IdeasPage } from './pages/lead/IdeasPage';
import { CyclesPage } from './pages/lead/CyclesPage';
import { MeetingsPage } from './pages/lead/MeetingsPage';
import { CohortList } from './pages/coordinator/CohortList';
import { CohortPage } from './pages/coordinator/CohortPage';
import { Programme } from './pages/coordinator/Programme';
import { ChangePackage, CollaborativeReport } from './pages/coordinator/CohortReport';
import { Register } from './pages/coordinator/Register';
import { DeadLetters } from './pages/operator/DeadLetters';
import { TeamList } from './pages/coach/TeamList';
import { TeamPage } from './pages/coach/TeamPage';
import { ChartPage } from './pages/coach/ChartPage';
import { InvoiceList } from './pages/finance/InvoiceList';
import { InvoicePage } from './pages/finance/InvoicePage';
import { ProformaList } from './pages/finance/ProformaList';
import { CreditNoteList } from './pages/finance/CreditNoteList';
import { OverdueList } from './pages/finance/OverdueList';
import { CreditNotePage, LedgerPage } from './pages/finance/CreditNotePage';
import { FeedPage } from './pages/notifications/FeedPage';
import { MessagePage } from './pages/notifications/MessagePage';
import { PreferencesPage } from './pages/notifications/PreferencesPage';

/** A page for some roles only; others are asked to sign in or told it is not for them. */
function Only({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { person, loading, signIn } = useAuth();
  if (loading) return <Loading what="your sign-in" />;
  if (!person) {
    return (
      <>
        <Heading>Sign in to carry on</Heading>
        <p className="nhsuk-body">You need to sign in with your organisation's account to see this page.</p>
        <Button onClick={() => void signIn()}>Sign in</Button>
      </>
    );
  }
  if (!person.role || !roles.includes(person.role)) {
    return (
      <>
        <Heading>This page is not for your role</Heading>
        <p className="nhsuk-body">
          This page is for {roles.map((r) => ROLE_NAMES[r].toLowerCase()).join(', ')}. Go back to the{' '}
          <a href="/">home page</a>.
        </p>
      </>
    );
  }
  return <>{children}</>;
}

function SignedIn() {
  const { completeSignIn } = useAuth();
  const navigate = useNavigate();
  const [failed, setFailed] = useState<string>();
  const once = useRef(false);
  useTitle('Signing in');
  useEffect(() => {
    if (once.current) return; // the code is single use (StrictMode runs effects twice)
    once.current = true;
    completeSignIn().then(
      (target) => navigate(target, { replace: true }),
      (error: unknown) => setFailed(error instanceof Error ? error.message : String(error)),
    );
  }, [completeSignIn, navigate]);
  if (failed) {
    return (
      <>
        <Heading>Sign-in did not finish</Heading>
        <p className="nhsuk-body">{failed}</p>
        <p className="nhsuk-body"><a href="/">Go to the home page</a> and sign in again.</p>
      </>
    );
  }
  return <Loading what="your sign-in" />;
}

function NotFound() {
  useTitle('Page not found');
  return (
    <>
      <Heading>Page not found</Heading>
      <p className="nhsuk-body">If you typed the web address, check it is correct. Go to the <a href="/">home page</a>.</p>
    </>
  );
}

const LEADS: Role[] = ['team_lead'];
const COORDINATORS: Role[] = ['coordinator'];
const TEAM_READERS: Role[] = ['coordinator', 'coach', 'team_lead'];
const MONEY: Role[] = ['finance', 'coordinator'];
const INVOICE_READERS: Role[] = ['finance', 'coordinator', 'team_lead'];
const EVERYONE: Role[] = [...ROLES];

export function App() {
  return (
    <UnreadProvider>
    <Layout>
      <Routes>
        <Route path="/" element={<Home />} />
        <Route path="/signed-in" element={<SignedIn />} />
        <Route path="/apply" element={<Apply />} />
        <Route path="/apply/:cohortId" element={<Only roles={[...LEADS, 'coordinator', 'applicant']}><ApplyToCohort /></Only>} />
        <Route path="/my-applications" element={<Only roles={['applicant']}><MyApplications /></Only>} />
        <Route path="/cohorts" element={<Only roles={COORDINATORS}><CohortList /></Only>} />
        <Route path="/cohorts/:cohortId" element={<Only roles={COORDINATORS}><CohortPage /></Only>} />
        <Route path="/cohorts/:cohortId/package" element={<Only roles={COORDINATORS}><ChangePackage /></Only>} />
        <Route path="/cohorts/:cohortId/report" element={<Only roles={COORDINATORS}><CollaborativeReport /></Only>} />
        <Route path="/cohorts/:cohortId/programme" element={<Only roles={COORDINATORS}><Programme /></Only>} />
        <Route path="/cohorts/:cohortId/programme/:sessionId" element={<Only roles={['coordinator', 'coach']}><Register /></Only>} />
        <Route path="/dead-letters" element={<Only roles={['operator', 'coordinator']}><DeadLetters /></Only>} />
        <Route path="/my-teams" element={<Only roles={['coach']}><TeamList /></Only>} />
        <Route path="/our-teams" element={<Only roles={LEADS}><TeamList /></Only>} />
        <Route path="/teams/:teamId" element={<Only roles={TEAM_READERS}><TeamPage /></Only>} />
        <Route path="/teams/:teamId/charts/:measureKey" element={<Only roles={TEAM_READERS}><ChartPage /></Only>} />
        <Route path="/teams/:teamId/project" element={<Only roles={TEAM_READERS}><ProjectPage /></Only>} />
        <Route path="/teams/:teamId/ideas" element={<Only roles={TEAM_READERS}><IdeasPage /></Only>} />
        <Route path="/teams/:teamId/cycles" element={<Only roles={TEAM_READERS}><CyclesPage /></Only>} />
        <Route path="/teams/:teamId/meetings" element={<Only roles={TEAM_READERS}><MeetingsPage /></Only>} />
        <Route path="/teams/:teamId/upload" element={<Only roles={['team_lead', 'coordinator']}><UploadPage /></Only>} />
        <Route path="/invoices" element={<Only roles={MONEY}><InvoiceList /></Only>} />
        <Route path="/our-invoices" element={<Only roles={LEADS}><InvoiceList /></Only>} />
        <Route path="/invoices/:invoiceId" element={<Only roles={INVOICE_READERS}><InvoicePage /></Only>} />
        <Route path="/proformas" element={<Only roles={MONEY}><ProformaList /></Only>} />
        <Route path="/credit-notes" element={<Only roles={INVOICE_READERS}><CreditNoteList /></Only>} />
        <Route path="/credit-notes/:creditNoteId" element={<Only roles={MONEY}><CreditNotePage /></Only>} />
        <Route path="/ledger" element={<Only roles={['finance']}><LedgerPage /></Only>} />
        <Route path="/overdue" element={<Only roles={MONEY}><OverdueList /></Only>} />
        <Route path="/notifications" element={<Only roles={EVERYONE}><FeedPage /></Only>} />
        <Route path="/notifications/preferences" element={<Only roles={EVERYONE}><PreferencesPage /></Only>} />
        <Route path="/notifications/:messageId" element={<Only roles={EVERYONE}><MessagePage /></Only>} />
        <Route path="*" element={<NotFound />} />
      </Routes>
    </Layout>
    </UnreadProvider>
  );
}
