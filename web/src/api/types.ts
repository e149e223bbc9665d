// Short names for the generated schemas the pages use.
import type { components as B } from './generated/billing';
import type { components as E } from './generated/enrolment';
import type { components as I } from './generated/improvement';
import type { components as M } from './generated/measurement';
import type { components as N } from './generated/notifications';
import type { components as S } from './generated/sessions';

export type Cohort = E['schemas']['CohortOut'];
export type CohortTerms = E['schemas']['CohortTermsPublic'];
export type CohortDetail = E['schemas']['CohortDetail'];
export type Team = E['schemas']['TeamOut'];
export type Coach = E['schemas']['CoachOut'];
export type Organisation = E['schemas']['OrganisationOut'];
export type EoiCreate = E['schemas']['EoiCreate'];
export type Viability = E['schemas']['ViabilityOut'];

export type Session = S['schemas']['SessionOut'];
export type RosterTeam = S['schemas']['RosterTeamOut'];
export type Attendance = S['schemas']['AttendanceOut'];
export type AttendanceRecord = S['schemas']['AttendanceRecord'];
export type Engagement = S['schemas']['EngagementOut'];

export type Invoice = B['schemas']['InvoiceOut'];
export type Proforma = B['schemas']['ProformaOut'];
export type CreditNote = B['schemas']['CreditNoteOut'];
export type Overdue = B['schemas']['OverdueOut'];
export type Payment = B['schemas']['PaymentOut'];

export type TeamChart = M['schemas']['TeamChartOut'];
export type MeasureDefinition = M['schemas']['MeasureDefinition'];

export interface DeadLetter {
  id: string;
  [key: string]: unknown;
}

export type ImprovementTeam = I['schemas']['TeamOut'];
export type Aim = I['schemas']['AimOut'];
export type Member = I['schemas']['MemberOut'];
export type Idea = I['schemas']['IdeaOut'];
export type Round = I['schemas']['RoundOut'];
export type RoundSummary = I['schemas']['RoundSummaryOut'];
export type ChangeIdea = I['schemas']['ChangeIdeaOut'];
export type Cycle = I['schemas']['CycleOut'];
export type Readiness = I['schemas']['ReadinessOut'];
export type TeamProgress = I['schemas']['TeamProgressOut'];

export type Feed = N['schemas']['FeedOut'];
export type Message = N['schemas']['MessageOut'];
export type Kind = N['schemas']['Kind'];
