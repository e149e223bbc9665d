import { useCallback, useEffect, useState } from 'react';

/** Load something once (and again on `reload`), with its error. */
export function useData<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: unknown; reload: () => void } {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<unknown>();
  const [round, setRound] = useState(0);
  // The caller names what the load depends on, as with useEffect.
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setError(undefined);
    run().then(
      (value) => live && setData(value),
      (failure: unknown) => live && setError(failure),
    );
    return () => {
      live = false;
    };
  }, [run, round]);
  return { data, error, reload: () => setRound((n) => n + 1) };
}

/** Keep the document title in step with the page (WCAG 2.4.2). */
export function useTitle(title: string): void {
  useEffect(() => {
    document.title = `${title} - Enjoying Work`;
  }, [title]);
}
