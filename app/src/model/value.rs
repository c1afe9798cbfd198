//! Answers as staff enter them, and the typed values they mean.
//!
//! The browser and an HTML form post deliver text; [`parse`] turns it into a [`Value`] for the
//! field's kind, or a [`FieldError`] that says what is wrong in words a staff member understands.

use serde::Deserializer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::date::Date;
use super::field::{Field, FieldKind};
use super::locale::NumberFormat;
use super::tagged::{Scalar, Tagged};

/// Raw answers by field key, exactly as entered.
pub type Answers = BTreeMap<String, Answer>;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    One(String),
    Many(Vec<String>),
}

/// Read through the decoder of flat values (see `tagged`): serde's derived untagged decoder
/// would add its buffering machinery to the browser's code for one text-or-list.
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match Scalar::deserialize(deserializer)? {
            Scalar::Text(text) => Ok(Answer::One(text)),
            Scalar::List(items) => Ok(Answer::Many(items)),
            _ => Err(serde::de::Error::custom("an answer is a text or a list of texts")),
        }
    }
}

impl Answer {
    pub fn as_text(&self) -> &str {
        match self {
            Answer::One(text) => text,
            Answer::Many(items) => items.first().map_or("", String::as_str),
        }
    }

    pub fn items(&self) -> Vec<&str> {
        match self {
            Answer::One(text) if text.trim().is_empty() => Vec::new(),
            Answer::One(text) => vec![text.as_str()],
            Answer::Many(items) => items.iter().map(String::as_str).collect(),
        }
    }
}

/// The answers of an HTML form posted without JavaScript (`application/x-www-form-urlencoded`
/// pairs), as the browser's inputs would have recorded them: a multi-select's ticked boxes as a
/// list, every other field's first value. Names that are not answerable fields are ignored; an
/// unticked checkbox is not sent, so it stays unanswered, as it does in the browser.
pub fn answers_from_form(fields: &[Field], pairs: impl IntoIterator<Item = (String, String)>) -> Answers {
    let mut posted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in pairs {
        posted.entry(name).or_default().push(value);
    }
    let mut answers = Answers::new();
    for field in fields.iter().filter(|f| f.kind.takes_answer()) {
        let Some(mut values) = posted.remove(&field.key) else { continue };
        let answer = if field.kind == FieldKind::MultiSelect {
            Answer::Many(values)
        } else {
            Answer::One(values.swap_remove(0))
        };
        answers.insert(field.key.clone(), answer);
    }
    answers
}

impl From<&str> for Answer {
    fn from(text: &str) -> Self {
        Answer::One(text.to_owned())
    }
}

impl From<Vec<&str>> for Answer {
    fn from(items: Vec<&str>) -> Self {
        Answer::Many(items.into_iter().map(str::to_owned).collect())
    }
}

/// A parsed answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    Text(String),
    Number(f64),
    /// An amount of money, kept in cents so sums and comparisons are exact.
    Money(i64),
    Date(Date),
    Bool(bool),
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const VARIANTS: &[&str] = &["text", "number", "money", "date", "bool", "list"];
        let mut value = Tagged::read(deserializer, "type")?;
        Ok(match value.tag() {
            "text" => Value::Text(value.text("value")?),
            "number" => Value::Number(value.number("value")?),
            "money" => Value::Money(value.whole("value")?),
            "date" => Value::Date(value.named("value")?),
            "bool" => Value::Bool(value.flag("value")?),
            "list" => Value::List(value.list("value")?),
            _ => return Err(value.unknown(VARIANTS)),
        })
    }
}

impl Value {
    /// Whether the value counts as "not answered" (an unticked checkbox, an empty selection).
    pub fn is_empty(&self) -> bool {
        match self {
            Value::Text(text) => text.is_empty(),
            Value::Bool(flag) => !flag,
            Value::List(items) => items.is_empty(),
            Value::Number(_) | Value::Money(_) | Value::Date(_) => false,
        }
    }

    /// The value as a number, for numeric comparisons and CRM number fields.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(number) => Some(*number),
            Value::Money(cents) => Some(*cents as f64 / 100.0),
            _ => None,
        }
    }
}

impl Value {
    /// How the value reads in a note, a CRM text field and the Completed view, numbers and
    /// money as the sub-account writes them.
    pub fn show(&self, format: &NumberFormat) -> String {
        match self {
            // A note has one line per field, so line breaks inside an answer become spaces.
            Value::Text(text) => text.split_whitespace().collect::<Vec<_>>().join(" "),
            Value::Number(number) => format.number(*number),
            Value::Money(cents) => format.money(*cents),
            Value::Date(date) => date.to_string(),
            Value::Bool(flag) => if *flag { "Yes" } else { "No" }.to_owned(),
            Value::List(items) => items.join(", "),
        }
    }
}

