import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { enrolment, unwrap, type Problem } from '../api/client';
import type { CohortTerms, EoiCreate, Organisation } from '../api/types';
import { useAuth } from '../auth/AuthProvider';
import {
  BackLink, Button, ErrorSummary, Failure, Field, Heading, Inset, Loading, SummaryList, Table, asProblem, fieldErrors, fieldId, plainMessage,
} from '../components/nhs';
import { useData, useTitle } from '../components/useData';
import { NATIONS, percent, pounds, ukDate, ukDateTime } from '../format';

/** The programme's commitments, as the expression of interest asks a team to agree to them. */
function Commitments() {
  return (
    <>
      <h2 className="nhsuk-heading-m">What a team commits to</h2>
      <ul className="nhsuk-list nhsuk-list--bullet">
        <li>a project lead, who runs the project day to day</li>
        <li>a senior sponsor with operational responsibility for the service</li>
        <li>a project team of staff from all grades and, for clinical teams, people who use the service</li>
        <li>meeting as a project team every week or fortnight</li>
        <li>attending the six learning sessions and the monthly learning sets</li>
        <li>collecting data every week to the collaborative's measurement plan</li>
      </ul>
    </>
  );
}

function Terms({ cohort }: { cohort: Pick<CohortTerms, 'terms' | 'eoi_deadline_uk'> }) {
  const t = cohort.terms;
  const discounted = Number(t.fee_per_team) * (1 - Number(t.multi_team_discount));
  return (
    <SummaryList
      rows={[
        ['Membership fee', `${pounds(t.fee_per_team)} per team, plus VAT at ${percent(t.vat_rate)}`],
        ['Discount', `${percent(t.multi_team_discount)} off each team (${pounds(discounted)}) when your organisation puts more than one team forward`],
        ['Starts', `${ukDate(t.start_date)}: ${t.lead_in_months} months to get ready, then ${t.coaching_months} months of coaching`],
        ['Apply by', ukDateTime(cohort.eoi_deadline_uk)],
      ]}
    />
  );
}

export function Apply() {
  const { person, signIn } = useAuth();
  useTitle('Apply to join a cohort');
  const signedIn = Boolean(person?.role);
  // The cohorts taking applications are public: anyone may read them before signing in.
  const cohorts = useData(async () => unwrap(await enrolment.GET('/api/enrolment/open-cohorts')), []);
  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <Heading>Apply to join a cohort</Heading>
        <p className="nhsuk-lede-text">
          Put a team forward by sending an expression of interest before the cohort's deadline.
        </p>
        <Commitments />
        <Inset>
          <p>A cohort goes ahead only when enough teams join. We will tell you when the decision is made.</p>
        </Inset>
        {!signedIn && (
          <>
            <h2 className="nhsuk-heading-m">Before you start</h2>
            <p className="nhsuk-body">Sign in with your organisation's account (for example NHSmail) to send an expression of interest. You do not need to be known to the programme yet.</p>
            <Button onClick={() => void signIn('/apply')}>Sign in to apply</Button>
          </>
        )}
        {cohorts.error !== undefined && <Failure error={cohorts.error} />}
        {!cohorts.data && cohorts.error === undefined && <Loading what="cohorts" />}
        {cohorts.data && (
          <Table
            caption="Cohorts open to expressions of interest"
            head={['Cohort', 'Starts', 'Apply by', '']}
            empty="No cohort is open to expressions of interest at the moment."
            rows={cohorts.data.map((c) => [
              c.name,
              ukDate(c.terms.start_date),
              ukDateTime(c.eoi_deadline_uk),
              <Link to={`/apply/${c.id}`} key={c.id}>Apply<span className="nhsuk-u-visually-hidden"> to {c.name}</span></Link>,
            ])}
          />
        )}
      </div>
    </div>
  );
}

const LABELS: Record<string, string> = {
  organisation_id: 'Organisation',
  organisation: 'Organisation',
  'organisation.ods_code': 'ODS code',
  'organisation.name': 'Organisation name',
  'organisation.nation': 'Nation',
  'organisation.invoicing_address': 'Invoicing address',
  'organisation.invoicing_address.lines': 'Invoicing address',
  'organisation.invoicing_address.postcode': 'Postcode',
  team_name: 'Team name',
  setting: 'Setting',
  service_type: 'Type of service',
  'project_lead.name': 'Project lead name',
  'project_lead.email': 'Project lead email',
  'project_lead.job_title': 'Project lead job title',
  'senior_sponsor.name': 'Senior sponsor name',
  'senior_sponsor.email': 'Senior sponsor email',
  'senior_sponsor.job_title': 'Senior sponsor job title',
  senior_sponsor: 'Senior sponsor',
  project_team: 'Project team',
  service_user_involvement: 'Service user involvement',
  team_size: 'Number of people in the team',
  contact_phone: 'Contact phone number',
  hopes_to_improve: 'What the team hopes to improve',
  agreed_to_take_part: 'Agreement to take part',
  can_meet_commitment: 'Meeting regularly',
  will_attend_learning_sets: 'Learning sets',
  will_implement_change_ideas: 'Change ideas',
  will_collect_data: 'Collecting data',
  purchase_order: 'Purchase order number',
};

