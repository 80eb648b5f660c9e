//! The daily digest: once a day, each person with a verified address hears what their
//! organisations are asked since the last one (adoptions of the software they maintain to
//! confirm, needs and pledges on its roadmap, their own adoptions due for a check, other
//! bodies' questions when they answer them) and the answers to their own questions, in one
//! message, never one per event. Off unless `[mail]` names an SMTP server.

use std::time::Duration;

use anyhow::Context;
use catalog::{AuditEvent, Recipient, Store};
use chrono::{DateTime, Timelike, Utc};
use lettre::message::{header::ContentType, Mailbox};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use web::{Lang, T};

/// `[mail]` of `communs.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailFile {
    /// The SMTP server: `smtp://host:25` (plain, for a relay on the same machine),
    /// `smtp://user:password@host:587?tls=required` (STARTTLS), `smtps://host:465` (TLS).
    /// Without it no mail is sent.
    pub smtp_url: Option<String>,
    /// The sender: `Communs <communs@example.org>`.
    pub from: Option<String>,
    /// The hour (UTC, 0 to 23) the digests leave at; 7 unless told.
    pub digest_hour: Option<u32>,
}

/// A configured mail service.
#[derive(Clone)]
pub struct Mail {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    pub digest_hour: u32,
    /// The site's address, for the links in the messages.
    site: String,
}

impl Mail {
    /// The service `file` describes, or `None` when it names no server.
    pub fn new(file: &MailFile, public_url: Option<&url::Url>) -> anyhow::Result<Option<Mail>> {
        let Some(smtp) = file.smtp_url.as_deref().filter(|s| !s.trim().is_empty()) else { return Ok(None) };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp)
            .map_err(|e| anyhow::anyhow!("mail.smtp_url: {e}"))?
            .timeout(Some(Duration::from_secs(30)))
            .build();
        let from = file.from.as_deref().ok_or_else(|| anyhow::anyhow!("mail.from: the sender's address is needed"))?;
        let from: Mailbox = from.parse().map_err(|e| anyhow::anyhow!("mail.from: {from:?} is not an address: {e}"))?;
        let digest_hour = match file.digest_hour {
            None => 7,
            Some(h @ 0..=23) => h,
            Some(h) => anyhow::bail!("mail.digest_hour: {h} is not an hour from 0 to 23"),
        };
        let site = public_url
            .map_or_else(|| "http://127.0.0.1:8080".to_string(), |u| u.as_str().trim_end_matches('/').to_string());
        Ok(Some(Mail { transport, from, digest_hour, site }))
    }
}

/// What a round of digests did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DigestReport {
    pub sent: usize,
    /// People with nothing new.
    pub quiet: usize,
    /// Messages the server refused or could not take (logged; tried again next round).
    pub failed: usize,
    /// Digests another process took first (several send at the same hour).
    pub taken: usize,
}

/// The first digest of a person tells what happened over the last day.
const FIRST_LOOK_BACK_HOURS: i64 = 24;

/// Sends each person their digest of what happened since their last one, at `now`.
pub async fn send_digests(store: &Store, mail: &Mail, now: DateTime<Utc>) -> anyhow::Result<DigestReport> {
    let mut report = DigestReport::default();
    for person in store.digest_recipients().await? {
        let since = person.last_sent.unwrap_or(now - chrono::Duration::hours(FIRST_LOOK_BACK_HOURS));
        let Some(body) = digest(store, &mail.site, &person, since, now).await? else {
            report.quiet += 1;
            continue;
        };
        // Taken before it is sent: another process at the same hour skips this person.
        if !store.claim_digest(person.user_id, person.last_sent, now).await? {
            report.taken += 1;
            continue;
        }
        match send(mail, &person, body).await {
            Ok(()) => report.sent += 1,
            Err(e) => {
                tracing::warn!(user = %person.handle, error = %format!("{e:#}"), "digest not sent");
                store.release_digest(person.user_id, person.last_sent, now).await?;
                report.failed += 1;
            }
        }
    }
    tracing::info!(sent = report.sent, quiet = report.quiet, failed = report.failed, taken = report.taken, "digests");
    Ok(report)
}

async fn send(mail: &Mail, person: &Recipient, body: String) -> anyhow::Result<()> {
    let to: Mailbox = format!("{} <{}>", person.name.replace(['<', '>', '"'], ""), person.email)
        .parse()
        .or_else(|_| person.email.parse())
        .with_context(|| format!("{:?} is not an address", person.email))?;
    let t = T::new(Lang::Fr);
    let message = Message::builder()
        .from(mail.from.clone())
        .to(to)
        .subject(t.s("mail.subject"))
        .header(ContentType::TEXT_PLAIN)
        .body(body)?;
    mail.transport.send(message).await?;
    Ok(())
}

/// One line of a digest, in both languages' words.
struct Line {
    href: String,
    words: [String; 2],
}

