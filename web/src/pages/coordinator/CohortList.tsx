import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { enrolment, unwrap, type Problem } from '../../api/client';
import { Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDate, ukDateTime, words } from '../../format';

export const STATUS_COLOURS: Record<string, string> = {
  open: 'blue',
  closed: 'grey',
  confirmed: 'green',
  cancelled: 'red',
  submitted: 'blue',
  accepted: 'aqua-green',
  declined: 'orange',
  withdrawn: 'grey',
  released: 'grey',
};

export function CohortList() {
  useTitle('Cohorts');
  const cohorts = useData(async () => unwrap(await enrolment.GET('/api/enrolment/cohorts')), []);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [opened, setOpened] = useState<string | null>(null);
  const errors = fieldErrors(problem);

  async function open(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    try {
      const cohort = unwrap(
        await enrolment.POST('/api/enrolment/cohorts', {
          body: {
            name: text('name'),
            // A wall time without an offset is UK time, as the API reads it.
            eoi_deadline: text('eoi_deadline') ? `${text('eoi_deadline')}T17:00:00` : '',
            start_date: text('start_date'),
            minimum_teams: Number(text('minimum_teams') || 35),
          },
        }),
      );
      setProblem(null);
      setOpened(cohort.name);
      (event.target as HTMLFormElement).reset();
      cohorts.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  }

  return (
    <>
      <ErrorSummary problem={problem} labels={{ name: 'Name', eoi_deadline: 'Deadline', start_date: 'Start date', minimum_teams: 'Minimum teams' }} />
      <Heading>Cohorts</Heading>
      {opened && <p className="nhsuk-body" role="status">{opened} is open to expressions of interest.</p>}
      {cohorts.error !== undefined && <Failure error={cohorts.error} />}
      {!cohorts.data && cohorts.error === undefined && <Loading what="cohorts" />}
      {cohorts.data && (
        <Table
          caption="Every cohort"
          head={['Cohort', 'Status', 'Expressions of interest by', 'Starts', 'Minimum teams']}
          empty="No cohort has been opened yet."
          rows={cohorts.data.map((c) => [
            <Link to={`/cohorts/${c.id}`} key={c.id}>{c.name}</Link>,
            <Tag colour={STATUS_COLOURS[c.status]} key="s">{words(c.status)}</Tag>,
            ukDateTime(c.eoi_deadline_uk),
            ukDate(c.terms.start_date),
            c.minimum_teams,
          ])}
        />
      )}
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary">
          <span className="nhsuk-details__summary-text">Open a new cohort</span>
        </summary>
        <div className="nhsuk-details__text">
          <form onSubmit={(e) => void open(e)} noValidate>
            <Field id="name" label="Name" hint="For example, Cohort 2" error={errors.name}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="name" />}
            </Field>
            <Field id="eoi_deadline" label="Deadline for expressions of interest" hint="Closes at 5pm UK time on this day" error={errors.eoi_deadline}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="eoi_deadline" type="date" />}
            </Field>
            <Field id="start_date" label="Start date" error={errors.start_date}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="start_date" type="date" />}
            </Field>
            <Field id="minimum_teams" label="Minimum teams for the cohort to go ahead" error={errors.minimum_teams}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-3 ${p.className}`} name="minimum_teams" inputMode="numeric" defaultValue="35" />}
            </Field>
            <Button type="submit">Open cohort</Button>
          </form>
        </div>
      </details>
    </>
  );
}
