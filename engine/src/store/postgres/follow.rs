//! Following the head that other servers move.
//!
//! A dedicated connection `LISTEN`s on [`NOTIFY_CHANNEL`]; every group
//! commit notifies its new head when it commits. A notification is only a
//! wake-up: it can be lost while the connection is down, so the follower
//! also reads the head row when it (re)connects and once every
//! [`POLL_EVERY`], and the published head only ever moves forward.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::{mpsc, watch};
use tokio_postgres::AsyncMessage;

use super::{advance, NOTIFY_CHANNEL};

/// How often the head row is read when no notification came.
const POLL_EVERY: Duration = Duration::from_secs(1);

/// How long to wait before connecting again after a failure.
const RECONNECT_AFTER: Duration = Duration::from_millis(500);

/// Follows the head until the log's runtime stops.
pub(crate) async fn run(pg: tokio_postgres::Config, head: watch::Sender<u64>) {
    loop {
        if let Err(error) = listen(&pg, &head).await {
            tracing::warn!(%error, "lost the PostgreSQL notification connection; reconnecting");
        }
        tokio::time::sleep(RECONNECT_AFTER).await;
    }
}

async fn listen(
    pg: &tokio_postgres::Config,
    head: &watch::Sender<u64>,
) -> Result<(), tokio_postgres::Error> {
    let (client, mut connection) = pg.connect(tokio_postgres::NoTls).await?;
    let (notices, mut notified) = mpsc::unbounded_channel();
    // The connection must be polled for queries to progress; its messages
    // are the notifications.
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(notification)) => {
                    if notices.send(notification.payload().to_owned()).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::debug!(%error, "the notification connection ended");
                    return;
                }
            }
        }
    });
    let result = async {
        client
            .batch_execute(&format!("LISTEN {NOTIFY_CHANNEL}"))
            .await?;
        let read_head = client
            .prepare("SELECT position FROM log_head WHERE id = 1")
            .await?;
        let mut poll = tokio::time::interval(POLL_EVERY);
        loop {
            tokio::select! {
                payload = notified.recv() => match payload {
                    Some(payload) => {
                        if let Ok(position) = payload.parse::<u64>() {
                            advance(head, position);
                        }
                    }
                    None => return client.batch_execute("SELECT 1").await,
                },
                _ = poll.tick() => {
                    let row = client.query_one(&read_head, &[]).await?;
                    advance(head, super::errors::unsigned(row.get(0)));
                }
            }
        }
    }
    .await;
    driver.abort();
    result
}
