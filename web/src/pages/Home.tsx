import { Link } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { ROLE_NAMES } from '../auth/roles';
import { Button, Card, Heading } from '../components/nhs';
import { MENUS } from '../components/Layout';
import { useTitle } from '../components/useData';

const DESCRIPTIONS: Record<string, string> = {
  '/cohorts': 'Open cohorts, watch viability, decide go or no-go, allocate coaches and run the programme.',
  '/dead-letters': 'Events a service could not handle: look at them and run them again.',
  '/my-teams': 'Your teams: attendance, engagement and their charts with signals.',
  '/our-teams': "Your organisation's teams: charts and the calendar of sessions.",
  '/apply': 'Put a team forward for a cohort of the collaborative.',
  '/our-invoices': "Your organisation's invoices and credit notes.",
  '/invoices': 'Invoices, purchase orders, payments and PDFs.',
  '/proformas': 'Pro-forma invoices waiting for a purchase order.',
  '/credit-notes': 'Credit notes issued against invoices.',
  '/overdue': 'Invoices past their due date, with who to chase.',
};

export function Home() {
  const { person, signIn } = useAuth();
  useTitle('Home');
  if (person?.role) {
    return (
      <>
        <Heading caption={ROLE_NAMES[person.role]}>Enjoying Work</Heading>
        <ul className="nhsuk-grid-row nhsuk-card-group">
          {MENUS[person.role].map((item) => (
            <Card key={item.to} title={item.text} to={item.to}>
              {DESCRIPTIONS[item.to]}
            </Card>
          ))}
          <Card title="Notifications" to="/notifications">
            Messages sent to you, newest first: read them and choose which you get by email.
          </Card>
        </ul>
      </>
    );
  }
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <Heading>Enjoying Work collaborative</Heading>
        <p className="nhsuk-lede-text">
          A national quality improvement collaborative for staff wellbeing and joy in work in UK
          mental health services.
        </p>
        <p className="nhsuk-body">
          Teams join a cohort for 12 months: 2 months to get ready, then 10 months of coaching from a
          QI coach. Teams meet in six learning sessions and monthly learning sets, test change ideas,
          and collect data to a shared measurement plan.
        </p>
        {person && !person.role && (
          <p className="nhsuk-body">Your account has no role in Enjoying Work yet. Ask the programme team to give you one.</p>
        )}
        <div className="nhsuk-action-link">
          <Link className="nhsuk-action-link__link" to="/apply">
            <svg className="nhsuk-icon nhsuk-icon--arrow-right-circle" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="36" height="36" focusable="false" aria-hidden="true">
              <path d="M12 2a10 10 0 0 0-10 9h11.7l-4-4a1 1 0 0 1 1.5-1.4l5.6 5.7a1 1 0 0 1 0 1.4l-5.6 5.7a1 1 0 0 1-1.5 0 1 1 0 0 1 0-1.4l4-4H2A10 10 0 1 0 12 2z" />
            </svg>
            <span className="nhsuk-action-link__text">Find out how to apply</span>
          </Link>
        </div>
        <h2 className="nhsuk-heading-m">Sign in</h2>
        <p className="nhsuk-body">Programme staff, coaches, project leads and finance officers sign in with their organisation's account.</p>
        <Button onClick={() => void signIn('/')}>Sign in</Button>
      </div>
    </div>
  );
}
