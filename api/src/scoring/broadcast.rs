//! Broadcast: a short message published by one instance reaches every instance subscribed to
//! the same channel at that moment, or none that was not. Instances use it to tell each other
//! that something they keep in memory changed (`caches::coherence`).
//!
//! Delivery is at most once and only to those listening, so a subscriber must treat a broken
//! subscription as "anything may have changed meanwhile": [`Subscription::next`] returns `None`
//! when the connection was lost, went quiet, or messages were dropped, and the caller
//! subscribes again and starts from nothing.
//!
//! # Implementation notes
//! On Redis this is `PUBLISH`/`SUBSCRIBE`: on a Redis Cluster a message published on any node
//! reaches subscribers on every node, so the subscriber connects to the first node of
//! `REDIS_URL` that answers. A subscription waits on a socket that may be dead without a reset
//! (a host gone, a network split), so it pings its node when quiet and gives up when the ping
//! is not answered. In process, a `tokio` broadcast channel per channel name, shared by every
//! server using the same `MemoryStore` (one process).

use std::time::Duration;

use futures_util::StreamExt;
use tokio::sync::broadcast;

use super::{Store, StoreError};

/// How long a subscription waits without a message before it checks its connection.
const QUIET: Duration = Duration::from_secs(5);

/// How long that check may take before the connection is taken for dead.
const PING_TIMEOUT: Duration = Duration::from_secs(2);

/// Messages an in-process subscriber may fall behind by before it is told it missed some.
pub(super) const MEMORY_BACKLOG: usize = 1_024;

/// A live subscription to one channel.
pub struct Subscription {
    inner: Inner,
}

enum Inner {
    Memory(broadcast::Receiver<String>),
    Redis {
        sink: redis::aio::PubSubSink,
        stream: redis::aio::PubSubStream,
    },
}

impl Subscription {
    /// The next message (text; anything else sent on the channel is skipped). `None` once the
    /// subscription is broken: messages may have been missed, so subscribe again.
    pub async fn next(&mut self) -> Option<String> {
        match &mut self.inner {
            Inner::Memory(rx) => rx.recv().await.ok(),
            Inner::Redis { sink, stream } => loop {
                match tokio::time::timeout(QUIET, stream.next()).await {
                    Ok(Some(msg)) => {
                        if let Ok(text) = msg.get_payload::<String>() {
                            return Some(text);
                        }
                    }
                    Ok(None) => return None,
                    Err(_quiet) => {
                        // Subscribed, a node answers PING with `["pong", ""]`, not `PONG`: any
                        // answer will do.
                        let answered =
                            tokio::time::timeout(PING_TIMEOUT, sink.ping::<redis::Value>())
                                .await
                                .is_ok_and(|r| r.is_ok());
                        if !answered {
                            return None;
                        }
                    }
                }
            },
        }
    }
}

impl Store {
    /// Sends `message` to every current subscriber of `channel` (on every instance sharing
    /// this store, this one included).
    pub async fn publish(&self, channel: &str, message: &str) -> Result<(), StoreError> {
        match self {
            Self::Memory(m) => {
                // No subscriber is not an error: nobody keeps anything to drop.
                let _ = m.channel(channel).send(message.to_owned());
                Ok(())
            }
            Self::Redis(r) => {
                let mut conn = r.connection();
                let _: i64 = redis::cmd("PUBLISH")
                    .arg(channel)
                    .arg(message)
                    .query_async(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }

    /// Subscribes to `channel`; messages published from now on are received.
    pub async fn subscribe(&self, channel: &str) -> Result<Subscription, StoreError> {
        let inner = match self {
            Self::Memory(m) => Inner::Memory(m.channel(channel).subscribe()),
            Self::Redis(r) => {
                let mut pubsub = r.pubsub().await?;
                pubsub.subscribe(channel).await?;
                let (sink, stream) = pubsub.split();
                Inner::Redis { sink, stream }
            }
        };
        Ok(Subscription { inner })
    }
}
