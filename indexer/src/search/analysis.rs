//! The analyzers, in the order ARCHITECTURE.md sets: lowercase, ASCII folding, stop words,
//! stemmer; French for French text, English for English. Queries go through the same ones,
//! word by word, so that `cimetiere`, `Cimetières` and `cimetière` meet on one term.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer,
};

pub const FRENCH: &str = "communs_fr";
pub const ENGLISH: &str = "communs_en";
/// Lowercase and ASCII folding only: names and suggestions.
pub const FOLDED: &str = "communs_folded";

/// French function words, written without accents because they are removed after
/// folding (`à` is `a` by then).
const FRENCH_STOP_WORDS: &[&str] = &[
    "a", "ai", "aie", "au", "aux", "avec", "c", "ce", "ces", "cet", "cette", "d", "dans", "de", "des", "du", "elle",
    "elles", "en", "et", "eu", "il", "ils", "j", "je", "l", "la", "le", "les", "leur", "leurs", "lui", "m", "ma",
    "mais", "me", "meme", "mes", "moi", "mon", "n", "ne", "nos", "notre", "nous", "on", "ou", "par", "pas", "pour",
    "qu", "que", "qui", "s", "sa", "se", "ses", "son", "sont", "sur", "t", "ta", "te", "tes", "toi", "ton", "tu", "un",
    "une", "vos", "votre", "vous", "y", "est", "etre", "ete", "sans", "sous", "entre", "chez", "vers", "lors",
];

const ENGLISH_STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no", "not", "of",
    "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to", "was", "will", "with",
];

fn stop_words(words: &[&str]) -> StopWordFilter {
    StopWordFilter::remove(words.iter().map(|w| w.to_string()))
}

pub fn french() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop_words(FRENCH_STOP_WORDS))
        .filter(EuxPlural)
        .filter(Stemmer::new(Language::French))
        .build()
}

/// The plural in `-eux` of the nouns in `-eu` (`jeux`, `lieux`, `feux`), which the French
/// Snowball stemmer leaves as it is: `jeu de données` must find `jeux de données`. An
/// adjective in `-eux` loses its `x` too, on both sides of the search alike.
#[derive(Clone)]
struct EuxPlural;

impl TokenFilter for EuxPlural {
    type Tokenizer<T: Tokenizer> = EuxPluralFilter<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> EuxPluralFilter<T> {
        EuxPluralFilter(tokenizer)
    }
}

#[derive(Clone)]
struct EuxPluralFilter<T>(T);

impl<T: Tokenizer> Tokenizer for EuxPluralFilter<T> {
    type TokenStream<'a> = EuxPluralStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        EuxPluralStream(self.0.token_stream(text))
    }
}

struct EuxPluralStream<S>(S);

impl<S: TokenStream> TokenStream for EuxPluralStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let text = &mut self.0.token_mut().text;
        if text.len() >= 4 && text.ends_with("eux") {
            text.pop();
        }
        true
    }

    fn token(&self) -> &Token {
        self.0.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

pub fn english() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(stop_words(ENGLISH_STOP_WORDS))
        .filter(Stemmer::new(Language::English))
        .build()
}

pub fn folded() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(60))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

pub fn is_stop_word(folded_word: &str) -> bool {
    FRENCH_STOP_WORDS.contains(&folded_word) || ENGLISH_STOP_WORDS.contains(&folded_word)
}

/// A word of a query: as typed (folded), and its French and English stems.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub folded: String,
    pub fr: String,
    pub en: String,
    /// Characters of the word as typed, for the typo tolerance.
    pub len: usize,
}

/// The words of a text, with their stems; stop words of either language are left out
/// (a French `de` must not have to be found in the English fields).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut folded = folded();
    let mut stream = folded.token_stream(text);
    while let Some(token) = stream.next() {
        let word = token.text.clone();
        if is_stop_word(&word) {
            continue;
        }
        out.push(Word {
            fr: stem(Language::French, &word),
            en: stem(Language::English, &word),
            len: word.chars().count(),
            folded: word,
        });
    }
    out
}

/// The folded words of a text, stop words included: for prefixes typed so far.
pub fn words_with_stop_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut folded = folded();
    let mut stream = folded.token_stream(text);
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

fn stem(language: Language, word: &str) -> String {
    let mut analyzer = match language {
        Language::French => {
            TextAnalyzer::builder(SimpleTokenizer::default()).filter(EuxPlural).filter(Stemmer::new(language)).build()
        }
        _ => TextAnalyzer::builder(SimpleTokenizer::default()).filter(Stemmer::new(language)).build(),
    };
    let mut stream = analyzer.token_stream(word);
    stream.next().map(|t| t.text.clone()).unwrap_or_else(|| word.to_string())
}

/// Typo tolerance by the length of the word as typed: one edit from 5 letters, two from 9.
pub fn edits(len: usize) -> u8 {
    match len {
        9.. => 2,
        5..=8 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(mut a: TextAnalyzer, text: &str) -> Vec<String> {
        let mut stream = a.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn accents_plurals_and_stop_words_meet_on_one_term() {
        assert_eq!(tokens(french(), "Gestion des cimetières"), tokens(french(), "gestion cimetiere"));
        assert_eq!(tokens(french(), "les délibérations"), tokens(french(), "deliberation"));
        assert_eq!(tokens(english(), "Cemeteries management"), tokens(english(), "cemetery manage"));
        assert_eq!(tokens(french(), "à la une"), Vec::<String>::new());
        assert_eq!(tokens(french(), "jeux de données"), tokens(french(), "jeu de donnée"));
        assert_eq!(words("jeux")[0].fr, tokens(french(), "jeu")[0]);
    }

    #[test]
    fn query_words_drop_the_stop_words_of_both_languages() {
        let w = words("Gestion de l'état civil for the town");
        let folded: Vec<&str> = w.iter().map(|w| w.folded.as_str()).collect();
        assert_eq!(folded, ["gestion", "etat", "civil", "town"]);
        assert_eq!(w[0].fr, tokens(french(), "gestion")[0]);
    }

    #[test]
    fn longer_words_tolerate_more_typos() {
        assert_eq!((edits(4), edits(5), edits(8), edits(9)), (0, 1, 1, 2));
    }
}
