//! On Discord and Slack an admin gets the dashboard link privately, and the pages it opens show the
//! cohort.

use super::*;

/// The environment an operator sets for the dashboard.
const DASHBOARD_ENV: [(&str, &str); 2] =
    [("STUDYBOT_DASHBOARD__SECRET", SECRET), ("STUDYBOT_HTTP__PUBLIC_URL", "https://studybot.example.org")];

/// What a member's page and the public page must show of a cohort with Bo (named with markup).
async fn check_pages(address: SocketAddr, private: &str, public: &str, log: &dyn Fn() -> String) {
    let (status, _, page) = fetch(address, private).await;
    assert_eq!(status, 200, "{page}\n{}", log());
    assert!(page.contains("&lt;b&gt;Bo&lt;/b&gt;") && !page.contains("<b>Bo"), "{page}");
    assert!(page.contains(">Day 121<") && page.contains("dashboard.link"), "{page}");
    let (status, _, board) = fetch(address, public).await;
    assert_eq!(status, 200, "{board}");
    assert!(board.contains("&lt;b&gt;Bo&lt;/b&gt;") && !board.contains("Audit trail"), "{board}");
}

#[tokio::test(flavor = "multi_thread")]
async fn on_discord_an_admin_gets_the_link_privately() {
    use discord_bot::{DiscordBot, member, opt, organizer, setup_options};
    bounded(async {
        let mut h = DiscordBot::new("2026-12-02T10:00:00Z", 30.0).await;
        for (name, value) in DASHBOARD_ENV {
            h = h.with_env(name, value);
        }
        h.start().await;
        let (olivia, bo) = (organizer(), member(4242, "<b>Bo</b>"));
        h.ask(&olivia, "studybot", Some("setup"), setup_options("2026-12-02")).await;
        h.ask(&bo, "join", None, serde_json::json!([])).await;
        let refused = h.ask(&bo, "studybot", Some("dashboard"), serde_json::json!([])).await;
        assert!(!refused.contains(PUBLIC_URL), "{refused}");
        let id = h.slash(&olivia, "studybot", Some("dashboard"), serde_json::json!([])).await;
        let answer = h.fake.responses(&id)[0].clone();
        assert_eq!(answer["body"]["data"]["flags"], serde_json::json!(64), "for the admin alone: {answer}");
        let private = link_path(&discord_bot::reply_text(&answer));
        let on =
            h.ask(&olivia, "studybot", Some("dashboard"), serde_json::json!([opt("public", "on")])).await;
        let address = h.bot.as_ref().unwrap().http_address();
        check_pages(address, &private, &link_path(&on), &|| h.log()).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn on_slack_an_admin_gets_the_link_privately() {
    use slack_bot::{Mode, SlackBot, member, organizer, setup_text};
    bounded(async {
        let mut h = SlackBot::new("2026-12-02T10:00:00Z", 30.0, Mode::Socket).await;
        for (name, value) in DASHBOARD_ENV {
            h = h.with_env(name, value);
        }
        h.start().await;
        let (olivia, bo) = (organizer(), member("U0BO", "<b>Bo</b>"));
        h.ask(&olivia, &setup_text("2026-12-02")).await;
        h.ask(&bo, "join").await;
        let refused = h.ask(&bo, "dashboard").await;
        assert!(refused.contains("is for the cohort's admins"), "{refused}");
        let said = h.ask(&olivia, "dashboard").await;
        assert!(
            h.fake.ephemerals(&bo.id).iter().all(|e| !e.to_string().contains(PUBLIC_URL)),
            "only Olivia sees it"
        );
        let private = link_path(&said);
        let on = h.ask(&olivia, "dashboard public:on").await;
        let address = h.bot.as_ref().unwrap().http_address();
        check_pages(address, &private, &link_path(&on), &|| h.log()).await;
    })
    .await;
}
