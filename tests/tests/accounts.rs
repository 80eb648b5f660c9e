//! People in the Store, on SQLite and PostgreSQL: sign-in, sessions, logins under way,
//! organisations' members and requests, personal tokens.

use catalog::{
    Actor, Error, Identity, JoinOutcome, OrganisationDraft, PersonalToken, RequestStatus, Role, SessionLifetimes,
    Store, TokenScope,
};
use chrono::Utc;
use tests::store_test;

const ME: Actor = Actor::System("test");

async fn organisation(store: &Store, slug: &str, domains: &[&str]) {
    let draft = OrganisationDraft {
        slug: slug.into(),
        name: format!("Commune {slug}"),
        liaison: None,
        kind: "commune".into(),
        country: "CH".into(),
        identifiers: vec![],
        population: None,
        parents: vec![],
        website: None,
        email_domains: domains.iter().map(|d| d.to_string()).collect(),
        demo: false,
    };
    store.put_organisation(&ME, &draft.validate().unwrap()).await.unwrap();
}

fn identity(subject: &str, email: &str, verified: bool) -> Identity {
    Identity {
        issuer: "https://id.example.org".into(),
        subject: subject.into(),
        name: Some(format!("Person {subject}")),
        email: Some(email.into()),
        email_verified: verified,
    }
}

store_test!(a_provider_subject_is_one_user_whatever_their_address_becomes, |store| {
    let first = store.sign_in(&identity("s1", "elise.martin@yverdon-les-bains.ch", true), &[]).await.unwrap();
    assert_eq!(first.handle, "elise-martin");
    assert!(!first.site_admin);
    let again = store.sign_in(&identity("s1", "e.martin@yverdon-les-bains.ch", false), &[]).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.email.as_deref(), Some("e.martin@yverdon-les-bains.ch"));
    assert!(!again.email_verified);
    // Another subject with the same local part gets a handle of its own.
    let other = store.sign_in(&identity("s2", "elise.martin@lyon.fr", true), &[]).await.unwrap();
    assert_eq!(other.handle, "elise-martin-2");
    // The same subject at another issuer is another person.
    let elsewhere = Identity { issuer: "https://other.example".into(), ..identity("s1", "x@y.fr", true) };
    assert_ne!(store.sign_in(&elsewhere, &[]).await.unwrap().id, first.id);
    // A verified address in the site administrators' list makes one; an unverified one does not.
    let admins = vec!["Admin@Communs.example".to_string()];
    assert!(!store.sign_in(&identity("s3", "admin@communs.example", false), &admins).await.unwrap().site_admin);
    assert!(store.sign_in(&identity("s3", "admin@communs.example", true), &admins).await.unwrap().site_admin);
    assert_eq!(store.user("elise-martin-2").await.unwrap().id, other.id);
    assert_eq!(store.user("ELISE.MARTIN@lyon.fr").await.unwrap().id, other.id);
    assert!(matches!(store.user("nobody").await, Err(Error::NotFound { .. })));
});

store_test!(sessions_end_when_idle_expired_closed_or_forged, |store| {
    let user = store.sign_in(&identity("s1", "a@b.fr", true), &[]).await.unwrap();
    let lifetimes = SessionLifetimes { idle: chrono::Duration::hours(1), absolute: chrono::Duration::hours(10) };
    let (secret, session) = store.open_session(&user, Some("test"), Some("id.token"), lifetimes).await.unwrap();
    assert_eq!(secret.len(), 64);
    let now = Utc::now();
    let found = store.session(&secret, lifetimes, now).await.unwrap().expect("a live session");
    assert_eq!(found.user.id, user.id);
    assert_eq!(found.csrf, session.csrf);
    assert_eq!(found.provider.as_deref(), Some("test"));
    // Idle for longer than allowed, or past its absolute end: gone.
    assert!(store.session(&secret, lifetimes, now + chrono::Duration::minutes(61)).await.unwrap().is_none());
    assert!(store.session(&secret, lifetimes, now + chrono::Duration::hours(11)).await.unwrap().is_none());
    // A forged or altered secret opens nothing.
    let mut forged = secret.clone();
    forged.replace_range(0..1, if forged.starts_with('a') { "b" } else { "a" });
    assert!(store.session(&forged, lifetimes, now).await.unwrap().is_none());
    assert!(store.session("not-hex", lifetimes, now).await.unwrap().is_none());
    store.close_session(&secret).await.unwrap();
    assert!(store.session(&secret, lifetimes, now).await.unwrap().is_none());
});

