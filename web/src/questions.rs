//! The pages of questions to adopters: the form that asks the adopters of a software, a
//! person's questions (asked and received), and one question with its answers. `server`
//! fills them; nobody's address appears on them.

use askama::Template;
use chrono::NaiveDate;

use crate::account::FieldErrors;
use crate::contribute::ActingFor;
use crate::pages::Chrome;

/// An adopter that can be asked, as a checkbox of the form.
#[derive(Debug, Clone)]
pub struct AdopterChoice {
    pub slug: String,
    pub name: String,
    pub population: Option<i64>,
    pub since: NaiveDate,
    /// Its adoption's status, in the page's language.
    pub status: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "ask.html")]
pub struct AskPage {
    pub chrome: Chrome,
    /// The software's slug and name.
    pub software: (String, String),
    /// The organisations the person may ask for.
    pub acting: ActingFor,
    /// The one chosen (as typed, when the form comes back refused).
    pub organisation: String,
    pub adopters: Vec<AdopterChoice>,
    pub body: String,
    pub errors: FieldErrors,
    pub csrf: String,
    pub once: String,
    /// The report the person came from, to go back to.
    pub back: Option<String>,
    /// The most adopters one question goes to.
    pub max: usize,
}

/// A question in a list.
#[derive(Debug, Clone)]
pub struct QuestionRow {
    pub id: i64,
    pub software: (String, String),
    pub by: String,
    pub by_organisation: (String, String),
    pub excerpt: String,
    pub created: NaiveDate,
    pub asked: i64,
    pub answered: i64,
    /// For a question received: one of the person's organisations answered it.
    pub answered_by_us: bool,
}

#[derive(Template)]
#[template(path = "questions.html")]
pub struct QuestionsPage {
    pub chrome: Chrome,
    pub asked: Vec<QuestionRow>,
    pub received: Vec<QuestionRow>,
}

/// An organisation a question went to.
#[derive(Debug, Clone)]
pub struct AskedRow {
    pub organisation: (String, String),
    pub answered: bool,
}

/// An answer, as the thread shows it.
#[derive(Debug, Clone)]
pub struct AnswerRow {
    pub id: i64,
    pub by: String,
    pub organisation: (String, String),
    pub body: String,
    pub created: NaiveDate,
}

#[derive(Template)]
#[template(path = "question.html")]
pub struct QuestionPage {
    pub chrome: Chrome,
    pub id: i64,
    pub software: (String, String),
    pub by: String,
    pub by_organisation: (String, String),
    pub body: String,
    pub created: NaiveDate,
    pub to: Vec<AskedRow>,
    pub answers: Vec<AnswerRow>,
    /// The organisations asked that the person acts for: who they may answer for.
    pub answer_as: ActingFor,
    pub answer_body: String,
    pub errors: FieldErrors,
    pub notice: Option<String>,
    pub csrf: String,
    pub once: String,
}
