import { useState } from 'react';
import { useParams } from 'react-router';
import { notifications, unwrap, type Problem } from '../../api/client';
import { BackLink, Button, ErrorSummary, Failure, Heading, Loading, SuccessBanner, SummaryList, Tag, asProblem } from '../../components/nhs';
import { useUnread } from '../../components/Unread';
import { useData, useTitle } from '../../components/useData';
import { ukDateTime } from '../../format';
import { KIND_NAMES } from './kinds';

/** One message: its text, when it came, and marking it read. */
export function MessagePage() {
  const { messageId = '' } = useParams();
  const unread = useUnread();
  const message = useData(
    async () =>
      unwrap(await notifications.GET('/api/notifications/me/{message_id}', { params: { path: { message_id: messageId } } })),
    [messageId],
  );
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const [marked, setMarked] = useState(false);
  useTitle(message.data ? message.data.subject : 'Message');
  if (message.error !== undefined) return <Failure error={message.error} />;
  if (!message.data) return <Loading what="the message" />;
  const shown = message.data;

  const markRead = async () => {
    setBusy(true);
    setProblem(null);
    try {
      unwrap(await notifications.POST('/api/notifications/me/{message_id}/read', { params: { path: { message_id: messageId } } }));
      setMarked(true); // the button goes; the banner takes the focus and says what happened
      message.reload();
      unread.refresh();
    } catch (error) {
      setProblem(asProblem(error));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <BackLink to="/notifications">Back to notifications</BackLink>
      {marked && <SuccessBanner title="Marked as read" />}
      <ErrorSummary problem={problem} />
      <Heading caption={KIND_NAMES[shown.kind]}>{shown.subject}</Heading>
      <SummaryList
        rows={[
          ['Received', ukDateTime(shown.created_at)],
          ['Status', shown.read_at ? <Tag colour="grey">Read</Tag> : <Tag colour="blue">Unread</Tag>],
          ...(shown.read_at ? ([['Read', ukDateTime(shown.read_at)]] as [string, string][]) : []),
        ]}
      />
      <div className="ewc-message-text">{shown.body_text}</div>
      {!shown.read_at && (
        <Button disabled={busy} onClick={() => void markRead()}>
          Mark as read
        </Button>
      )}
    </>
  );
}
