import { type FormEvent } from 'react';
import { useParams } from 'react-router';
import { improvement, unwrap } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Field, Heading, Loading, Table, Tag } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { todayInUk, ukDate } from '../../format';
import { Done, useImprovementTeam, useSubmit } from './ProjectPage';

/** The project team's meetings (the coach joins them) and the actions they agree. */
export function MeetingsPage() {
  const { teamId = '' } = useParams();
  const path = { params: { path: { team_id: teamId } } };
  const team = useImprovementTeam(teamId);
  const meetings = useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}/meetings', path)), [teamId]);
  const members = useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}/members', path)), [teamId]);
  const actions = useData(async () => unwrap(await improvement.GET('/api/improvement/teams/{team_id}/actions', path)), [teamId]);
  const meetingForm = useSubmit();
  useTitle('Project meetings');

  async function log(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const target = event.currentTarget;
    const form = new FormData(target);
    const text = (name: string) => String(form.get(name) ?? '').trim();
    const action = text('action');
    const body = {
      held_on: text('held_on'),
      coach_present: form.get('coach_present') === 'yes',
      attendee_member_ids: form.getAll('attendees').map(String),
      notes: text('notes') || null,
      actions: action ? [{ description: action, owner: text('owner') }] : [],
    };
    if (await meetingForm.submit(async () => unwrap(await improvement.POST('/api/improvement/teams/{team_id}/meetings', { ...path, body })), `The meeting of ${ukDate(body.held_on)} is logged.`, target)) {
      meetings.reload();
      actions.reload();
    }
  }

  if (team.error !== undefined) return <Failure error={team.error} />;
  if (!team.data) return <Loading what="the team" />;
  return (
    <>
      <BackLink to={`/teams/${teamId}`}>{team.data.name}</BackLink>
      <ErrorSummary problem={meetingForm.problem} labels={{ held_on: 'Date', notes: 'Notes', 'actions.0.owner': 'Who will do it', 'actions.0.description': 'Action' }} />
      <Heading caption={team.data.name}>Project meetings</Heading>
      {meetings.data && (
        <Table
          caption="Meetings of the project team"
          head={['Date', 'People', 'Coach']}
          empty="No meeting logged yet."
          rows={meetings.data.map((m) => [ukDate(m.held_on), String(m.attendees), m.coach_present ? <Tag key="c" colour="green">Joined</Tag> : 'Not there'])}
        />
      )}
      {actions.data && (
        <Table
          caption="Actions"
          head={['Action', 'Who', 'Due', 'Done']}
          empty="No actions yet."
          rows={actions.data.map((a) => [a.description, a.owner, ukDate(a.due_on), a.done_on ? ukDate(a.done_on) : ''])}
        />
      )}
      <Done message={meetingForm.done} />
      <details className="nhsuk-details">
        <summary className="nhsuk-details__summary"><span className="nhsuk-details__summary-text">Log a meeting</span></summary>
        <div className="nhsuk-details__text">
          <form onSubmit={(e) => void log(e)} noValidate>
            <Field id="held_on" label="Date" error={meetingForm.errors.held_on}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-10 ${p.className}`} name="held_on" type="date" defaultValue={todayInUk()} />}
            </Field>
            <div className="nhsuk-form-group">
              <fieldset className="nhsuk-fieldset">
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Who was there</legend>
                <div className="nhsuk-checkboxes">
                  <div className="nhsuk-checkboxes__item">
                    <input className="nhsuk-checkboxes__input" id="coach-present" name="coach_present" type="checkbox" value="yes" />
                    <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor="coach-present">The QI coach</label>
                  </div>
                  {(members.data ?? []).filter((m) => !m.left_on).map((m) => (
                    <div className="nhsuk-checkboxes__item" key={m.id}>
                      <input className="nhsuk-checkboxes__input" id={`attendee-${m.id}`} name="attendees" type="checkbox" value={m.id} />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`attendee-${m.id}`}>{m.name ? `${m.name} (${m.role})` : m.role}</label>
                    </div>
                  ))}
                </div>
              </fieldset>
            </div>
            <Field id="notes" label="Notes (optional)" error={meetingForm.errors.notes}>
              {(p) => <textarea {...p} className={`nhsuk-textarea ${p.className}`} name="notes" rows={3} />}
            </Field>
            <Field id="actions.0.description" label="An action agreed (optional)" error={meetingForm.errors['actions.0.description']}>
              {(p) => <input {...p} className={`nhsuk-input ${p.className}`} name="action" />}
            </Field>
            <Field id="actions.0.owner" label="Who will do it" error={meetingForm.errors['actions.0.owner']}>
              {(p) => <input {...p} className={`nhsuk-input nhsuk-input--width-20 ${p.className}`} name="owner" />}
            </Field>
            <Button type="submit">Log the meeting</Button>
          </form>
        </div>
      </details>
    </>
  );
}
