import { useEffect, useRef, type ReactNode } from 'react';
import { Link, NavLink, useLocation } from 'react-router';
import { useAuth } from '../auth/AuthProvider';
import { ROLE_NAMES, type Role } from '../auth/roles';
import { unreadText, useUnread } from './Unread';

// What each role finds in the menu; everyone signed in also has Notifications in the header.
export const MENUS: Record<Role, { to: string; text: string }[]> = {
  coordinator: [
    { to: '/cohorts', text: 'Cohorts' },
    { to: '/dead-letters', text: 'Dead letters' },
  ],
  coach: [{ to: '/my-teams', text: 'My teams' }],
  team_lead: [
    { to: '/our-teams', text: 'Our teams' },
    { to: '/apply', text: 'Apply' },
    { to: '/our-invoices', text: 'Invoices' },
  ],
  finance: [
    { to: '/invoices', text: 'Invoices' },
    { to: '/proformas', text: 'Pro-formas' },
    { to: '/credit-notes', text: 'Credit notes' },
    { to: '/overdue', text: 'Overdue' },
    { to: '/ledger', text: 'Ledger export' },
  ],
  operator: [{ to: '/dead-letters', text: 'Dead letters' }],
  applicant: [
    { to: '/apply', text: 'Apply' },
    { to: '/my-applications', text: 'Your applications' },
  ],
};

const LOGO_PATH =
  'M200 0v80H0V0h200Zm-27.5 5.5c-14.5 0-29 5-29 22 0 10.2 7.7 13.5 14.7 16.3l.7.3c5.4 2 10.1 3.9 10.1 8.4 0 6.5-8.5 7.5-14 7.5s-12.5-1.5-16-3.5L135 70c5.5 2 13.5 3.5 20 3.5 15.5 0 32-4.5 32-22.5 0-19.5-25.5-16.5-25.5-25.5 0-5.5 5.5-6.5 12.5-6.5a35 35 0 0 1 14.5 3l4-13.5c-4.5-2-12-3-20-3Zm-131 2h-22l-14 65H22l9-45h.5l13.5 45h21.5l14-65H64l-9 45h-.5l-13-45Zm63 0h-18l-13 65h17l6-28H117l-5.5 28H129l13.5-65H125L119.5 32h-20l5-24.5Z';

export function Layout({ children }: { children: ReactNode }) {
  const { person, signIn, signOut } = useAuth();
  const unread = useUnread();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);
  // After a client-side navigation, move focus to the page (as a page load would).
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);
  const menu = person?.role ? MENUS[person.role] : [{ to: '/apply', text: 'Apply to join' }];
  return (
    <>
      <a className="nhsuk-skip-link" href="#maincontent">Skip to main content</a>
      <header className="nhsuk-header" role="banner">
        <div className="nhsuk-header__container nhsuk-width-container">
          <div className="nhsuk-header__service">
            <Link className="nhsuk-header__service-logo" to="/" aria-label="NHS Enjoying Work homepage">
              <svg className="nhsuk-header__logo" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 80" height="40" width="100" focusable="false" role="img" aria-label="NHS">
                <title>NHS</title>
                <path fill="currentcolor" d={LOGO_PATH} />
              </svg>
              <span className="nhsuk-header__service-name">Enjoying Work</span>
            </Link>
          </div>
          <nav className="nhsuk-header__account" aria-label="Account">
            <ul className="nhsuk-header__account-list">
              {person ? (
                <>
                  <li className="nhsuk-header__account-item">
                    {person.name}
                    {person.role ? ` (${ROLE_NAMES[person.role]})` : ''}
                  </li>
                  <li className="nhsuk-header__account-item">
                    <NavLink className="nhsuk-header__account-link" to="/notifications" end>
                      {unreadText(unread.count)}
                    </NavLink>
                  </li>
                  <li className="nhsuk-header__account-item">
                    <button className="nhsuk-header__account-button" type="button" onClick={() => void signOut()}>
                      Sign out
                    </button>
                  </li>
                </>
              ) : (
                <li className="nhsuk-header__account-item">
                  <button className="nhsuk-header__account-button" type="button" onClick={() => void signIn()}>
                    Sign in
                  </button>
                </li>
              )}
            </ul>
          </nav>
        </div>
        <nav className="nhsuk-header__navigation" aria-label="Menu">
          <div className="nhsuk-header__navigation-container nhsuk-width-container">
            <ul className="nhsuk-header__navigation-list ewc-navigation-list">
              <li className="nhsuk-header__navigation-item">
                <NavLink className="nhsuk-header__navigation-link" to="/" end>
                  Home
                </NavLink>
              </li>
              {menu.map((item) => (
                <li className="nhsuk-header__navigation-item" key={item.to}>
                  <NavLink className="nhsuk-header__navigation-link" to={item.to}>
                    {item.text}
                  </NavLink>
                </li>
              ))}
            </ul>
          </div>
        </nav>
      </header>
      <div className="nhsuk-width-container">
        <main className="nhsuk-main-wrapper" id="maincontent" role="main" tabIndex={-1} ref={main}>
          {children}
        </main>
      </div>
      <footer role="contentinfo">
        <div className="nhsuk-footer">
          <div className="nhsuk-width-container">
            <h2 className="nhsuk-u-visually-hidden">Support links</h2>
            <div className="nhsuk-footer__meta">
              <p className="nhsuk-body-s">
                Enjoying Work: a national quality improvement collaborative for staff wellbeing in UK
                mental health services.
              </p>
              <p className="nhsuk-footer__copyright">© Enjoying Work collaborative</p>
            </div>
          </div>
        </div>
      </footer>
    </>
  );
}
