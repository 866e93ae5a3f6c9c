//! Pacing integration tests: `Paced` against a fake platform that enforces the same limits.
//!
//! Time is tokio's paused clock, so the seconds asserted here are virtual and the tests run fast.

mod support;

use std::sync::Arc;
use std::time::Duration;

use studybot::coach::{ChannelRef, Delivery, DeliveryError, Fence, Message, Outgoing, Target};
use studybot::scheduler::pacing::{Limits, Paced, Rate};
use support::limited::LimitedFake;
use tokio::task::JoinSet;
use tokio::time::Instant;

fn channel(platform: &str, i: usize) -> ChannelRef {
    ChannelRef { platform: platform.into(), workspace: "w1".into(), channel: format!("c{i}") }
}

fn paced(limits: Limits, platform_limits: Limits) -> Arc<Paced<LimitedFake>> {
    Arc::new(Paced::new(LimitedFake::new(platform_limits), limits))
}

/// Posts `(channel, nonce)` pairs concurrently, one task each, and returns every result.
async fn post_all(
    pacer: &Arc<Paced<LimitedFake>>,
    posts: Vec<(ChannelRef, String)>,
) -> Vec<Result<String, DeliveryError>> {
    let mut tasks = JoinSet::new();
    for (channel, nonce) in posts {
        let pacer = Arc::clone(pacer);
        tasks.spawn(async move {
            pacer.post(&channel, &Message::text("lesson"), &nonce, Fence::unfenced()).await
        });
    }
    tasks.join_all().await
}

/// Asserts that no `rate.per` interval holds more than `rate.count` of `instants`.
fn assert_within(mut instants: Vec<Instant>, rate: Rate) {
    instants.sort();
    let k = rate.count as usize;
    for run in instants.windows(k + 1) {
        let span = run[k] - run[0];
        assert!(span >= rate.per, "{} requests within {span:?}, limit {rate:?}", k + 1);
    }
}

#[tokio::test(start_paused = true)]
async fn thousand_channels_at_once_are_paced_to_the_global_limit() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let start = Instant::now();
    let posts = (0..1000).map(|i| (channel("discord", i), format!("n{i}"))).collect();
    let results = post_all(&pacer, posts).await;
    let elapsed = start.elapsed();

    assert!(results.iter().all(Result::is_ok), "every post delivered");
    let fake = pacer.inner();
    assert_eq!(fake.posts().len(), 1000);
    assert_eq!(fake.posts_per_channel().len(), 1000);
    assert!(fake.violations().is_empty(), "violations: {:?}", fake.violations().len());
    assert!(elapsed >= Duration::from_secs(19), "1000 at 50/s takes 19 s, took {elapsed:?}");
    assert!(elapsed < Duration::from_secs(21), "no slower than needed: {elapsed:?}");
    assert_within(fake.posts().iter().map(|p| p.at).collect(), Limits::discord().global.unwrap());
    let stats = pacer.stats();
    assert_eq!((stats.requests, stats.retried_after_429), (1000, 0));
    assert!(stats.waited > Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn one_busy_channel_never_exceeds_five_per_five_seconds() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let c = channel("discord", 1);
    let results = post_all(&pacer, (0..12).map(|i| (c.clone(), format!("n{i}"))).collect()).await;

    assert!(results.iter().all(Result::is_ok));
    let fake = pacer.inner();
    assert_eq!(fake.posts().len(), 12);
    assert!(fake.violations().is_empty());
    assert_within(fake.posts().iter().map(|p| p.at).collect(), Limits::discord().per_channel.unwrap());
}

#[tokio::test(start_paused = true)]
async fn busy_channel_does_not_hold_back_others() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let busy = channel("discord", 1);
    let quiet = channel("discord", 2);
    let mut posts: Vec<_> = (0..12).map(|i| (busy.clone(), format!("b{i}"))).collect();
    posts.push((quiet.clone(), "q".into()));
    let start = Instant::now();
    post_all(&pacer, posts).await;

    let quiet_post = pacer.inner().posts().into_iter().find(|p| p.channel == quiet).unwrap();
    assert!(quiet_post.at - start < Duration::from_secs(1), "quiet channel waited behind the busy one");
    assert!(pacer.inner().violations().is_empty());
}

#[tokio::test(start_paused = true)]
async fn slack_posts_one_per_second_per_channel() {
    let pacer = paced(Limits::slack(), Limits::slack());
    let c = channel("slack", 1);
    let start = Instant::now();
    let results = post_all(&pacer, (0..5).map(|i| (c.clone(), format!("n{i}"))).collect()).await;

    assert!(results.iter().all(Result::is_ok));
    assert!(start.elapsed() >= Duration::from_secs(4), "took {:?}", start.elapsed());
    assert!(pacer.inner().violations().is_empty());
    assert_eq!(pacer.inner().posts().len(), 5);
}