/// The digest of `person` for what happened after `since` and up to `now`, French then
/// English; `None` when nothing is new.
pub async fn digest(
    store: &Store,
    site: &str,
    person: &Recipient,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<String>> {
    let langs = [T::new(Lang::Fr), T::new(Lang::En)];
    let mut to_confirm = Vec::new();
    let mut roadmap = Vec::new();
    let mut to_check = Vec::new();
    for org in &person.organisations {
        for e in store.maintainer_news(org, since, &["declare", "need", "pledge"]).await? {
            let line =
                Line { href: format!("{site}{}", event_href(&e)), words: langs.each_ref().map(|t| event_words(t, &e)) };
            if e.action == "declare" {
                to_confirm.push(line);
            } else {
                roadmap.push(line);
            }
        }
        for a in store.adoptions_falling_due(org, since.date_naive(), now.date_naive()).await? {
            to_check.push(Line {
                href: format!("{site}/adoptions/{}", a.id),
                words: langs.each_ref().map(|t| {
                    format!("{} · {}", a.organisation_name, a.software_name).replace('\n', " ")
                        + &format!(" ({})", t.word("adoption", a.status.as_str()))
                }),
            });
        }
    }
    let questions: Vec<Line> = store
        .questions_to_answer(person.user_id, since, now)
        .await?
        .into_iter()
        .map(|q| {
            let words = format!("{} · {} — {}", q.by.organisation.name, q.software_name, q.excerpt);
            Line { href: format!("{site}/questions/{}", q.id), words: [words.clone(), words] }
        })
        .collect();
    let answers: Vec<Line> = store
        .answers_to_me(person.user_id, since, now)
        .await?
        .into_iter()
        .map(|(q, by)| {
            let words = format!("{} · {} — {}", by.name, q.software_name, q.excerpt);
            Line { href: format!("{site}/questions/{}", q.id), words: [words.clone(), words] }
        })
        .collect();
    if to_confirm.is_empty() && roadmap.is_empty() && to_check.is_empty() && questions.is_empty() && answers.is_empty()
    {
        return Ok(None);
    }
    let mut text = String::new();
    for (i, t) in langs.iter().enumerate() {
        if i > 0 {
            text.push_str("\n-- \n\n");
        }
        text.push_str(&t.fill("mail.hello", &person.name));
        text.push_str("\n\n");
        let sections = [
            ("mail.to_confirm", &to_confirm),
            ("mail.roadmap", &roadmap),
            ("mail.to_check", &to_check),
            ("mail.questions", &questions),
            ("mail.answers", &answers),
        ];
        for (key, lines) in sections {
            if lines.is_empty() {
                continue;
            }
            text.push_str(t.s(key));
            text.push('\n');
            for l in lines.iter() {
                text.push_str(&format!("- {}\n  {}\n", l.words[i], l.href));
            }
            text.push('\n');
        }
        text.push_str(&t.fill("mail.account", &format!("{site}/account")));
        text.push('\n');
    }
    Ok(Some(text))
}

fn event_href(e: &AuditEvent) -> String {
    let record = e.after.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok());
    let id = record.as_ref().and_then(|r| r.get("id")).and_then(|v| v.as_i64()).unwrap_or_default();
    match e.entity.as_str() {
        "adoption" => format!("/adoptions/{id}"),
        "roadmap_item" => format!("/roadmap/{id}"),
        _ => {
            let text = |name: &str| record.as_ref().and_then(|r| r.get(name)).and_then(|v| v.as_str());
            let software = text("software").unwrap_or_default();
            // A pledge points to its item on the software's roadmap.
            match text("roadmap_item") {
                Some(item) => format!("/software/{software}#item-{item}"),
                None => format!("/software/{software}#fundings"),
            }
        }
    }
}

fn event_words(t: &T, e: &AuditEvent) -> String {
    let record = e.after.as_deref().and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok());
    let field =
        |name: &str| record.as_ref().and_then(|r| r.get(name)).and_then(|v| v.as_str()).unwrap_or_default().to_string();
    let by = e.acting_for.clone().unwrap_or_default();
    let text = match e.action.as_str() {
        "declare" => format!(
            "{} · {} ({})",
            field("organisation_name"),
            field("software_name"),
            t.word("adoption", &field("status"))
        ),
        "need" => format!("{by} · {}", field("title")),
        _ => format!(
            "{} · {} {} · {}",
            field("funder_name"),
            record.as_ref().and_then(|r| r["amount_decimal"].as_str()).unwrap_or_default(),
            record.as_ref().and_then(|r| r["amount"]["currency"].as_str()).unwrap_or_default(),
            field("software_name")
        ),
    };
    format!("{} — {}", t.word("change", &e.action), text.replace('\n', " "))
}

/// Sends the digests every day at the configured hour, as long as the server runs.
pub fn spawn_daily(store: Store, mail: Mail) {
    tokio::spawn(async move {
        loop {
            let now = Utc::now();
            let today = now.date_naive().and_hms_opt(mail.digest_hour, 0, 0).expect("an hour").and_utc();
            let next = if now < today { today } else { today + chrono::Duration::days(1) };
            let wait = (next - now).to_std().unwrap_or(Duration::from_secs(60));
            tokio::time::sleep(wait).await;
            if let Err(e) = send_digests(&store, &mail, Utc::now()).await {
                tracing::error!(error = %format!("{e:#}"), "digests failed");
            }
            // Past the hour before looking for the next one.
            if Utc::now().hour() == mail.digest_hour {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        }
    });
}