store_test!(a_login_serves_once_and_only_in_its_browser, |store| {
    let attempt = catalog::LoginAttempt {
        provider: "test".into(),
        pkce_verifier: "v".repeat(43),
        nonce: "n".into(),
        next: "/account".into(),
    };
    let state = catalog::token::random_hex().unwrap();
    let browser = catalog::token::random_hex().unwrap();
    store.begin_login(&state, &browser, &attempt).await.unwrap();
    // Another browser cannot finish it, and the attempt is spent all the same.
    let other = catalog::token::random_hex().unwrap();
    assert!(store.take_login(&state, &other).await.unwrap().is_none());
    assert!(store.take_login(&state, &browser).await.unwrap().is_none());
    let state = catalog::token::random_hex().unwrap();
    store.begin_login(&state, &browser, &attempt).await.unwrap();
    assert_eq!(store.take_login(&state, &browser).await.unwrap(), Some(attempt));
    assert!(store.take_login(&state, &browser).await.unwrap().is_none(), "a state serves once");
});

store_test!(members_join_by_request_or_by_their_domain, |store| {
    organisation(&store, "yverdon-les-bains", &["yverdon-les-bains.ch"]).await;
    organisation(&store, "lausanne", &[]).await;
    let admin = store.sign_in(&identity("a", "syndic@lausanne.ch", true), &[]).await.unwrap();
    store.set_role(None, "lausanne", &admin.handle, Role::Admin).await.unwrap();
    // A verified address of the organisation's domain joins at once; an unverified one waits.
    let official = store.sign_in(&identity("o", "greffe@yverdon-les-bains.ch", true), &[]).await.unwrap();
    match store.request_membership(&official, "yverdon-les-bains", "").await.unwrap() {
        JoinOutcome::Joined(m) => assert_eq!(m.role, Role::Member),
        other => panic!("expected to join, got {other:?}"),
    }
    let unverified = store.sign_in(&identity("u", "x@yverdon-les-bains.ch", false), &[]).await.unwrap();
    assert!(matches!(
        store.request_membership(&unverified, "yverdon-les-bains", "").await.unwrap(),
        JoinOutcome::Waiting(_)
    ));
    // A request to Lausanne waits for its admin; asking twice is a conflict.
    let JoinOutcome::Waiting(request) =
        store.request_membership(&official, "lausanne", "Je gère le SIT").await.unwrap()
    else {
        panic!("expected to wait")
    };
    assert!(matches!(
        store.request_membership(&official, "lausanne", "").await,
        Err(Error::Conflict { ref field, .. }) if field == "organisation"
    ));
    assert_eq!(store.requests_waiting_for(&admin).await.unwrap().len(), 1);
    assert!(store.requests_waiting_for(&official).await.unwrap().is_empty());
    // Only Lausanne's admin decides; nothing changes on a refusal of the right.
    let err = store.decide_request(&official, request.id, true).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(_)), "{err:?}");
    assert_eq!(store.role_in(official.id, "lausanne").await.unwrap(), None);
    let decided = store.decide_request(&admin, request.id, true).await.unwrap();
    assert_eq!(decided.status, RequestStatus::Accepted);
    assert_eq!(store.role_in(official.id, "lausanne").await.unwrap(), Some(Role::Member));
    assert!(matches!(store.decide_request(&admin, request.id, false).await, Err(Error::Conflict { .. })));
    let members = store.people("lausanne").await.unwrap();
    assert_eq!(
        members.iter().map(|m| (m.handle.as_str(), m.role)).collect::<Vec<_>>(),
        vec![(admin.handle.as_str(), Role::Admin), (official.handle.as_str(), Role::Member)]
    );
    // The last admin cannot step down or leave; a member can leave.
    assert!(matches!(
        store.set_role(Some(&admin), "lausanne", &admin.handle, Role::Member).await,
        Err(Error::Conflict { .. })
    ));
    assert!(matches!(store.remove_member(&admin, "lausanne", &admin.handle).await, Err(Error::Conflict { .. })));
    store.remove_member(&official, "lausanne", &official.handle).await.unwrap();
    assert_eq!(store.memberships(official.id).await.unwrap().len(), 1);
});