/// What is wrong with one answer; [`FieldError::describe`] words it for staff.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum FieldError {
    Required,
    NotANumber,
    NotAnAmount,
    NotADate,
    NotAnOption { value: String },
    NotAnEmail,
    NotAPhone,
    NotYesOrNo,
    TooSmall { min: f64 },
    TooLarge { max: f64 },
    TooShort { min: u32 },
    TooLong { max: u32 },
    PatternMismatch,
    OneValueExpected,
}

impl FieldError {
    /// The sentence staff read under the field, in the browser and in the server's refusal
    /// alike; numbers are written as the sub-account writes them.
    pub fn describe(&self, format: &NumberFormat) -> String {
        match self {
            FieldError::Required => "This field is required.".to_owned(),
            FieldError::NotANumber => format.number_hint(),
            FieldError::NotAnAmount => format.money_hint(),
            FieldError::NotADate => "Enter a date as YYYY-MM-DD.".to_owned(),
            FieldError::NotAnOption { value } => format!("“{value}” is not one of the choices."),
            FieldError::NotAnEmail => "Enter an email address, like name@example.com.".to_owned(),
            FieldError::NotAPhone => "Enter a phone number of 7 to 15 digits, like +1 555 010 0199.".to_owned(),
            FieldError::NotYesOrNo => "Answer yes or no.".to_owned(),
            FieldError::TooSmall { min } => format!("Enter {} or more.", format.number(*min)),
            FieldError::TooLarge { max } => format!("Enter {} or less.", format.number(*max)),
            FieldError::TooShort { min } => format!("Enter at least {min} characters."),
            FieldError::TooLong { max } => format!("Enter at most {max} characters."),
            FieldError::PatternMismatch => "This does not have the expected format.".to_owned(),
            FieldError::OneValueExpected => "Choose only one value.".to_owned(),
        }
    }
}

impl<'de> Deserialize<'de> for FieldError {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        const VARIANTS: &[&str] = &[
            "required",
            "not_a_number",
            "not_an_amount",
            "not_a_date",
            "not_an_option",
            "not_an_email",
            "not_a_phone",
            "not_yes_or_no",
            "too_small",
            "too_large",
            "too_short",
            "too_long",
            "pattern_mismatch",
            "one_value_expected",
        ];
        let mut error = Tagged::read(deserializer, "error")?;
        Ok(match error.tag() {
            "required" => FieldError::Required,
            "not_a_number" => FieldError::NotANumber,
            "not_an_amount" => FieldError::NotAnAmount,
            "not_a_date" => FieldError::NotADate,
            "not_an_option" => FieldError::NotAnOption { value: error.text("value")? },
            "not_an_email" => FieldError::NotAnEmail,
            "not_a_phone" => FieldError::NotAPhone,
            "not_yes_or_no" => FieldError::NotYesOrNo,
            "too_small" => FieldError::TooSmall { min: error.number("min")? },
            "too_large" => FieldError::TooLarge { max: error.number("max")? },
            "too_short" => FieldError::TooShort { min: error.whole("min")? },
            "too_long" => FieldError::TooLong { max: error.whole("max")? },
            "pattern_mismatch" => FieldError::PatternMismatch,
            "one_value_expected" => FieldError::OneValueExpected,
            _ => return Err(error.unknown(VARIANTS)),
        })
    }
}

/// A parsed answer that borrows from the template and the raw answers: evaluating a form
/// allocates nothing per field until an answer is kept ([`Parsed::to_value`]).
#[derive(Clone, Debug, PartialEq)]
pub enum Parsed<'a> {
    Text(&'a str),
    Number(f64),
    Money(i64),
    Date(Date),
    Bool(bool),
    List(Vec<&'a str>),
}

impl Parsed<'_> {
    /// Whether the value counts as "not answered" (an unticked checkbox).
    pub fn is_empty(&self) -> bool {
        match self {
            Parsed::Text(text) => text.is_empty(),
            Parsed::Bool(flag) => !flag,
            Parsed::List(items) => items.is_empty(),
            Parsed::Number(_) | Parsed::Money(_) | Parsed::Date(_) => false,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Parsed::Number(number) => Some(*number),
            Parsed::Money(cents) => Some(*cents as f64 / 100.0),
            _ => None,
        }
    }

    pub fn to_value(&self) -> Value {
        match self {
            Parsed::Text(text) => Value::Text((*text).to_owned()),
            Parsed::Number(number) => Value::Number(*number),
            Parsed::Money(cents) => Value::Money(*cents),
            Parsed::Date(date) => Value::Date(*date),
            Parsed::Bool(flag) => Value::Bool(*flag),
            Parsed::List(items) => Value::List(items.iter().map(|item| (*item).to_owned()).collect()),
        }
    }
}

