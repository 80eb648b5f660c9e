//! Asking the adopters (see `crate::question`): who answers questions for an organisation,
//! which adopters of a software can be asked, the questions, their answers, and who may
//! read them. Questions are messages between people, not facts of the catalog: they leave
//! no audit event and commit without counting a new catalog version, so no cached page or
//! search answer is thrown away for them. Saying one answers questions does count: the
//! reports show how many adopters can be asked.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};

use super::{q, Store, Tx, Written};
use crate::account::User;
use crate::contribution::Author;
use crate::error::{Error, Result};
use crate::model::{OrgKey, OrgRef};
use crate::question::{
    excerpt, Answer, AnsweringAdopter, Asked, Question, QuestionDraft, QuestionSummary, Questions, Speaker,
    QUESTIONS_PER_DAY,
};
use crate::slug::Slug;

/// How long an excerpt of a question is in a list.
const EXCERPT: usize = 140;

/// An organisation as the question's queries read it: slug, name, kind, country.
type OrgRow = (String, String, String, String);

fn org((slug, name, kind, country): OrgRow) -> OrgRef {
    OrgRef { slug, name, kind, country }
}

/// The organisations with a member who answers questions, then their live adoptions of
/// software `$1`, in that order (SQLite keeps the order of a CROSS JOIN): there are few of
/// the first, and a popular software has 27,000 adoptions to test one by one the other way
/// (28 ms for five of them on the national catalog, against 0.1 ms).
const ANSWERING: &str = "FROM (SELECT DISTINCT organisation_id FROM memberships WHERE answers_questions = TRUE) m \
     CROSS JOIN adoptions a CROSS JOIN organisations o \
     WHERE a.organisation_id = m.organisation_id AND o.id = a.organisation_id \
     AND a.software_id = $1 AND a.status <> 'ended'";

/// A question's columns, for `summary_of`.
const SUMMARY: &str =
    "SELECT qu.id, s.slug, s.name, u.name, o.slug, o.name, o.kind, o.country, qu.body, qu.created_at, \
     (SELECT COUNT(*) FROM question_recipients r WHERE r.question_id = qu.id), \
     (SELECT COUNT(DISTINCT x.organisation_id) FROM question_answers x WHERE x.question_id = qu.id) \
     FROM questions qu JOIN software s ON s.id = qu.software_id JOIN users u ON u.id = qu.asker_id \
     JOIN organisations o ON o.id = qu.organisation_id";

type SummaryRow = (i64, String, String, String, String, String, String, String, String, DateTime<Utc>, i64, i64);

fn summary_of(row: SummaryRow) -> QuestionSummary {
    let (id, software, software_name, name, slug, org_name, kind, country, body, created_at, asked, answered) = row;
    QuestionSummary {
        id,
        software,
        software_name,
        by: Speaker { name, organisation: org((slug, org_name, kind, country)) },
        excerpt: excerpt(&body, EXCERPT),
        created_at,
        asked,
        answered,
        answered_by_us: false,
    }
}

impl Store {
    /// Says whether the person answers other bodies' questions about what `organisation`
    /// uses. Only a member may say it; anyone else gets `NotFound`.
    pub async fn set_answers_questions(&self, user_id: i64, organisation: &str, on: bool) -> Result<()> {
        let mut tx = self.begin(&crate::model::Actor::System("account")).await?;
        let changed = tx
            .execute(
                q("UPDATE memberships SET answers_questions = $1 WHERE user_id = $2 \
                   AND organisation_id = (SELECT id FROM organisations WHERE slug = $3)")
                .bind(on)
                .bind(user_id)
                .bind(organisation),
            )
            .await?;
        if changed == 0 {
            return Err(Error::not_found("membership", organisation));
        }
        // How many of a software's adopters answer questions shows on public pages (the
        // report): a new catalog version lets the caches know.
        tx.commit().await
    }

    /// The organisations (slugs) for which the person answers questions.
    pub async fn answering_for(&self, user_id: i64) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = self
            .all(
                q("SELECT o.slug FROM memberships m JOIN organisations o ON o.id = m.organisation_id \
                   WHERE m.user_id = $1 AND m.answers_questions = TRUE ORDER BY o.slug")
                .bind(user_id),
            )
            .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    /// The adopters of a software that can be asked a question, by name.
    pub async fn answering_adopters(&self, software: &str) -> Result<Vec<AnsweringAdopter>> {
        let mut tx = self.read().await?;
        let software_id = software_id(&mut tx, software).await?;
        answering(&mut tx, software_id).await
    }

