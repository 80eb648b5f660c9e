//! The daily digest, sent to a real SMTP server on loopback (the PyPI package aiosmtpd,
//! installed by `tests/mail/install.sh`, which the test runs first, keeping what it receives in a Maildir folder): one
//! message per person with what their organisations are asked, nothing when nothing is new.

use std::path::{Path, PathBuf};
use std::time::Duration;

use catalog::contribution::{AdoptionForm, Author, PledgeForm};
use catalog::{Actor, Identity, OrgKey, Role, Slug, Store};
use server::mail::{send_digests, Mail, MailFile};
use tests::{database_test, today};

/// aiosmtpd on a free loopback port, keeping what it receives in the Maildir `mbox`.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
}

impl SmtpServer {
    async fn start(mbox: &Path) -> SmtpServer {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        // Both databases' tests share the one installation: the first installs it.
        static INSTALL: std::sync::Once = std::sync::Once::new();
        INSTALL.call_once(|| {
            let installed = std::process::Command::new("bash").arg(root.join("tests/mail/install.sh")).status();
            assert!(installed.is_ok_and(|s| s.success()), "tests/mail/install.sh failed");
        });
        let exe = root.join("target/mail-venv/bin/aiosmtpd");
        assert!(exe.exists(), "{} is missing after tests/mail/install.sh", exe.display());
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut child = std::process::Command::new(exe)
            .args(["-n", "-l", &format!("127.0.0.1:{port}"), "-c", "aiosmtpd.handlers.Mailbox"])
            .arg(mbox)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("aiosmtpd starts");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return SmtpServer { child, port };
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("aiosmtpd did not answer on port {port}");
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The messages of the Maildir folder aiosmtpd's `Mailbox` handler writes, each as its
/// text (headers and body).
fn messages(maildir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(maildir.join(sub)) else { continue };
        for e in entries.flatten() {
            out.push(std::fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    out
}

async fn person(store: &Store, subject: &str, email: &str, organisation: &str) -> catalog::User {
    let identity = Identity {
        issuer: "https://id.example".into(),
        subject: subject.into(),
        name: Some(format!("Person {subject}")),
        email: Some(email.into()),
        email_verified: true,
    };
    let user = store.sign_in(&identity, &[]).await.unwrap();
    store.set_role(None, organisation, &user.handle, Role::Member).await.unwrap();
    user
}

fn author(user: &catalog::User, organisation: &str) -> Author {
    Author {
        actor: Actor::User { handle: user.handle.clone(), token: None },
        acting_for: Some(organisation.into()),
        once: None,
    }
}

database_test!(a_daily_digest_tells_each_person_what_is_new_once, |db| {
    let store = db.store.clone();
    store.seed(&Actor::System("test"), &tests::demo_fixtures(), today()).await.unwrap();
    // Luc acts for the association that maintains GéoCity: the digest is his.
    person(&store, "luc", "luc@association-geocity.ch", "association-geocity").await;
    let elise = person(&store, "elise", "elise@orbe.ch", "orbe").await;
    let paris = person(&store, "p", "p@paris.fr", "paris").await;
    // Orbe declares GéoCity; Paris pledges to one of its roadmap items.
    let declaration = AdoptionForm { since: today().to_string(), status: "pilot".into(), ..Default::default() }
        .validate(today())
        .unwrap();
    let orbe = OrgKey::Slug(Slug::parse("orbe").unwrap());
    store.declare_adoption(&author(&elise, "orbe"), "geocity", &orbe, &declaration).await.unwrap();
    let item = store.software_roadmap("geocity").await.unwrap()[1].clone();
    let pledge = PledgeForm { amount: "2500".into(), currency: "CHF".into(), ..Default::default() }
        .validate(item.id, today())
        .unwrap();
    let paris_key = OrgKey::Slug(Slug::parse("paris").unwrap());
    store.record_funding(&author(&paris, "paris"), "geocity", &paris_key, &pledge).await.unwrap();

    // Off unless configured.
    assert!(Mail::new(&MailFile::default(), None).unwrap().is_none());
    let bad = MailFile {
        smtp_url: Some("smtp://127.0.0.1:25".into()),
        from: Some("not an address".into()),
        digest_hour: None,
    };
    assert!(Mail::new(&bad, None).err().unwrap().to_string().contains("mail.from"));

    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("mbox");
    let smtp = SmtpServer::start(&mbox).await;
    let file = MailFile {
        smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
        from: Some("Communs <communs@example.org>".into()),
        digest_hour: Some(7),
    };
    let site = url::Url::parse("https://communs.example.org/").unwrap();
    let mail = Mail::new(&file, Some(&site)).unwrap().expect("configured");
    // Two processes at the digest hour: each person's digest is sent by one of them.
    let now = chrono::Utc::now();
    let (one, other) = tokio::join!(send_digests(&store, &mail, now), send_digests(&store, &mail, now));
    let (one, other) = (one.unwrap(), other.unwrap());
    assert_eq!(one.failed + other.failed, 0, "{one:?} {other:?}");
    assert_eq!(one.sent + one.taken, other.sent + other.taken, "{one:?} {other:?}");
    assert_eq!(one.taken, other.sent, "what one took, the other skipped: {one:?} {other:?}");
    let report = server::mail::DigestReport { sent: one.sent + other.sent, ..Default::default() };
    assert!(report.sent >= 1, "{report:?}");
    // The association hears of both, in one message.
    let mut found = Vec::new();
    for _ in 0..50 {
        found = messages(&mbox);
        if found.len() >= report.sent {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(found.len(), report.sent, "one message per person");
    let to_luc: Vec<&String> = found.iter().filter(|m| m.contains("luc@association-geocity.ch")).collect();
    assert_eq!(to_luc.len(), 1, "one digest, not one message per event");
    let body = to_luc[0];
    assert!(body.contains("Orbe"), "{body}");
    assert!(body.contains("https://communs.example.org/adoptions/"), "{body}");
    assert!(body.contains("2500"), "the pledge: {body}");
    let to_item = format!("https://communs.example.org/software/geocity#item-{}", item.slug);
    assert!(body.contains(&to_item), "the pledge links to its item: {body}");
    assert!(body.contains("Subject: =?utf-8?") || body.contains("Subject: Communs"), "{body}");
    // Élise's Orbe does not maintain GéoCity: she hears nothing of her own declaration.
    assert!(!found.iter().any(|m| m.contains("elise@orbe.ch")), "nothing is new for Orbe");

    // Nothing new: nothing sent.
    let again = send_digests(&store, &mail, chrono::Utc::now()).await.unwrap();
    assert_eq!(again.sent, 0, "{again:?}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(messages(&mbox).len(), found.len());
    drop(smtp);

    // A server that does not answer: the digest fails, is logged, and waits for the next round.
    let dead = MailFile { smtp_url: Some(format!("smtp://127.0.0.1:{}", free_port())), ..file };
    let mail = Mail::new(&dead, Some(&site)).unwrap().unwrap();
    let declaration = AdoptionForm { since: today().to_string(), status: "active".into(), ..Default::default() }
        .validate(today())
        .unwrap();
    let prilly = person(&store, "pr", "pr@prilly.ch", "prilly").await;
    let prilly_key = OrgKey::Slug(Slug::parse("prilly").unwrap());
    store.declare_adoption(&author(&prilly, "prilly"), "geocity", &prilly_key, &declaration).await.unwrap();
    let report = send_digests(&store, &mail, chrono::Utc::now() + chrono::Duration::minutes(1)).await.unwrap();
    assert!(report.failed >= 1, "{report:?}");
    assert_eq!(report.sent, 0);
    // Given back: the next round tries the same digest again, rather than counting it sent.
    let next = send_digests(&store, &mail, chrono::Utc::now() + chrono::Duration::minutes(2)).await.unwrap();
    assert_eq!((next.failed, next.taken), (report.failed, 0), "{next:?}");
});

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}
