//! How one condition compares a value: the rule value parsed once for the kind of value it
//! tests, then compared with each actual value. Forms' visibility rules (`plan`) and workflows'
//! record filters (`workflow::filter`) both compare through here, so an operator means the same
//! thing on a form field and on a CRM record.

use super::date::Date;
use super::field::FieldKind;
use super::locale::NumberFormat;
use super::rule::{Condition, Operator};
use super::value::{self, Parsed};

/// A rule value parsed for the controlling field's kind. Text is lowercased once here, because
/// text comparisons ignore case.
#[derive(Clone, Debug)]
pub(crate) enum Expected {
    Nothing,
    Text(String),
    Number(f64),
    Date(Date),
    Bool(bool),
    Texts(Vec<String>),
    Numbers(Vec<f64>),
}

/// Parses a condition's value for the kind of value it tests; the error completes the sentence
/// "the rule on X ...". `options` are the choices a value must be one of, when the field has a
/// fixed list (a dropdown's options, a record's choice field); `None` takes any value.
pub(crate) fn expected_value(
    kind: FieldKind,
    options: Option<&[String]>,
    condition: &Condition,
) -> Result<Expected, String> {
    let operator = condition.operator.comparison();
    if !operator.takes_value() {
        return Ok(Expected::Nothing);
    }
    let wants_list = operator.takes_list()
        || (kind == FieldKind::MultiSelect && matches!(operator, Operator::Equals | Operator::NotEquals));
    let check_option = |item: &str| -> Result<String, String> {
        if options.is_some_and(|options| !options.iter().any(|o| o.eq_ignore_ascii_case(item))) {
            Err(format!("compares with “{item}”, which is not one of its options."))
        } else {
            Ok(item.to_lowercase())
        }
    };
    let options_matter = options.is_some()
        && !matches!(operator, Operator::StartsWith)
        && !(matches!(operator, Operator::Contains | Operator::NotContains) && kind != FieldKind::MultiSelect);

    if wants_list {
        let items = condition.value.as_list();
        if items.is_empty() {
            return Err("needs at least one value to compare with.".to_owned());
        }
        return if kind.is_numeric() {
            items
                .iter()
                .map(|item| {
                    NumberFormat::TEMPLATE
                        .parse_number(item.trim())
                        .ok_or_else(|| format!("compares with “{item}”, which is not a number."))
                })
                .collect::<Result<_, _>>()
                .map(Expected::Numbers)
        } else if options_matter {
            items.iter().map(|item| check_option(item)).collect::<Result<_, _>>().map(Expected::Texts)
        } else {
            Ok(Expected::Texts(items.iter().map(|i| i.to_lowercase()).collect()))
        };
    }

    let Some(single) = condition.value.as_single().filter(|s| !s.trim().is_empty()) else {
        return Err("needs one value to compare with.".to_owned());
    };
    let single = single.trim();
    match kind {
        FieldKind::Number | FieldKind::Currency => NumberFormat::TEMPLATE
            .parse_number(single)
            .map(Expected::Number)
            .ok_or_else(|| format!("compares with “{single}”, which is not a number.")),
        FieldKind::Date => Date::parse(single)
            .map(Expected::Date)
            .ok_or_else(|| format!("compares with “{single}”, which is not a date (YYYY-MM-DD).")),
        FieldKind::Checkbox => value::parse_yes_no(single)
            .map(Expected::Bool)
            .map_err(|_| format!("compares with “{single}”; a checkbox is compared with yes or no.")),
        _ if options_matter => check_option(single).map(Expected::Text),
        _ => Ok(Expected::Text(single.to_lowercase())),
    }
}

/// Whether one condition holds. An unanswered field satisfies only `is_empty` and the negative
/// operators, each of which is exactly the negation of its positive twin.
pub(crate) fn condition_holds(operator: Operator, actual: Option<&Parsed>, expected: &Expected) -> bool {
    use Operator as O;
    let positive = match operator {
        O::IsEmpty | O::IsNotEmpty => {
            return actual.is_none_or(Parsed::is_empty) == (operator == O::IsEmpty);
        }
        O::NotEquals => O::Equals,
        O::NotContains => O::Contains,
        O::NotIn => O::In,
        other => other,
    };
    // Parsing never yields an empty text or list, so `Some` is an answer; an unticked checkbox is
    // the answer "no" and compares as such.
    let holds = actual.is_some_and(|actual| compare(positive, actual, expected));
    if positive == operator { holds } else { !holds }
}

fn compare(operator: Operator, actual: &Parsed, expected: &Expected) -> bool {
    use Operator as O;
    match (actual, expected) {
        (Parsed::Text(text), Expected::Text(want)) => match operator {
            O::Equals => eq_ignore_case(text, want),
            O::Contains => text.to_lowercase().contains(want.as_str()),
            O::StartsWith => text.to_lowercase().starts_with(want.as_str()),
            _ => false,
        },
        (Parsed::Text(text), Expected::Texts(list)) => list.iter().any(|want| eq_ignore_case(text, want)),
        (Parsed::List(items), Expected::Text(want)) => items.iter().any(|item| eq_ignore_case(item, want)),
        (Parsed::List(items), Expected::Texts(list)) => match operator {
            O::Equals => {
                items.len() == list.len() && items.iter().all(|item| list.iter().any(|want| eq_ignore_case(item, want)))
            }
            _ => items.iter().any(|item| list.iter().any(|want| eq_ignore_case(item, want))),
        },
        (Parsed::Bool(flag), Expected::Bool(want)) => flag == want,
        (Parsed::Date(date), Expected::Date(want)) => ordered(operator, date.cmp(want)),
        (number, Expected::Number(want)) => {
            number.as_number().and_then(|n| n.partial_cmp(want)).is_some_and(|order| ordered(operator, order))
        }
        (number, Expected::Numbers(list)) => number.as_number().is_some_and(|n| list.contains(&n)),
        _ => false,
    }
}

fn ordered(operator: Operator, order: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::{Equal, Greater, Less};
    match operator {
        Operator::Equals => order == Equal,
        Operator::GreaterThan => order == Greater,
        Operator::LessThan => order == Less,
        Operator::GreaterOrEqual => order != Less,
        Operator::LessOrEqual => order != Greater,
        _ => false,
    }
}

/// Compares with an already-lowercased expectation without allocating; plain ASCII, the
/// common case, skips Unicode case mapping.
fn eq_ignore_case(text: &str, lowercase: &str) -> bool {
    if text.is_ascii() && lowercase.is_ascii() {
        text.eq_ignore_ascii_case(lowercase)
    } else {
        text.chars().flat_map(char::to_lowercase).eq(lowercase.chars())
    }
}