    /// For each of `slugs`, how many of its adopters can be asked a question.
    pub async fn answering_counts(&self, slugs: &[String]) -> Result<HashMap<String, i64>> {
        if slugs.is_empty() {
            return Ok(HashMap::new());
        }
        let marks: Vec<String> = (1..=slugs.len()).map(|i| format!("${i}")).collect();
        let mut query = q(format!(
            "SELECT s.slug, COUNT(*) FROM (SELECT DISTINCT organisation_id FROM memberships \
             WHERE answers_questions = TRUE) m CROSS JOIN adoptions a CROSS JOIN software s \
             WHERE a.organisation_id = m.organisation_id AND s.id = a.software_id \
             AND s.slug IN ({}) AND a.status <> 'ended' GROUP BY s.slug",
            marks.join(", ")
        ));
        for s in slugs {
            query = query.bind(s.as_str());
        }
        let rows: Vec<(String, i64)> = self.all(query).await?;
        Ok(rows.into_iter().collect())
    }

    /// Sends a question about `software` from `asker`, acting for `organisation` (one they
    /// are a member of), to the adopters the draft names, each of which must be one that
    /// can be asked. Sent twice with the same one-time key, it is asked once.
    pub async fn ask_question(
        &self,
        author: &Author,
        asker: &User,
        organisation: &str,
        software: &str,
        draft: &QuestionDraft,
    ) -> Result<Written<Question>> {
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "question").await? {
            return Ok(Written { record: load(&mut tx, id).await?, replayed: true });
        }
        let org_id = member_of(&mut tx, asker.id, organisation).await?;
        let software_id = software_id(&mut tx, software).await?;
        let now = tx.now();
        let (recent,): (i64,) = tx
            .one(
                q("SELECT COUNT(*) FROM questions WHERE asker_id = $1 AND created_at > $2")
                    .bind(asker.id)
                    .bind(now - chrono::Duration::hours(24)),
            )
            .await?;
        if recent >= QUESTIONS_PER_DAY {
            return Err(Error::Conflict {
                field: "body".into(),
                message: format!(
                    "you asked {recent} questions in the last 24 hours, the most a person may; ask again tomorrow"
                ),
            });
        }
        let answering = answering(&mut tx, software_id).await?;
        let mut recipients = Vec::new();
        for slug in &draft.to {
            if slug == organisation {
                return Err(Error::invalid("to", format!("{slug} is the organisation asking")));
            }
            if !answering.iter().any(|a| &a.organisation.slug == slug) {
                return Err(Error::invalid(
                    "to",
                    format!("{slug} cannot be asked about {software}: it does not use it, or nobody there answers questions"),
                ));
            }
            let (id,): (i64,) = tx.one(q("SELECT id FROM organisations WHERE slug = $1").bind(slug.as_str())).await?;
            recipients.push(id);
        }
        let (id,): (i64,) = tx
            .one(
                q("INSERT INTO questions (software_id, asker_id, organisation_id, body, created_at) \
                   VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(software_id)
                .bind(asker.id)
                .bind(org_id)
                .bind(draft.body.as_str())
                .bind(now),
            )
            .await?;
        for r in recipients {
            tx.execute(
                q("INSERT INTO question_recipients (question_id, organisation_id) VALUES ($1, $2)").bind(id).bind(r),
            )
            .await?;
        }
        tx.settle(author, "question", id).await?;
        let record = load(&mut tx, id).await?;
        tx.commit_quietly().await?;
        Ok(Written { record, replayed: false })
    }

    /// A question with its answers, for a reader who may see it: the asker, a member of the
    /// organisation asking or of one asked, or a site administrator. Anyone else gets
    /// `NotFound`, as if there were no such question.
    pub async fn question(&self, id: i64, reader: &User) -> Result<Question> {
        let mut tx = self.read().await?;
        if !may_read(&mut tx, id, reader).await? {
            return Err(Error::not_found("question", id.to_string()));
        }
        load(&mut tx, id).await
    }

