import type { Kind } from '../../api/types';

// Every kind of message, in plain English. A Record over the API's Kind: a kind the service
// adds fails the type check until it has its words here.
export const KIND_NAMES: Record<Kind, string> = {
  eoi_received: 'Expression of interest received',
  cohort_go: 'A cohort is going ahead',
  cohort_no_go: 'A cohort is not going ahead',
  team_welcome: 'Welcome to the programme',
  invoice_issued: 'Invoices',
  proforma_issued: 'Pro-forma invoices',
  credit_note_issued: 'Credit notes',
  invoice_overdue: 'Overdue invoice reminders',
  session_reminder: 'Reminders before a learning session',
  session_moved: 'A learning session has moved',
  session_cancelled: 'A learning session is cancelled',
  place_confirmed: 'A place at a session is confirmed',
  team_disengaged: "Alerts when a team's attendance drops",
  chart_signal: 'Alerts when a chart shows a signal',
  meetings_lapsed: 'Alerts when a team stops meeting',
};

export const KINDS = Object.keys(KIND_NAMES) as Kind[];