store_test!(personal_tokens_act_for_one_organisation_while_the_person_does, |store| {
    organisation(&store, "lausanne", &[]).await;
    let person = store.sign_in(&identity("p", "p@lausanne.ch", true), &[]).await.unwrap();
    let actor = Actor::User { handle: person.handle.clone(), token: None };
    let ask = |organisation, scope, days| PersonalToken { name: "ci", organisation, scope, days };
    // Writing needs an organisation, and one the person acts for.
    let err = store.create_personal_token(&actor, &person, &ask(None, TokenScope::Write, None)).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { ref field, .. } if field == "organisation"), "{err:?}");
    let err = store
        .create_personal_token(&actor, &person, &ask(Some("lausanne"), TokenScope::Write, None))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Invalid { ref field, .. } if field == "organisation"), "{err:?}");
    let err = store.create_personal_token(&actor, &person, &ask(None, TokenScope::Read, Some(0))).await.unwrap_err();
    assert!(matches!(err, Error::Invalid { ref field, .. } if field == "expires"), "{err:?}");
    store.set_role(None, "lausanne", &person.handle, Role::Member).await.unwrap();
    let (token, secret) = store
        .create_personal_token(&actor, &person, &ask(Some("lausanne"), TokenScope::Write, Some(30)))
        .await
        .unwrap();
    assert_eq!(token.organisation.as_deref(), Some("lausanne"));
    let expires = token.expires_at.unwrap();
    assert!((expires - Utc::now() - chrono::Duration::days(30)).num_seconds().abs() < 60);
    // The same name twice is a conflict; another person may use it.
    assert!(matches!(
        store.create_personal_token(&actor, &person, &ask(None, TokenScope::Read, None)).await,
        Err(Error::Conflict { .. })
    ));
    let holder = store.authenticate_token(&secret, Utc::now()).await.unwrap().expect("a live token");
    assert_eq!(holder.user.as_ref().map(|u| u.id), Some(person.id));
    assert_eq!(holder.role, Some(Role::Member));
    // Past its expiry it is refused.
    assert!(store.authenticate_token(&secret, expires + chrono::Duration::seconds(1)).await.unwrap().is_none());
    // The operator's list does not show it; the person's does.
    assert!(store.tokens().await.unwrap().is_empty());
    assert_eq!(store.tokens_of(person.id).await.unwrap().len(), 1);
    // Leaving the organisation makes it worthless.
    store.remove_member(&person, "lausanne", &person.handle).await.unwrap();
    assert!(store.authenticate_token(&secret, Utc::now()).await.unwrap().is_none());
    store.set_role(None, "lausanne", &person.handle, Role::Member).await.unwrap();
    assert!(store.authenticate_token(&secret, Utc::now()).await.unwrap().is_some());
    let revoked = store.revoke_personal_token(&person, "ci").await.unwrap();
    assert!(revoked.revoked_at.is_some());
    assert!(store.authenticate_token(&secret, Utc::now()).await.unwrap().is_none());
    // The operator's token of the same name is another token.
    store.create_token(&ME, "ci", TokenScope::Write).await.unwrap();
    assert!(matches!(store.revoke_personal_token(&person, "ci").await, Err(Error::NotFound { .. })));
});