#[tokio::test(start_paused = true)]
async fn injected_429_is_retried_after_retry_after_without_duplicate() {
    let pacer = paced(Limits::discord(), Limits::discord());
    pacer.inner().inject_429(1, Duration::from_secs(2), false);
    let c = channel("discord", 1);
    let start = Instant::now();

    let id = pacer
        .post(&c, &Message::text("lesson"), "sb-1-121", Fence::unfenced())
        .await
        .expect("delivered after retry");
    let posts = pacer.inner().posts();
    assert_eq!(posts.len(), 1, "one post, no duplicate");
    assert_eq!((posts[0].id.as_str(), id.as_str()), ("f1", "f1"));
    assert!(posts[0].at - start >= Duration::from_secs(2), "retried too early");
    assert_eq!(pacer.inner().requests(), 2);
    assert!(pacer.inner().violations().is_empty(), "the block was honoured");
    assert_eq!(pacer.stats().retried_after_429, 1);
    assert_eq!(pacer.stats().requests, 2);
}

#[tokio::test(start_paused = true)]
async fn global_429_holds_back_other_channels() {
    let pacer = paced(Limits::discord(), Limits::discord());
    pacer.inner().inject_429(1, Duration::from_secs(2), true);
    let start = Instant::now();
    let first = {
        let pacer = Arc::clone(&pacer);
        tokio::spawn(async move {
            pacer.post(&channel("discord", 1), &Message::text("a"), "a", Fence::unfenced()).await
        })
    };
    tokio::time::sleep(Duration::from_millis(100)).await;
    let other = pacer.post(&channel("discord", 2), &Message::text("b"), "b", Fence::unfenced()).await;

    assert!(other.is_ok() && first.await.unwrap().is_ok());
    let posts = pacer.inner().posts();
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.at - start >= Duration::from_secs(2)), "{posts:?}");
    assert!(pacer.inner().violations().is_empty());
}

#[tokio::test(start_paused = true)]
async fn persistent_429_gives_up_as_temporary() {
    let pacer = paced(Limits::discord(), Limits::discord());
    for request in 1..=20 {
        pacer.inner().inject_429(request, Duration::from_millis(500), false);
    }
    let result = pacer.post(&channel("discord", 1), &Message::text("lesson"), "n", Fence::unfenced()).await;

    assert!(matches!(result, Err(DeliveryError::Temporary(_))), "{result:?}");
    assert_eq!(pacer.inner().requests(), 6, "one try and five retries");
    assert!(pacer.inner().posts().is_empty());
    let stats = pacer.stats();
    assert_eq!((stats.retried_after_429, stats.gave_up), (5, 1));
}

#[tokio::test(start_paused = true)]
async fn permanent_error_passes_through_without_retry() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let gone = channel("discord", 9);
    pacer.inner().fail_permanently(&gone);
    let result = pacer.post(&gone, &Message::text("lesson"), "n", Fence::unfenced()).await;

    assert!(matches!(result, Err(DeliveryError::Permanent(_))), "{result:?}");
    assert_eq!(pacer.inner().requests(), 1);
    assert_eq!(pacer.stats().retried_after_429, 0);
}

#[tokio::test(start_paused = true)]
async fn without_pacing_the_referee_reports_violations() {
    let unpaced = paced(Limits::none(), Limits::discord());
    let posts = (0..200).map(|i| (channel("discord", i), format!("n{i}"))).collect();
    post_all(&unpaced, posts).await;
    assert!(!unpaced.inner().violations().is_empty(), "the fake must catch an unpaced burst");

    let one_channel = paced(Limits::none(), Limits::discord());
    let c = channel("discord", 1);
    post_all(&one_channel, (0..6).map(|i| (c.clone(), format!("n{i}"))).collect()).await;
    assert!(!one_channel.inner().violations().is_empty());
}

#[tokio::test(start_paused = true)]
async fn direct_messages_are_paced_per_user() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let dm = Outgoing {
        to: Target::Direct { platform: "discord".into(), user_id: "u1".into() },
        message: Message::text("reminder"),
    };
    let start = Instant::now();
    for _ in 0..6 {
        pacer.send(&dm, Fence::unfenced()).await.expect("sent");
    }
    assert!(start.elapsed() >= Duration::from_secs(5), "sixth DM waits for the user's window");
    assert_eq!(pacer.inner().sent().len(), 6);
    assert!(pacer.inner().violations().is_empty());
}

#[tokio::test(start_paused = true)]
async fn find_post_is_paced_and_answers_from_the_record() {
    let pacer = paced(Limits::slack(), Limits::slack());
    let c = channel("slack", 1);
    pacer.post(&c, &Message::text("lesson"), "sb-1-121", Fence::unfenced()).await.unwrap();
    let found = pacer.find_post(&c, "sb-1-121").await.unwrap();
    let missing = pacer.find_post(&c, "sb-1-122").await.unwrap();

    assert_eq!((found.as_deref(), missing), (Some("f1"), None));
    assert!(pacer.inner().violations().is_empty());
    assert_eq!(pacer.stats().requests, 3);
}

#[tokio::test(start_paused = true)]
async fn idle_channel_state_is_dropped() {
    let pacer = paced(Limits::discord(), Limits::discord());
    let posts = (0..300).map(|i| (channel("discord", i), format!("n{i}"))).collect();
    post_all(&pacer, posts).await;
    assert!(pacer.tracked_scopes() > 1);

    tokio::time::sleep(Duration::from_secs(6)).await;
    assert_eq!(pacer.tracked_scopes(), 0, "windows idle longer than their period are forgotten");
}
