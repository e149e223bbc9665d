import { useState } from 'react';
import { bearer, type Problem } from '../../api/client';
import { Button, ErrorSummary, Heading, Loading, Table, asProblem } from '../../components/nhs';
import { useData, useTitle } from '../../components/useData';
import { ukDateTime } from '../../format';
import { ProblemError } from '../../api/client';

// Every service keeps its own dead letters under the same admin routes (shared/app.py).
export const SERVICES = ['enrolment', 'measurement', 'sessions', 'billing'] as const;

interface DeadLetter {
  id: string;
  consumer: string;
  subject: string;
  error: string;
  attempts: number;
  created_at: string;
}

async function call<T>(path: string, method = 'GET'): Promise<T> {
  const response = await fetch(path, { method, headers: bearer() });
  const body = (await response.json()) as T | Problem;
  if (!response.ok) throw new ProblemError(body as Problem);
  return body as T;
}

export function DeadLetters() {
  useTitle('Dead letters');
  const [problem, setProblem] = useState<Problem | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const letters = useData(
    async () =>
      Object.fromEntries(
        await Promise.all(SERVICES.map(async (s) => [s, await call<DeadLetter[]>(`/api/${s}/admin/dead-letters`)] as const)),
      ) as Record<(typeof SERVICES)[number], DeadLetter[]>,
    [],
  );
  async function replay(service: string, letter: DeadLetter) {
    try {
      const answer = await call<{ outcome: string }>(`/api/${service}/admin/dead-letters/${letter.id}/replay`, 'POST');
      setProblem(null);
      setDone(`${letter.subject} replayed in ${service}: ${answer.outcome.replace(/_/g, ' ')}.`);
      letters.reload();
    } catch (error) {
      setProblem(asProblem(error));
    }
  }
  const found = letters.data;
  return (
    <>
      <ErrorSummary problem={problem} />
      <Heading caption="Operations">Dead letters</Heading>
      <p className="nhsuk-body">Events a service could not handle after every retry. Fix the cause, then run the event again.</p>
      {done && <p className="nhsuk-body" role="status">{done}</p>}
      {letters.error !== undefined && <ErrorSummary problem={asProblem(letters.error)} />}
      {!letters.data && letters.error === undefined && <Loading what="dead letters" />}
      {found &&
        SERVICES.map((service) => (
          <Table
            key={service}
            caption={`${service.charAt(0).toUpperCase()}${service.slice(1)}`}
            head={['Event', 'Consumer', 'Error', 'Tries', 'Since', '']}
            empty={`${service.charAt(0).toUpperCase()}${service.slice(1)}: no dead letters.`}
            rows={found[service].map((letter) => [
              letter.subject,
              letter.consumer,
              <code key="e">{letter.error.slice(0, 160)}</code>,
              letter.attempts,
              ukDateTime(letter.created_at),
              <Button key="r" small secondary onClick={() => void replay(service, letter)}>
                Replay<span className="nhsuk-u-visually-hidden"> {letter.subject}</span>
              </Button>,
            ])}
          />
        ))}
    </>
  );
}
