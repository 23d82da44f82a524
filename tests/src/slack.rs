//! Slack in tests: a local HTTP server that records what was posted.
use super::*;

/// A local stand-in for a Slack incoming webhook.
pub struct Slack {
    server: MockServer,
}

impl Slack {
    /// A webhook that answers 200 "ok", as Slack does.
    pub async fn up() -> Slack {
        Self::answering(200, "ok").await
    }

    /// A webhook that answers 500: Slack is down.
    pub async fn down() -> Slack {
        Self::answering(500, "internal_error").await
    }

    async fn answering(status: u16, body: &str) -> Slack {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        Slack { server }
    }

    /// The URL to keep in the Slack secret.
    pub fn webhook_url(&self) -> String {
        format!("{}/services/T/B/X", self.server.uri())
    }

    /// Every body POSTed so far, as JSON (a body that isn't JSON fails the test).
    pub async fn posts(&self) -> Vec<Value> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST")
            .map(|r| {
                assert_eq!(r.url.path(), "/services/T/B/X", "posted to the wrong path");
                serde_json::from_slice(&r.body)
                    .unwrap_or_else(|e| panic!("Slack got a body that is not JSON ({e}): {:?}", r.body))
            })
            .collect()
    }

    /// Posts whose text mentions `needle` (e.g. a bucket name).
    pub async fn posts_mentioning(&self, needle: &str) -> Vec<Value> {
        self.posts()
            .await
            .into_iter()
            .filter(|p| p.to_string().contains(needle))
            .collect()
    }
}

impl Slack {
    /// A webhook that answers the first post with 429 and `Retry-After: <secs>`,
    /// then 200 "ok", as Slack's rate limit does.
    pub async fn rate_limited_once(retry_after_secs: u64) -> Slack {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(429)
                    .insert_header("Retry-After", retry_after_secs.to_string().as_str())
                    .set_body_string("rate_limited"),
            )
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
            .with_priority(2)
            .mount(&server)
            .await;
        Slack { server }
    }

    /// The plain-text fallback (`text`) of every post, in the order received.
    pub async fn texts(&self) -> Vec<String> {
        self.posts()
            .await
            .iter()
            .map(|p| p["text"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}
