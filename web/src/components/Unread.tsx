// The signed-in person's unread count, shown in the header on every page. Read again on each
// navigation, whenever a page marks messages read (so the header never lags the feed), and
// every minute.
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { useLocation } from 'react-router';
import { notifications, unwrap } from '../api/client';
import { useAuth } from '../auth/AuthProvider';

interface Unread {
  /** How many messages are unread; null while unknown (not signed in, loading, or failed). */
  count: number | null;
  refresh: () => void;
}

const POLL_MS = 60_000;

const UnreadContext = createContext<Unread>({ count: null, refresh: () => undefined });

export function useUnread(): Unread {
  return useContext(UnreadContext);
}

export function UnreadProvider({ children }: { children: ReactNode }) {
  const { person } = useAuth();
  const { pathname } = useLocation();
  const [count, setCount] = useState<number | null>(null);
  const [round, setRound] = useState(0);
  const refresh = useCallback(() => setRound((n) => n + 1), []);
  const subject = person?.subject;
  useEffect(() => {
    if (!subject) {
      setCount(null);
      return;
    }
    let live = true;
    const load = async () => {
      try {
        const feed = unwrap(await notifications.GET('/api/notifications/me', { params: { query: { limit: 1 } } }));
        if (live) setCount(feed.unread);
      } catch {
        if (live) setCount(null); // the header then says "Notifications" without a count
      }
    };
    void load();
    // A message may arrive while the person stays on one page.
    const timer = window.setInterval(() => void load(), POLL_MS);
    return () => {
      live = false;
      window.clearInterval(timer);
    };
  }, [subject, pathname, round]);
  return <UnreadContext.Provider value={{ count, refresh }}>{children}</UnreadContext.Provider>;
}

/** The header's words: the count is text, so a screen reader says it as it is shown. */
export function unreadText(count: number | null): string {
  if (count === null) return 'Notifications';
  return `Notifications (${count} unread)`;
}
