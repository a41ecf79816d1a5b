//! The Redis store's own keys sit under a configurable namespace; Sidekiq's keys never do.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use copydesk_workers::store::{Store, redis::DEFAULT_NAMESPACE};

use common::{REDIS_URL, delete_prefix, redis_store, unavailable, unique};

async fn keys(prefix: &str) -> Vec<String> {
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let mut keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    keys.sort();
    keys
}

async fn cleanup(prefix: &str) {
    let client = redis::Client::open(REDIS_URL).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    delete_prefix(&mut conn, prefix).await;
}

/// Writes one key of each family: a queue, a fetcher, a cron claim.
async fn touch_every_family(store: &dyn Store) {
    store
        .push(&[(
            "default".into(),
            r#"{"class":"A","jid":"j1","args":[]}"#.into(),
        )])
        .await
        .unwrap();
    store.register_fetcher("host:1:abc").await.unwrap();
    assert!(store.claim_tick("nightly", 42).await.unwrap());
}

#[tokio::test]
async fn extension_keys_use_the_default_namespace() {
    let prefix = unique("cdtest:") + ":";
    let store = match redis_store(&prefix).await {
        Ok(s) => s,
        Err(e) => return unavailable("redis", &e),
    };
    assert_eq!(store.namespace(), DEFAULT_NAMESPACE);
    touch_every_family(&store).await;
    let found = keys(&prefix).await;
    cleanup(&prefix).await;
    let strip: Vec<&str> = found.iter().map(|k| &k[prefix.len()..]).collect();
    assert_eq!(
        strip,
        [
            "queue:default",
            "queues",
            "workers:cron:nightly:42",
            "workers:fetchers"
        ]
    );
}

#[tokio::test]
async fn a_configured_namespace_moves_only_the_extension_keys() {
    let prefix = unique("cdtest:") + ":";
    let store = match redis_store(&prefix).await {
        Ok(s) => s.with_namespace("acme"),
        Err(e) => return unavailable("redis", &e),
    };
    touch_every_family(&store).await;
    let found = keys(&prefix).await;
    cleanup(&prefix).await;
    let strip: Vec<&str> = found.iter().map(|k| &k[prefix.len()..]).collect();
    assert_eq!(
        strip,
        [
            "acme:cron:nightly:42",
            "acme:fetchers",
            "queue:default",
            "queues"
        ]
    );
}