interface Member {
  role: string;
  name: string;
  is_service_user: boolean;
}

function blankMembers(): Member[] {
  return [
    { role: '', name: '', is_service_user: false },
    { role: '', name: '', is_service_user: false },
  ];
}

export function ApplyToCohort() {
  const { cohortId = '' } = useParams();
  const { person } = useAuth();
  const isCoordinator = person?.role === 'coordinator';
  // An applicant is someone the programme does not know yet: they name their organisation.
  const isApplicant = person?.role === 'applicant';
  useTitle('Expression of interest');
  const cohort = useData(
    async () => unwrap(await enrolment.GET('/api/enrolment/cohorts/{cohort_id}/terms', { params: { path: { cohort_id: cohortId } } })),
    [cohortId],
  );
  const organisations = useData(
    async (): Promise<Organisation[]> => (isApplicant ? [] : unwrap(await enrolment.GET('/api/enrolment/organisations'))),
    [isApplicant],
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [submitted, setSubmitted] = useState<string | null>(null);
  const [members, setMembers] = useState<Member[]>(blankMembers);
  const [setting, setSetting] = useState('clinical');
  const [busy, setBusy] = useState(false);
  const errors = fieldErrors(problem);

  if (cohort.error !== undefined) return <Failure error={cohort.error} />;
  if (!cohort.data) return <Loading what="the cohort" />;
  if (cohort.data.status !== 'open') {
    return (
      <>
        <BackLink to="/apply">Back</BackLink>
        <Heading caption={cohort.data.name}>This cohort has closed</Heading>
        <p className="nhsuk-body">Expressions of interest closed at {ukDateTime(cohort.data.eoi_deadline_uk)}.</p>
      </>
    );
  }
  const commitments = cohort.data.commitments;
  const ownOrganisations = organisations.data ?? [];

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const contact = (prefix: string) => ({ name: text(`${prefix}.name`), email: text(`${prefix}.email`), job_title: text(`${prefix}.job_title`) });
    const sponsor = contact('senior_sponsor');
    const size = text('team_size');
    const lines = text('organisation.invoicing_address.lines').split('\n').map((l) => l.trim()).filter(Boolean);
    const postcode = text('organisation.invoicing_address.postcode');
    const named = {
      ods_code: text('organisation.ods_code'),
      name: text('organisation.name'),
      nation: text('organisation.nation'),
      invoicing_address: lines.length || postcode ? { lines, postcode: postcode || null } : null,
    };
    const body: EoiCreate = {
      ...(isApplicant
        ? { organisation: named as NonNullable<EoiCreate['organisation']> }
        : { organisation_id: isCoordinator ? text('organisation_id') : person?.organisationId ?? text('organisation_id') }),
      team_name: text('team_name'),
      setting: setting as EoiCreate['setting'],
      service_type: text('service_type'),
      project_lead: contact('project_lead'),
      senior_sponsor: sponsor.name || sponsor.email || sponsor.job_title ? sponsor : null,
      project_team: members
        .filter((m) => m.role.trim() || m.name.trim())
        .map((m) => ({ role: m.role.trim(), name: m.name.trim() || null, is_service_user: m.is_service_user })),
      service_user_involvement: text('service_user_involvement') || null,
      purchase_order: text('purchase_order') || null,
      // A whole number as typed; anything else goes as typed, for the API to name the mistake.
      team_size: size === '' ? null : /^\d+$/.test(size) ? Number(size) : (size as unknown as number),
      contact_phone: text('contact_phone') || null,
      hopes_to_improve: text('hopes_to_improve') || null,
      ...Object.fromEntries(commitments.map((c) => [c.field, form.get(c.field) === 'yes'])),
    };
    setBusy(true);
    try {
      const team = unwrap(
        await enrolment.POST('/api/enrolment/cohorts/{cohort_id}/eois', { params: { path: { cohort_id: cohortId } }, body }),
      );
      setProblem(null);
      setSubmitted(team.team_name);
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  }

  if (submitted) {
    return (
      <div className="nhsuk-grid-row">
        <div className="nhsuk-grid-column-two-thirds">
          <div className="nhsuk-panel nhsuk-panel--confirmation" role="status">
            <h1 className="nhsuk-panel__title">Expression of interest sent</h1>
            <div className="nhsuk-panel__body">{submitted} has applied to {cohort.data.name}</div>
          </div>
          <h2 className="nhsuk-heading-m">What happens next</h2>
          <p className="nhsuk-body">
            The programme team will look at your expression of interest after the deadline, {ukDateTime(cohort.data.eoi_deadline_uk)}.
            When the cohort goes ahead, your organisation is sent a pro-forma invoice for a purchase order.
          </p>
          <p className="nhsuk-body"><Link to={isApplicant ? '/my-applications' : '/our-teams'}>{isApplicant ? 'See your applications' : 'See your teams'}</Link></p>
        </div>
      </div>
    );
  }

  const contactFields = (prefix: string, who: string) => (
    <fieldset className="nhsuk-fieldset">
      <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">{who}</legend>
      {(['name', 'email', 'job_title'] as const).map((part) => (
        <Field key={part} id={`${prefix}.${part}`} label={{ name: 'Full name', email: 'Email address', job_title: 'Job title' }[part]} error={errors[`${prefix}.${part}`] ?? (part === 'name' ? errors[prefix] : undefined)}>
          {(p) => (
            <input
              {...p}
              className={`nhsuk-input ${p.className}`}
              name={`${prefix}.${part}`}
              type={part === 'email' ? 'email' : 'text'}
              autoComplete={part === 'email' ? 'email' : part === 'name' ? 'name' : 'organization-title'}
              spellCheck={false}
            />
          )}
        </Field>
      ))}
    </fieldset>
  );

  return (
    <div className="nhsuk-grid-row">
      <div className="nhsuk-grid-column-two-thirds">
        <BackLink to="/apply">Back</BackLink>
        <ErrorSummary problem={problem} labels={LABELS} />
        <Heading caption={cohort.data.name}>Expression of interest</Heading>
        <Terms cohort={cohort.data} />
        <Commitments />
        <form onSubmit={(e) => void submit(e)} noValidate>
          {isApplicant ? (
            <fieldset className="nhsuk-fieldset">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Your organisation</legend>
              <Field id="organisation.ods_code" label="ODS code" hint="Your organisation's code in the Organisation Data Service, for example RWK for a trust or A81001 for a GP practice" error={errors['organisation.ods_code'] ?? errors.organisation}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="organisation.ods_code" type="text" spellCheck={false} />}
              </Field>
              <Field id="organisation.name" label="Organisation name" error={errors['organisation.name']}>
                {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="organisation.name" type="text" autoComplete="organization" />}
              </Field>
              <Field id="organisation.invoicing_address.lines" label="Invoicing address" hint="Where invoices go: one line of the address on each line, without the postcode" error={errors['organisation.invoicing_address.lines'] ?? errors['organisation.invoicing_address']}>
                {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="organisation.invoicing_address.lines" rows={3} autoComplete="street-address" />}
              </Field>
              <Field id="organisation.invoicing_address.postcode" label="Postcode" error={errors['organisation.invoicing_address.postcode']}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="organisation.invoicing_address.postcode" autoComplete="postal-code" />}
              </Field>
              <Field id="organisation.nation" label="Nation" error={errors['organisation.nation']}>
                {(p) => (
                  <select {...p} className={`nhsuk-select ${p.className}`} name="organisation.nation" defaultValue="england">
                    {Object.entries(NATIONS).map(([value, label]) => <option key={value} value={value}>{label}</option>)}
                  </select>
                )}
              </Field>
            </fieldset>
          ) : isCoordinator || !person?.organisationId ? (
            <Field id="organisation_id" label="Organisation" error={errors.organisation_id}>
              {(p) => (
                <select {...p} className={`nhsuk-select ${p.className}`} name="organisation_id" defaultValue="">
                  <option value="">Choose an organisation</option>
                  {ownOrganisations.map((o) => (
                    <option key={o.id} value={o.id}>{o.name}</option>
                  ))}
                </select>
              )}
            </Field>
          ) : (
            <SummaryList rows={[['Organisation', ownOrganisations.find((o) => o.id === person.organisationId)?.name ?? 'Your organisation']]} />
          )}
          <Field id="team_name" label="Team name" hint="For example, Willow Ward or Community Mental Health Team North" error={errors.team_name}>
            {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="team_name" type="text" />}
          </Field>
          <div className={`nhsuk-form-group${errors.setting ? ' nhsuk-form-group--error' : ''}`}>
            <fieldset className="nhsuk-fieldset" id={fieldId('setting')}>
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Is the team clinical or non-clinical?</legend>
              <div className="nhsuk-radios nhsuk-radios--inline">
                {[['clinical', 'Clinical'], ['non_clinical', 'Non-clinical']].map(([value, text]) => (
                  <div className="nhsuk-radios__item" key={value}>
                    <input className="nhsuk-radios__input" id={`setting-${value}`} name="setting" type="radio" value={value} checked={setting === value} onChange={() => setSetting(value)} />
                    <label className="nhsuk-label nhsuk-radios__label" htmlFor={`setting-${value}`}>{text}</label>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <Field id="service_type" label="Type of service" hint="For example, acute inpatient ward, crisis team, medical records" error={errors.service_type}>
            {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="service_type" type="text" />}
          </Field>
          <Field id="team_size" label="How many people work in the team?" hint="Everyone in the team, of all grades" error={errors.team_size}>
            {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-4 ${p.className}`} name="team_size" type="text" inputMode="numeric" />}
          </Field>
          {contactFields('project_lead', 'Project lead')}
          <Field id="contact_phone" label="Project lead's phone number" hint="For example, 01632 960 001 or +44 1632 960001" error={errors.contact_phone}>
            {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="contact_phone" type="tel" autoComplete="tel" />}
          </Field>
          {contactFields('senior_sponsor', 'Senior sponsor')}
          <fieldset className="nhsuk-fieldset" id={fieldId('project_team')}>
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Project team</legend>
            <div className="nhsuk-hint">Staff of all grades{setting === 'clinical' ? ', and people who use the service' : ''}. You can change this later.</div>
            {errors.project_team && <span className="nhsuk-error-message"><span className="nhsuk-u-visually-hidden">Error:</span> {errors.project_team}</span>}
            {members.map((member, i) => (
              <div className="ewc-inline-form nhsuk-u-margin-bottom-3" key={i}>
                <Field id={`project_team.${i}.role`} label={`Member ${i + 1}: role or grade`} error={errors[`project_team.${i}.role`]}>
                  {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} value={member.role} onChange={(e) => setMembers(members.map((m, j) => (j === i ? { ...m, role: e.target.value } : m)))} />}
                </Field>
                <Field id={`project_team.${i}.name`} label={`Member ${i + 1}: name (optional)`}>
                  {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} value={member.name} onChange={(e) => setMembers(members.map((m, j) => (j === i ? { ...m, name: e.target.value } : m)))} />}
                </Field>
                <div className="nhsuk-checkboxes__item">
                  <input className="nhsuk-checkboxes__input" id={`member-${i}-service-user`} type="checkbox" checked={member.is_service_user} onChange={(e) => setMembers(members.map((m, j) => (j === i ? { ...m, is_service_user: e.target.checked } : m)))} />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`member-${i}-service-user`}>Uses the service</label>
                </div>
              </div>
            ))}
            <Button secondary small onClick={() => setMembers([...members, { role: '', name: '', is_service_user: false }])}>Add another member</Button>
          </fieldset>
          {setting === 'clinical' && (
            <Field id="service_user_involvement" label="How will people who use the service be involved?" hint="Only if no project team member uses the service" error={errors.service_user_involvement}>
              {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="service_user_involvement" rows={3} />}
            </Field>
          )}
          <Field id="hopes_to_improve" label="What does the team hope to improve?" hint="In a sentence or two, in your own words" error={errors.hopes_to_improve}>
            {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="hopes_to_improve" rows={4} />}
          </Field>
          <Field id="purchase_order" label="Purchase order number (optional)" hint="If your organisation has already raised one" error={errors.purchase_order}>
            {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="purchase_order" type="text" />}
          </Field>
          <div className={`nhsuk-form-group${commitments.some((c) => errors[c.field]) ? ' nhsuk-form-group--error' : ''}`}>
            <fieldset className="nhsuk-fieldset" aria-describedby="commitments-hint">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">Your team's commitments</legend>
              <div className="nhsuk-hint" id="commitments-hint">Tick each one your team commits to. All are needed to take part.</div>
              <div className="nhsuk-checkboxes">
                {commitments.map(({ field, text }) => (
                  <div key={field}>
                    {errors[field] && <span className="nhsuk-error-message" id={`${fieldId(field)}-error`}><span className="nhsuk-u-visually-hidden">Error:</span> {plainMessage(errors[field])}</span>}
                    <div className="nhsuk-checkboxes__item">
                      <input className="nhsuk-checkboxes__input" id={fieldId(field)} name={field} type="checkbox" value="yes" aria-describedby={errors[field] ? `${fieldId(field)}-error` : undefined} />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={fieldId(field)}>{text}</label>
                    </div>
                  </div>
                ))}
              </div>
            </fieldset>
          </div>
          <Button type="submit" disabled={busy}>Send expression of interest</Button>
        </form>
      </div>
    </div>
  );
}