/// Parses an answer for a field, numbers and money as `format` writes them. `Ok(None)` means
/// "not answered"; constraints other than the shape of the value (required, min/max, length,
/// pattern) are checked by the evaluation.
pub fn parse<'a>(
    field: &'a Field,
    answer: Option<&'a Answer>,
    format: &NumberFormat,
) -> Result<Option<Parsed<'a>>, FieldError> {
    let kind = field.kind;
    if kind == FieldKind::MultiSelect {
        let items: Vec<&str> = answer
            .map(|a| a.items().into_iter().map(str::trim).filter(|s| !s.is_empty()).collect())
            .unwrap_or_default();
        if let Some(bad) = items.iter().find(|item| !field.options.iter().any(|o| o == *item)) {
            return Err(FieldError::NotAnOption { value: (*bad).to_owned() });
        }
        // Keep the options' order and drop repeats, so the same choice always reads the same.
        let chosen: Vec<&str> =
            field.options.iter().map(String::as_str).filter(|option| items.contains(option)).collect();
        return Ok((!chosen.is_empty()).then_some(Parsed::List(chosen)));
    }
    let text = match answer {
        None => "",
        Some(Answer::One(text)) => trim(text),
        Some(Answer::Many(items)) if items.len() <= 1 => items.first().map_or("", |s| trim(s)),
        Some(Answer::Many(_)) => return Err(FieldError::OneValueExpected),
    };
    if kind == FieldKind::Checkbox {
        return parse_yes_no(text).map(|flag| Some(Parsed::Bool(flag)));
    }
    if text.is_empty() || kind == FieldKind::Section {
        return Ok(None);
    }
    let value = match kind {
        FieldKind::ShortText | FieldKind::LongText => Parsed::Text(text),
        FieldKind::Number => Parsed::Number(format.parse_number(text).ok_or(FieldError::NotANumber)?),
        FieldKind::Currency => Parsed::Money(format.parse_money(text).ok_or(FieldError::NotAnAmount)?),
        FieldKind::Date => Parsed::Date(Date::parse(text).ok_or(FieldError::NotADate)?),
        FieldKind::Dropdown | FieldKind::Radio => {
            let option = field.options.iter().find(|o| o.as_str() == text);
            Parsed::Text(option.ok_or_else(|| FieldError::NotAnOption { value: text.to_owned() })?)
        }
        FieldKind::Phone if is_phone(text) => Parsed::Text(text),
        FieldKind::Phone => return Err(FieldError::NotAPhone),
        FieldKind::Email if is_email(text) => Parsed::Text(text),
        FieldKind::Email => return Err(FieldError::NotAnEmail),
        FieldKind::MultiSelect | FieldKind::Checkbox | FieldKind::Section => return Ok(None),
    };
    Ok(Some(value))
}

/// `str::trim`, with a fast path for the usual answer that starts and ends with a visible
/// ASCII character (evaluation runs on every keystroke, over every field).
fn trim(text: &str) -> &str {
    let visible = |byte: Option<&u8>| byte.is_some_and(|b| b.is_ascii_graphic());
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) { text } else { text.trim() }
}

/// A checkbox posts "yes"/"on" when ticked and nothing when not; both mean an answer.
/// Expects trimmed text, as [`parse`] passes it.
pub fn parse_yes_no(text: &str) -> Result<bool, FieldError> {
    let is = |word: &str| text.eq_ignore_ascii_case(word);
    if ["yes", "true", "on", "1"].into_iter().any(is) {
        Ok(true)
    } else if ["", "no", "false", "off", "0"].into_iter().any(is) {
        Ok(false)
    } else {
        Err(FieldError::NotYesOrNo)
    }
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    let labels: Vec<&str> = domain.split('.').collect();
    !local.is_empty()
        && local.len() <= 64
        && !text.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | ',' | ';'))
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty() && !l.contains('@'))
}

fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let allowed = text
        .chars()
        .enumerate()
        .all(|(i, c)| c.is_ascii_digit() || matches!(c, ' ' | '-' | '(' | ')' | '.') || (c == '+' && i == 0));
    allowed && (7..=15).contains(&digits)
}
