//! Asking the adopters: before a tender, an official asks the organisations that use a
//! software one question ("how long did the migration take?", "what does the OPSN charge
//! you?"), through the registry. The members of those organisations who said they answer
//! such questions read it and answer; the asker sees the answers on their page. Nobody's
//! address is shown: the registry carries the words.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Checks, Error, Result};
use crate::model::OrgRef;

/// The shortest question or answer worth sending, in characters.
pub const MIN_WORDS: usize = 10;
/// The longest, in characters: a question, not a tender's specification.
pub const MAX_WORDS: usize = 4000;
/// The most organisations one question goes to: a question to everyone is a mailing.
pub const MAX_RECIPIENTS: usize = 25;
/// The most questions one person asks in a day.
pub const QUESTIONS_PER_DAY: i64 = 10;

/// A question as it arrives from a form or the API, before it is checked.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuestionForm {
    /// The organisation asking (its slug): one the person acts for. A token acting for an
    /// organisation may leave it out.
    pub organisation: Option<String>,
    /// The adopters asked, by slug: organisations that use the software and have a member
    /// who answers questions (`GET /api/v1/software/{slug}/questions/recipients`).
    #[serde(default)]
    pub to: Vec<String>,
    /// The question, in plain text (10 to 4,000 characters).
    pub body: String,
}

/// A checked question: the words, and the adopters asked (slugs, each once, in order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    pub to: Vec<String>,
    pub body: String,
}

impl QuestionForm {
    /// Checks every field at once; the organisation is read by the caller.
    pub fn validate(&self) -> Result<QuestionDraft> {
        let mut checks = Checks::default();
        let mut to: Vec<String> = Vec::new();
        for slug in &self.to {
            let slug = slug.trim();
            if !slug.is_empty() && !to.iter().any(|t| t == slug) {
                to.push(slug.to_string());
            }
        }
        if to.is_empty() {
            checks.push(Error::invalid("to", "choose at least one adopter to ask"));
        } else if to.len() > MAX_RECIPIENTS {
            checks.push(Error::invalid(
                "to",
                format!("at most {MAX_RECIPIENTS} adopters in one question ({} chosen)", to.len()),
            ));
        }
        let body = checks.take(words("body", &self.body));
        checks.finish()?;
        Ok(QuestionDraft { to, body: body.expect("checked") })
    }
}

/// A question's or an answer's words: trimmed, 10 to 4,000 characters, no control
/// characters but line breaks and tabs.
pub fn words(field: &str, s: &str) -> Result<String> {
    let s = s.trim().replace("\r\n", "\n");
    let n = s.chars().count();
    if n < MIN_WORDS {
        return Err(Error::invalid(field, format!("write at least {MIN_WORDS} characters")));
    }
    if n > MAX_WORDS {
        return Err(Error::invalid(field, format!("at most {MAX_WORDS} characters ({n} written)")));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::invalid(field, "holds a control character"));
    }
    Ok(s)
}

/// An answer as it arrives.
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerForm {
    /// The organisation answering (its slug): one the question was sent to, which the
    /// person acts for. A token acting for an organisation may leave it out.
    pub organisation: Option<String>,
    /// The answer, in plain text (10 to 4,000 characters).
    pub body: String,
}

/// An organisation that uses a software and has someone to answer questions about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnsweringAdopter {
    pub organisation: OrgRef,
    /// Its population, when known: an asker looks for bodies of its size.
    pub population: Option<i64>,
    /// Its adoption's status: evaluating, pilot or active.
    pub status: String,
    /// Since when it uses the software.
    pub since: chrono::NaiveDate,
}

/// A person, as a question or an answer names them: a name, never an address.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Speaker {
    pub name: String,
    pub organisation: OrgRef,
}

/// One answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Answer {
    pub id: i64,
    pub by: Speaker,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

/// An adopter a question went to, and whether it answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Asked {
    pub organisation: OrgRef,
    pub answered: bool,
}

/// A question with its answers, as the people who may read it see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    pub id: i64,
    /// The software's slug and name.
    pub software: String,
    pub software_name: String,
    pub by: Speaker,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub to: Vec<Asked>,
    pub answers: Vec<Answer>,
}

/// A question in a list: who asked what of whom, and how many answered.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionSummary {
    pub id: i64,
    pub software: String,
    pub software_name: String,
    pub by: Speaker,
    /// The first words of the question.
    pub excerpt: String,
    pub created_at: DateTime<Utc>,
    /// How many organisations it went to, and how many answered.
    pub asked: i64,
    pub answered: i64,
    /// For a question received: whether the reader's organisation answered it.
    pub answered_by_us: bool,
}

/// A person's questions: those they asked, and those sent to an organisation they act for.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Questions {
    pub asked: Vec<QuestionSummary>,
    pub received: Vec<QuestionSummary>,
}

/// The first `n` characters of `s` on one line, with an ellipsis when cut.
pub fn excerpt(s: &str, n: usize) -> String {
    let one_line: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= n {
        return one_line;
    }
    let cut: String = one_line.chars().take(n).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(to: &[&str], body: &str) -> QuestionForm {
        QuestionForm { organisation: None, to: to.iter().map(|s| s.to_string()).collect(), body: body.into() }
    }

    #[test]
    fn a_question_names_its_adopters_once_and_says_something() {
        let d = form(&["orbe", " orbe ", "", "vevey"], "  Combien de temps a duré la migration ?\r\nMerci  ")
            .validate()
            .unwrap();
        assert_eq!(d.to, ["orbe", "vevey"]);
        assert_eq!(d.body, "Combien de temps a duré la migration ?\nMerci");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        let Err(Error::Fields(fields)) = form(&[], "court").validate() else { panic!("refused") };
        let names: Vec<&str> = fields.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(names, ["to", "body"]);
        let many: Vec<String> = (0..=MAX_RECIPIENTS).map(|i| format!("c{i}")).collect();
        let many: Vec<&str> = many.iter().map(String::as_str).collect();
        let e = form(&many, "Une question assez longue").validate().unwrap_err();
        assert!(e.to_string().contains("at most 25"), "{e}");
        assert!(words("body", &"x".repeat(MAX_WORDS + 1)).is_err());
        assert!(words("body", "une question\u{7}").is_err());
        assert!(words("body", "\tune question\tassez longue").is_ok());
    }

    #[test]
    fn an_excerpt_is_one_line_and_cut_on_a_character() {
        assert_eq!(excerpt("Bonjour,\n\nune  question", 50), "Bonjour, une question");
        assert_eq!(excerpt("éééééééééé", 3), "ééé…");
    }
}
