import { useEffect, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { notifications, unwrap, type Problem } from '../../api/client';
import type { Kind } from '../../api/types';
import { useAuth } from '../../auth/AuthProvider';
import { BackLink, Button, ErrorSummary, Failure, Heading, Loading, SuccessBanner, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { KINDS, KIND_NAMES } from './kinds';

/** The API's refusal as it gave it, with each kind it names in plain English (the kinds it
 * refuses have no box on this page to link to). */
function inPlainWords(problem: Problem): Problem {
  const names: Record<string, string> = KIND_NAMES;
  const words = problem.detail?.replace(/\b[a-z_]+\b/g, (word) => (Object.hasOwn(names, word) ? names[word] : word));
  const detail = words && words.charAt(0).toUpperCase() + words.slice(1);
  return { ...problem, detail, errors: null };
}

/** Which messages the person gets: non-essential kinds may be turned off; essential ones are
 * listed as always sent (the API refuses to turn them off, and its message is shown if it does). */
export function PreferencesPage() {
  useTitle('Choose which messages you get');
  const { person } = useAuth();
  const loaded = useData(async () => unwrap(await notifications.GET('/api/notifications/me/preferences')), []);
  const [chosen, setChosen] = useState<Record<string, boolean>>({});
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    if (loaded.data) setChosen(loaded.data.kinds);
  }, [loaded.data]);
  if (loaded.error !== undefined) return <Failure error={loaded.error} />;
  if (!loaded.data) return <Loading what="your choices" />;
  const optional = Object.keys(loaded.data.kinds) as Kind[];
  const essential = KINDS.filter((kind) => !optional.includes(kind));

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem(null);
    setSaved(false);
    try {
      const answer = unwrap(await notifications.PUT('/api/notifications/me/preferences', { body: { kinds: chosen } }));
      setChosen(answer.kinds);
      setSaved(true);
    } catch (error) {
      setProblem(inPlainWords(asProblem(error)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <BackLink to="/notifications">Back to notifications</BackLink>
      {saved && <SuccessBanner title="Your choices are saved" />}
      <ErrorSummary problem={problem} />
      <Heading caption="Notifications">Choose which messages you get</Heading>
      <p className="nhsuk-body">
        Turning a kind off stops its emails. You will still find those messages in your{' '}
        <Link to="/notifications">notifications</Link>.
      </p>
      {!person?.email ? (
        <p className="nhsuk-body">
          Your sign-in carries no email address, so there is nothing to choose. Ask your organisation
          to add one to your account.
        </p>
      ) : (
      <form onSubmit={(event) => void save(event)} noValidate>
        <div className="nhsuk-form-group">
          <fieldset className="nhsuk-fieldset" aria-describedby="optional-hint">
            <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--m">
              <h2 className="nhsuk-fieldset__heading">Reminders and alerts</h2>
            </legend>
            <div className="nhsuk-hint" id="optional-hint">Tick the ones you want to get by email.</div>
            <div className="nhsuk-checkboxes">
              {optional.map((kind) => (
                <div className="nhsuk-checkboxes__item" key={kind}>
                  <input
                    className="nhsuk-checkboxes__input"
                    id={`field-${kind}`}
                    name={kind}
                    type="checkbox"
                    checked={chosen[kind] ?? true}
                    onChange={(event) => setChosen({ ...chosen, [kind]: event.target.checked })}
                  />
                  <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`field-${kind}`}>
                    {KIND_NAMES[kind]}
                  </label>
                </div>
              ))}
            </div>
          </fieldset>
        </div>
        <Button type="submit" disabled={busy}>Save choices</Button>
      </form>
      )}
      <h2 className="nhsuk-heading-m">Always sent</h2>
      <p className="nhsuk-body">
        These cannot be turned off: they are about your application, your invoices, or sessions you
        are expected at.
      </p>
      <ul className="nhsuk-list nhsuk-list--bullet" aria-label="Messages that are always sent">
        {essential.map((kind) => (
          <li key={kind}>{KIND_NAMES[kind]}</li>
        ))}
      </ul>
    </>
  );
}