    /// An answer by `user`, for `organisation`, which the question was sent to and which
    /// they act for. Sent twice with the same one-time key, it is written once.
    pub async fn answer_question(
        &self,
        author: &Author,
        user: &User,
        id: i64,
        organisation: &str,
        body: &str,
    ) -> Result<Written<Question>> {
        let body = crate::question::words("body", body)?;
        let mut tx = self.begin_as(author).await?;
        if let Some(id) = tx.claim(author, "question_answer").await? {
            return Ok(Written { record: load(&mut tx, id).await?, replayed: true });
        }
        if !may_read(&mut tx, id, user).await? {
            return Err(Error::not_found("question", id.to_string()));
        }
        let org_id = member_of(&mut tx, user.id, organisation).await?;
        let asked: Option<(i64,)> = tx
            .optional(
                q("SELECT organisation_id FROM question_recipients WHERE question_id = $1 AND organisation_id = $2")
                    .bind(id)
                    .bind(org_id),
            )
            .await?;
        if asked.is_none() {
            return Err(Error::forbidden(format!("the question was not sent to {organisation}")));
        }
        tx.execute(
            q("INSERT INTO question_answers (question_id, organisation_id, author_id, body, created_at) \
               VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(org_id)
            .bind(user.id)
            .bind(body)
            .bind(tx.now()),
        )
        .await?;
        tx.settle(author, "question_answer", id).await?;
        let record = load(&mut tx, id).await?;
        tx.commit_quietly().await?;
        Ok(Written { record, replayed: false })
    }

    /// The questions a person asked (or a colleague asked for one of their organisations),
    /// and those sent to their organisations, newest first.
    pub async fn questions_of(&self, user: &User) -> Result<Questions> {
        let mut tx = self.read().await?;
        let asked: Vec<SummaryRow> = tx
            .all(
                q(format!(
                    "{SUMMARY} WHERE qu.asker_id = $1 OR qu.organisation_id IN \
                     (SELECT organisation_id FROM memberships WHERE user_id = $1) ORDER BY qu.created_at DESC, qu.id DESC"
                ))
                .bind(user.id),
            )
            .await?;
        let received: Vec<SummaryRow> = tx
            .all(
                q(format!(
                    "{SUMMARY} WHERE qu.id IN (SELECT r.question_id FROM question_recipients r JOIN memberships m \
                     ON m.organisation_id = r.organisation_id WHERE m.user_id = $1) \
                     ORDER BY qu.created_at DESC, qu.id DESC"
                ))
                .bind(user.id),
            )
            .await?;
        let ours: Vec<(i64,)> = tx
            .all(
                q("SELECT DISTINCT x.question_id FROM question_answers x JOIN memberships m \
                   ON m.organisation_id = x.organisation_id WHERE m.user_id = $1")
                .bind(user.id),
            )
            .await?;
        let received = received
            .into_iter()
            .map(summary_of)
            .map(|mut s| {
                s.answered_by_us = ours.iter().any(|(id,)| *id == s.id);
                s
            })
            .collect();
        Ok(Questions { asked: asked.into_iter().map(summary_of).collect(), received })
    }

    /// The questions sent after `since`, up to `until`, to the organisations for which the
    /// person answers questions: what their digest tells them.
    pub async fn questions_to_answer(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<QuestionSummary>> {
        let rows: Vec<SummaryRow> = self
            .all(
                q(format!(
                    "{SUMMARY} WHERE qu.created_at > $2 AND qu.created_at <= $3 AND qu.id IN \
                     (SELECT r.question_id FROM question_recipients r JOIN memberships m \
                     ON m.organisation_id = r.organisation_id WHERE m.user_id = $1 AND m.answers_questions = TRUE) \
                     ORDER BY qu.created_at, qu.id"
                ))
                .bind(user_id)
                .bind(since)
                .bind(until),
            )
            .await?;
        Ok(rows.into_iter().map(summary_of).collect())
    }

    /// The answers written after `since`, up to `until`, to the questions the person asked:
    /// each with its question.
    pub async fn answers_to_me(
        &self,
        user_id: i64,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Vec<(QuestionSummary, OrgRef)>> {
        let rows: Vec<(i64, String, String, String, String)> = self
            .all(
                q("SELECT x.question_id, o.slug, o.name, o.kind, o.country FROM question_answers x \
                   JOIN questions qu ON qu.id = x.question_id JOIN organisations o ON o.id = x.organisation_id \
                   WHERE qu.asker_id = $1 AND x.created_at > $2 AND x.created_at <= $3 ORDER BY x.created_at, x.id")
                .bind(user_id)
                .bind(since)
                .bind(until),
            )
            .await?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        // Their questions, each read once.
        let mut ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        ids.sort_unstable();
        ids.dedup();
        let marks: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let mut query = q(format!("{SUMMARY} WHERE qu.id IN ({})", marks.join(", ")));
        for id in &ids {
            query = query.bind(*id);
        }
        let questions: HashMap<i64, QuestionSummary> =
            self.all::<SummaryRow>(query).await?.into_iter().map(summary_of).map(|q| (q.id, q)).collect();
        Ok(rows
            .into_iter()
            .filter_map(|(id, slug, name, kind, country)| {
                Some((questions.get(&id)?.clone(), org((slug, name, kind, country))))
            })
            .collect())
    }
}

/// The id of the software `slug`.
async fn software_id(tx: &mut Tx, slug: &str) -> Result<i64> {
    let row: Option<(i64,)> = tx.optional(q("SELECT id FROM software WHERE slug = $1").bind(slug)).await?;
    row.map(|(id,)| id).ok_or_else(|| Error::not_found("software", slug))
}

/// The id of `organisation`, which the person must act for (`organisation` names the field).
async fn member_of(tx: &mut Tx, user_id: i64, organisation: &str) -> Result<i64> {
    let key = OrgKey::Slug(Slug::parse(organisation).map_err(|e| e.within("organisation"))?);
    let org_id = tx.require_organisation("organisation", &key).await?;
    let member: Option<(String,)> = tx
        .optional(
            q("SELECT role FROM memberships WHERE user_id = $1 AND organisation_id = $2").bind(user_id).bind(org_id),
        )
        .await?;
    if member.is_none() {
        return Err(Error::forbidden(format!("you do not act for {organisation}")));
    }
    Ok(org_id)
}

/// An adopter that can be asked: its organisation, population, status and since when.
type AnsweringRow = (String, String, String, String, Option<i64>, String, NaiveDate);

async fn answering(tx: &mut Tx, software_id: i64) -> Result<Vec<AnsweringAdopter>> {
    let rows: Vec<AnsweringRow> = tx
        .all(
            q(format!(
                "SELECT o.slug, o.name, o.kind, o.country, o.population, a.status, a.since {ANSWERING} \
                 ORDER BY o.name, o.slug"
            ))
            .bind(software_id),
        )
        .await?;
    Ok(rows
        .into_iter()
        .map(|(slug, name, kind, country, population, status, since)| AnsweringAdopter {
            organisation: org((slug, name, kind, country)),
            population,
            status,
            since,
        })
        .collect())
}

/// Whether `reader` may read question `id` (`NotFound` when there is none).
async fn may_read(tx: &mut Tx, id: i64, reader: &User) -> Result<bool> {
    let row: Option<(i64, i64)> =
        tx.optional(q("SELECT asker_id, organisation_id FROM questions WHERE id = $1").bind(id)).await?;
    let Some((asker, asking)) = row else { return Err(Error::not_found("question", id.to_string())) };
    if reader.site_admin || asker == reader.id {
        return Ok(true);
    }
    let (n,): (i64,) = tx
        .one(
            q("SELECT COUNT(*) FROM memberships m WHERE m.user_id = $1 AND (m.organisation_id = $2 \
               OR m.organisation_id IN (SELECT organisation_id FROM question_recipients WHERE question_id = $3))")
            .bind(reader.id)
            .bind(asking)
            .bind(id),
        )
        .await?;
    Ok(n > 0)
}

async fn load(tx: &mut Tx, id: i64) -> Result<Question> {
    let row: Option<SummaryRow> = tx.optional(q(format!("{SUMMARY} WHERE qu.id = $1")).bind(id)).await?;
    let Some(row) = row else { return Err(Error::not_found("question", id.to_string())) };
    let (_, software, software_name, name, slug, org_name, kind, country, body, created_at, _, _) = row;
    let to: Vec<(String, String, String, String, i64)> = tx
        .all(
            q("SELECT o.slug, o.name, o.kind, o.country, \
               (SELECT COUNT(*) FROM question_answers x WHERE x.question_id = r.question_id \
                AND x.organisation_id = r.organisation_id) \
               FROM question_recipients r JOIN organisations o ON o.id = r.organisation_id \
               WHERE r.question_id = $1 ORDER BY o.name, o.slug")
            .bind(id),
        )
        .await?;
    type AnswerRow = (i64, Option<String>, String, String, String, String, String, DateTime<Utc>);
    let answers: Vec<AnswerRow> = tx
        .all(
            q("SELECT x.id, u.name, o.slug, o.name, o.kind, o.country, x.body, x.created_at FROM question_answers x \
               JOIN organisations o ON o.id = x.organisation_id LEFT JOIN users u ON u.id = x.author_id \
               WHERE x.question_id = $1 ORDER BY x.created_at, x.id")
            .bind(id),
        )
        .await?;
    Ok(Question {
        id,
        software,
        software_name,
        by: Speaker { name, organisation: org((slug, org_name, kind, country)) },
        body,
        created_at,
        to: to
            .into_iter()
            .map(|(slug, name, kind, country, n)| Asked {
                organisation: org((slug, name, kind, country)),
                answered: n > 0,
            })
            .collect(),
        answers: answers
            .into_iter()
            .map(|(id, name, slug, org_name, kind, country, body, created_at)| Answer {
                id,
                by: Speaker { name: name.unwrap_or_default(), organisation: org((slug, org_name, kind, country)) },
                body,
                created_at,
            })
            .collect(),
    })
}
