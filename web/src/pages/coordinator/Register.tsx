import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { sessions, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Heading, Loading, SuccessBanner, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDateTime } from '../../format';

interface Row {
  attended: boolean;
  attendees: string;
}

/** The attendance register of one session: every team of the cohort's roster at once. */
export function Register() {
  const { cohortId = '', sessionId = '' } = useParams();
  const session = useData(async () => unwrap(await sessions.GET('/api/sessions/sessions/{session_id}', { params: { path: { session_id: sessionId } } })), [sessionId]);
  const roster = useData(async () => unwrap(await sessions.GET('/api/sessions/cohorts/{cohort_id}/roster', { params: { path: { cohort_id: cohortId } } })), [cohortId]);
  const recorded = useData(async () => unwrap(await sessions.GET('/api/sessions/sessions/{session_id}/attendance', { params: { path: { session_id: sessionId } } })), [sessionId]);
  const [rows, setRows] = useState<Record<string, Row>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  useTitle('Attendance register');

  useEffect(() => {
    if (!roster.data) return;
    const known = new Map((recorded.data ?? []).map((a) => [a.team_id, a]));
    setRows(Object.fromEntries(roster.data.map((t) => {
      const a = known.get(t.team_id);
      return [t.team_id, { attended: a?.attended ?? false, attendees: a ? String(a.attendees) : '' }];
    })));
  }, [roster.data, recorded.data]);

  async function save() {
    setBusy(true);
    const teams = (roster.data ?? []).filter((t) => t.status === 'active');
    const results = await Promise.allSettled(
      teams.map(async (t) => {
        const row = rows[t.team_id];
        return unwrap(
          await sessions.POST('/api/sessions/sessions/{session_id}/attendance', {
            params: { path: { session_id: sessionId } },
            body: { team_id: t.team_id, attended: row.attended, attendees: row.attended ? Number(row.attendees || 1) : 0 },
          }),
        );
      }),
    );
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    setProblem(failed ? asProblem(failed.reason) : null);
    setSaved(failed ? null : teams.length);
    setBusy(false);
    recorded.reload();
  }

  if (session.error !== undefined) return <Failure error={session.error} />;
  if (roster.error !== undefined) return <Failure error={roster.error} />;
  if (!session.data || !roster.data) return <Loading what="the register" />;
  const active = roster.data.filter((t) => t.status === 'active');
  return (
    <>
      <BackLink to={`/cohorts/${cohortId}/programme`}>Programme</BackLink>
      <ErrorSummary problem={problem} />
      {saved !== null && <SuccessBanner title={`Attendance recorded for ${saved} teams`} />}
      <Heading caption={ukDateTime(session.data.starts_at)}>Register: {session.data.title}</Heading>
      {active.length === 0 ? (
        <p className="nhsuk-body">No team is on this cohort's roster yet. Teams join the roster when the cohort goes ahead.</p>
      ) : (
        <form onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <div className="ewc-table-scroll">
            <table className="nhsuk-table">
              <caption className="nhsuk-table__caption nhsuk-table__caption--m">Teams</caption>
              <thead className="nhsuk-table__head">
                <tr className="nhsuk-table__row">
                  <th className="nhsuk-table__header" scope="col">Team</th>
                  <th className="nhsuk-table__header" scope="col">Attended</th>
                  <th className="nhsuk-table__header" scope="col">People who came</th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {active.map((t) => {
                  const row = rows[t.team_id] ?? { attended: false, attendees: '' };
                  const set = (next: Partial<Row>) => setRows({ ...rows, [t.team_id]: { ...row, ...next } });
                  return (
                    <tr className="nhsuk-table__row" key={t.team_id}>
                      <th className="nhsuk-table__header" scope="row">{t.team_name}<br /><span className="nhsuk-body-s">{t.organisation_name}</span></th>
                      <td className="nhsuk-table__cell">
                        <div className="nhsuk-checkboxes__item">
                          <input className="nhsuk-checkboxes__input" id={`attended-${t.team_id}`} type="checkbox" checked={row.attended} onChange={(e) => set({ attended: e.target.checked })} />
                          <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`attended-${t.team_id}`}>
                            <span className="nhsuk-u-visually-hidden">{t.team_name} </span>attended
                          </label>
                        </div>
                      </td>
                      <td className="nhsuk-table__cell">
                        <label className="nhsuk-label nhsuk-u-visually-hidden" htmlFor={`attendees-${t.team_id}`}>People from {t.team_name}</label>
                        <input className="nhsuk-input nhsuk-input--width-3" id={`attendees-${t.team_id}`} inputMode="numeric" value={row.attendees} disabled={!row.attended} onChange={(e) => set({ attendees: e.target.value })} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Button type="submit" disabled={busy}>Save register</Button>
        </form>
      )}
    </>
  );
}
