import { useState, type FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { enrolment, sessions, unwrap, type Problem } from '../../api/client';
import type { Session } from '../../api/types';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag, asProblem, fieldErrors } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDateTime, words } from '../../format';

const MODES = [
  ['virtual', 'Virtual'],
  ['in_person', 'In person'],
  ['hybrid', 'Hybrid'],
] as const;
const KINDS = [
  ['learning_session', 'Learning session'],
  ['learning_set', 'Learning set'],
  ['clinic', 'Clinic'],
] as const;

function ModeSwitch({ session, onDone }: { session: Session; onDone: (problem: Problem | null) => void }) {
  const [mode, setMode] = useState(session.mode);
  const [venue, setVenue] = useState(session.venue ?? '');
  // In person and hybrid sessions need somewhere to meet.
  const needsVenue = mode !== 'virtual';
  async function save() {
    try {
      const body = needsVenue ? { mode, venue: venue.trim() || null } : { mode };
      unwrap(await sessions.PATCH('/api/sessions/sessions/{session_id}', { params: { path: { session_id: session.id } }, body }));
      onDone(null);
    } catch (error) {
      onDone(asProblem(error));
    }
  }
  if (session.status === 'cancelled') return <Tag colour="grey">Cancelled</Tag>;
  return (
    <div className="ewc-inline-form">
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={`mode-${session.id}`}>Mode of {session.title}</label>
        <select className="nhsuk-select" id={`mode-${session.id}`} value={mode} onChange={(e) => setMode(e.target.value as Session['mode'])}>
          {MODES.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
        </select>
      </div>
      {needsVenue && (
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={`venue-${session.id}`}>Venue<span className="nhsuk-u-visually-hidden"> of {session.title}</span></label>
          <input className="nhsuk-input nhsuk-input--width-20" id={`venue-${session.id}`} value={venue} onChange={(e) => setVenue(e.target.value)} />
        </div>
      )}
      <Button small secondary disabled={mode === session.mode && venue === (session.venue ?? '')} onClick={() => void save()}>
        Change<span className="nhsuk-u-visually-hidden"> mode of {session.title}</span>
      </Button>
    </div>
  );
}

export function Programme() {
  const { cohortId = '' } = useParams();
  const cohort = useData(async () => unwrap(await enrolment.GET('/api/enrolment/cohorts/{cohort_id}', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const list = useData(async () => unwrap(await sessions.GET('/api/sessions/cohorts/{cohort_id}/sessions', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  useTitle('Programme');
  const errors = fieldErrors(problem);

  function after(result: Problem | null, message?: string) {
    setProblem(result);
    setSaved(result ? null : message ?? 'Saved.');
    list.reload();
  }

  async function add(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const day = text('day');
    try {
      const made = unwrap(
        await sessions.POST('/api/sessions/cohorts/{cohort_id}/sessions', {
          params: { path: { cohort_id: cohortId } },
          body: {
            kind: text('kind') as Session['kind'],
            title: text('title'),
            // UK wall times: the API reads a time without an offset as Europe/London.
            starts_at: day && text('starts') ? `${day}T${text('starts')}:00` : '',
            ends_at: day && text('ends') ? `${day}T${text('ends')}:00` : '',
            mode: text('mode') as Session['mode'],
          },
        }),
      );
      (event.target as HTMLFormElement).reset();
      after(null, `${made.title} added.`);
    } catch (error) {
      after(asProblem(error));
    }
  }

  if (list.error !== undefined) return <Failure error={list.error} />;
  if (!list.data) return <Loading what="the programme" />;
  return (
    <>
      <BackLink to={`/cohorts/${cohortId}`}>{cohort.data?.name ?? 'Cohort'}</BackLink>
      <ErrorSummary problem={problem} labels={{ title: 'Title', starts_at: 'Start', ends_at: 'End', kind: 'Kind', mode: 'Mode', venue: 'Venue' }} />
      <Heading caption={cohort.data?.name}>Programme</Heading>
      {saved && <p className="nhsuk-body" role="status">{saved}</p>}
      <Table
        caption="Learning sessions, sets and clinics"
        head={['When (UK time)', 'Session', 'Kind', 'Mode', 'Attendance']}
        empty="No sessions yet."
        rows={list.data.map((s) => [
          ukDateTime(s.starts_at),
          s.title,
          words(s.kind),
          <ModeSwitch key={`${s.id}-${s.mode}`} session={s} onDone={(p) => after(p, `${s.title} changed.`)} />,
          s.status === 'scheduled' ? <Link key="r" to={`/cohorts/${cohortId}/programme/${s.id}`}>Register<span className="nhsuk-u-visually-hidden"> for {s.title}</span></Link> : null,
        ])}
      />
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">Add a session</span></summary>
        <div className="nhsuk-details__text">
          <form onSubmit={(e) => void add(e)} noValidate>
            <Field id="title" label="Title" error={errors.title}>
              {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="title" />}
            </Field>
            <Field id="kind" label="Kind" error={errors.kind}>
              {(p) => (
                <select {...p} className={`nhsuk-select ${p.className}`} name="kind">
                  {KINDS.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
                </select>
              )}
            </Field>
            <Field id="starts_at" label="Day" error={errors.starts_at}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="day" type="date" />}
            </Field>
            <div className="ewc-inline-form nhsuk-u-margin-bottom-4">
              <Field id="starts" label="Starts (UK time)">
                {(p) => <input {...p} className="nhsuk-input nhsuk-input--width-5" name="starts" type="time" defaultValue="10:00" />}
              </Field>
              <Field id="ends_at" label="Ends (UK time)" error={errors.ends_at}>
                {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-5 ${p.className}`} name="ends" type="time" defaultValue="12:00" />}
              </Field>
            </div>
            <Field id="mode" label="Mode">
              {(p) => (
                <select {...p} className="nhsuk-select" name="mode">
                  {MODES.map(([value, text]) => <option key={value} value={value}>{text}</option>)}
                </select>
              )}
            </Field>
            <Button type="submit">Add session</Button>
          </form>
        </div>
      </details>
    </>
  );
}
