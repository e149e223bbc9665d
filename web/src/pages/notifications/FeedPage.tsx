import { useState } from 'react';
import { Link } from 'react-router';
import { notifications, unwrap } from '../../api/client';
import { useAuth } from '../../auth/AuthProvider';
import { Button, ErrorSummary, Failure, Heading, Loading, SuccessBanner, Table, Tag, asProblem } from '../../components/nhs';
import { useUnread } from '../../components/Unread';
import { useData, useTitle } from '../../components/useData';
import type { Problem } from '../../api/client';
import { ukDateTime } from '../../format';

export function unreadSentence(count: number): string {
  if (count === 0) return 'You have no unread messages.';
  return `You have ${count} unread ${count === 1 ? 'message' : 'messages'}.`;
}

/** The signed-in person's messages, newest first, with the unread count. */
export function FeedPage() {
  useTitle('Notifications');
  const { person } = useAuth();
  const unread = useUnread();
  const feed = useData(async () => unwrap(await notifications.GET('/api/notifications/me', { params: { query: { limit: 100 } } })), []);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [marked, setMarked] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  if (feed.error !== undefined) return <Failure error={feed.error} />;
  if (!feed.data) return <Loading what="your notifications" />;

  const markAll = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const answer = unwrap(await notifications.POST('/api/notifications/me/read'));
      setMarked(answer.marked);
      feed.reload();
      unread.refresh();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      {marked !== null && (
        <SuccessBanner title={`${marked} ${marked === 1 ? 'message' : 'messages'} marked as read`} />
      )}
      <ErrorSummary problem={problem} />
      <Heading>Notifications</Heading>
      <p className="nhsuk-body-l">{unreadSentence(feed.data.unread)}</p>
      {person?.email ? (
        <p className="nhsuk-body">
          These are the messages sent to {person.email}, newest first. Everything e-mailed to you appears here too.
        </p>
      ) : (
        <p className="nhsuk-body">
          Your sign-in carries no email address, so no messages can reach you here. Ask your
          organisation to add one to your account.
        </p>
      )}
      {feed.data.unread > 0 && (
        <Button secondary disabled={busy} onClick={() => void markAll()}>
          Mark all as read
        </Button>
      )}
      <Table
        caption="Your messages"
        head={['Message', 'Received', 'Status']}
        empty="You have no messages."
        rows={feed.data.items.map((message) => [
          <Link key={message.id} to={`/notifications/${message.id}`}>
            {message.subject}
            <span className="nhsuk-u-visually-hidden">{message.read_at ? ' (read)' : ' (unread)'}</span>
          </Link>,
          ukDateTime(message.created_at),
          message.read_at ? <Tag colour="grey">Read</Tag> : <Tag colour="blue">Unread</Tag>,
        ])}
      />
      <p className="nhsuk-body">
        <Link to="/notifications/preferences">Choose which messages you get</Link>
      </p>
    </>
  );
}
