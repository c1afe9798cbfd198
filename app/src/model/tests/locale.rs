//! Numbers and money read and written per sub-account: each region's marks are read one way
//! only, and what is written is what would be read back.

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

use super::{answers, plan};
use crate::model::*;

fn format(locale: Locale, currency: Currency) -> NumberFormat {
    NumberFormat { locale, currency }
}

const US: NumberFormat = NumberFormat { locale: Locale::EnUs, currency: Currency::Usd };
const DE: NumberFormat = NumberFormat { locale: Locale::DeDe, currency: Currency::Eur };
const FR: NumberFormat = NumberFormat { locale: Locale::FrFr, currency: Currency::Eur };
const CH: NumberFormat = NumberFormat { locale: Locale::DeCh, currency: Currency::Chf };

/// A grouping mark is read only between groups of three digits before the decimal mark:
/// anywhere else it is someone's decimal mark (`1,5` in the US, `1.5` in Germany), and the text
/// is refused rather than read as 15.
#[test]
fn numbers_are_read_one_way_only() {
    let read: &[(NumberFormat, &str, f64)] = &[
        (US, "1,250", 1250.0),
        (US, "1,250.5", 1250.5),
        (US, "-12,345,678.25", -12_345_678.25),
        (US, "999", 999.0),
        (US, "2.5", 2.5),
        (US, ".5", 0.5),
        (US, "+5", 5.0),
        (US, "0.001", 0.001),
        (DE, "2,5", 2.5),
        (DE, "1.250", 1250.0),
        (DE, "1.250,5", 1250.5),
        (DE, "-12.345.678,25", -12_345_678.25),
        (FR, "1 250,5", 1250.5),
        (FR, "1\u{a0}250", 1250.0),
        (FR, "1\u{202f}250,75", 1250.75),
        (CH, "1'250.5", 1250.5),
        (CH, "1’250", 1250.0),
        // Up to 15 significant digits, each read exactly as `str::parse` reads it.
        (US, "123456789012345", 123_456_789_012_345.0),
        (US, "0.123456789012345", 0.123_456_789_012_345),
        (US, "1234567.89012345", 1_234_567.890_123_45),
        (US, "000123.4500", 123.45),
        (US, "0.1", 0.1),
        (US, "0.3", 0.3),
        (US, "100000000000000000000", 1e20),
        (US, "0.0000000000000000000001", 1e-22),
        (US, "0", 0.0),
        (US, "0.000", 0.0),
    ];
    for (format, text, number) in read {
        assert_eq!(format.parse_number(text), Some(*number), "{:?} {text}", format.locale);
    }
    let refused: &[(NumberFormat, &[&str])] = &[
        (
            US,
            &[
                "1,5",
                "2,5",
                "1,25",
                "12,5000",
                ",250",
                "1,,250",
                "1,250,",
                "1.250,5",
                "1,2345",
                "1234,567",
                "-,5",
                "1e3",
                "inf",
                "NaN",
                "--1",
                "+-1",
                "",
                "-",
                "1.2.3",
                "0,001",
                "00,500",
                "0,500.5",
                // More digits than a float holds: refused, as they would silently become another number.
                "1234567890123456",
                "12345678901234567891",
                "0.1234567890123456",
                "1.0000000000000001",
                // 10²³ and beyond are no longer exact.
                "0.00000000000000000000001",
                "1000000000000000000000000",
            ],
        ),
        (DE, &["1.5", "2.5", "1,250.5", "1.25", "12.5000", "1,2,3", "1 250", "0.001", "0.050"]),
        (FR, &["1.5", "1.250", "1 25", "1 250.5"]),
        (CH, &["1,5", "1'25", "1’250,5"]),
    ];
    for (format, texts) in refused {
        for text in *texts {
            assert_eq!(format.parse_number(text), None, "{:?} {text}", format.locale);
        }
    }
}

#[test]
fn money_is_exact_cents_with_or_without_its_currency() {
    let read: &[(NumberFormat, &str, i64)] = &[
        (US, "0.1", 10),
        (US, "1,234.56", 123_456),
        (US, "-5", -500),
        (US, "$7.05", 705),
        (US, "-$7.05", -705),
        (US, "$-7.05", -705),
        (US, "7.05 USD", 705),
        (DE, "1.234,56", 123_456),
        (DE, "1.234,56 €", 123_456),
        (DE, "1.234,56\u{a0}€", 123_456),
        (DE, "€ 12,5", 1250),
        (DE, "12 EUR", 1200),
        (FR, "1 250,50\u{202f}€", 125_050),
        (format(Locale::EnGb, Currency::Zar), "5 ZAR", 500),
        (format(Locale::EnGb, Currency::Zar), "R5", 500),
        (CH, "CHF 1’250.50", 125_050),
        (format(Locale::EnCa, Currency::Cad), "$99", 9900),
    ];
    for (format, text, cents) in read {
        assert_eq!(format.parse_money(text), Some(*cents), "{:?} {text}", format.locale);
    }
    let refused: &[(NumberFormat, &[&str])] = &[
        (
            US,
            &[
                "",
                ".5",
                "1.234",
                "1e3",
                "--1",
                "12 34",
                "99999999999999",
                "1,5",
                "$2,50",
                "1,25.00",
                "€5",
                "5 EUR",
                "$0,050",
            ],
        ),
        (DE, &["1.5", "2.50", "$5", "1,234", "0.050"]),
    ];
    for (format, texts) in refused {
        for text in *texts {
            assert_eq!(format.parse_money(text), None, "{:?} {text}", format.locale);
        }
    }
}

/// Money is written with the currency where the region puts it and digits grouped as it
/// groups them — and reads back as the same amount.
#[test]
fn money_is_written_as_the_region_writes_it_and_reads_back() {
    let written: &[(NumberFormat, i64, &str)] = &[
        (US, 125_050, "$1,250.50"),
        (US, -705, "-$7.05"),
        (US, 5, "$0.05"),
        (US, 12_345_678_900, "$123,456,789.00"),
        (format(Locale::EnGb, Currency::Gbp), 99_950, "£999.50"),
        (format(Locale::EnGb, Currency::Eur), 100_000, "€1,000.00"),
        (format(Locale::EnCa, Currency::Cad), 100_000, "$1,000.00"),
        (format(Locale::EnCa, Currency::Usd), 100_000, "US$1,000.00"),
        (format(Locale::EnUs, Currency::Cad), 100_000, "CA$1,000.00"),
        (DE, 125_050, "1.250,50\u{a0}€"),
        (DE, -705, "-7,05\u{a0}€"),
        (FR, 123_456_789, "1\u{202f}234\u{202f}567,89\u{a0}€"),
        (format(Locale::NlNl, Currency::Eur), 125_050, "€\u{a0}1.250,50"),
        (format(Locale::PtBr, Currency::Brl), 125_050, "R$\u{a0}1.250,50"),
        (CH, 125_050, "CHF\u{a0}1’250.50"),
    ];
    for (format, cents, text) in written {
        assert_eq!(format.money(*cents), *text, "{:?}", format.locale);
        assert_eq!(format.parse_money(text), Some(*cents), "{text} reads back");
    }
    for locale in Locale::ALL {
        for currency in Currency::ALL {
            let format = format(locale, currency);
            for cents in [0, 1, 99, 100_000, -123_456_789, 999_999_999_999] {
                assert_eq!(format.parse_money(&format.money(cents)), Some(cents), "{locale:?} {currency:?} {cents}");
            }
            for number in [0.0, 2.5, -1234.25, 1e9] {
                assert_eq!(format.parse_number(&format.number(number)), Some(number), "{locale:?} {number}");
            }
        }
    }
}

#[test]
fn overviews_round_to_whole_units() {
    assert_eq!(US.whole_money(0.0), "$0");
    assert_eq!(US.whole_money(950.0), "$950");
    assert_eq!(US.whole_money(12_345.4), "$12,345");
    assert_eq!(US.whole_money(1_234_567.5), "$1,234,568");
    assert_eq!(US.whole_money(-999.5), "-$1,000");
    assert_eq!(US.whole_money(-0.2), "$0");
    assert_eq!(DE.whole_money(12_345.4), "12.345\u{a0}€");
    assert_eq!(US.whole_money(2e15), "$2,000,000,000,000,000", "no limit below what f64 holds");
}

/// Every number of up to 15 digits, at every scale, reads as the standard library reads it
/// (which rounds correctly): a sweep of pseudo-random digits and decimal-point positions.
#[test]
fn numbers_read_exactly_as_the_standard_library_reads_them() {
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..20_000 {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let length = 1 + (seed >> 60) as usize % 15;
        let digits: String = (0..length).map(|i| char::from(b'0' + ((seed >> (i * 4)) % 10) as u8)).collect();
        let point = (seed >> 32) as usize % (length + 1);
        // Whole numbers also get up to 22 zeros after their digits (10²² is the last exact power).
        let room = 23 - (digits.len() - digits.trim_end_matches('0').len()).min(22);
        let zeros = if point == length { "0".repeat((seed >> 40) as usize % room) } else { String::new() };
        let text = format!("{}{zeros}.{}", &digits[..point], &digits[point..]);
        let expected: f64 = format!("0{text}0").parse().expect("a decimal");
        assert_eq!(US.parse_number(&text), Some(expected), "{text}");
    }
}

/// The messages say which mark is the decimal one, with an example in the region's notation.
#[test]
fn errors_speak_the_regions_notation() {
    assert_eq!(
        FieldError::NotANumber.describe(&US),
        "Enter a number, like 42 or 3.5 (decimals after a point; a comma only groups thousands; at most 15 digits)."
    );
    assert_eq!(
        FieldError::NotANumber.describe(&DE),
        "Enter a number, like 42 or 3,5 (decimals after a comma; a point only groups thousands; at most 15 digits)."
    );
    assert_eq!(
        FieldError::NotAnAmount.describe(&FR),
        "Enter an amount with at most two decimals, like 120 or 99,50\u{a0}€ (decimals after a comma; a space only \
         groups thousands)."
    );
    assert_eq!(FieldError::TooLarge { max: 24.5 }.describe(&DE), "Enter 24,5 or less.");
    assert_eq!(FieldError::TooLarge { max: 24.5 }.describe(&US), "Enter 24.5 or less.");
    // The limits of an amount are money.
    let invoice = Field::new("invoice", "Invoice", FieldKind::Currency);
    assert_eq!(invoice.error_text(&FieldError::TooSmall { min: 1250.5 }, &DE), "Enter 1.250,50\u{a0}€ or more.");
    assert_eq!(invoice.error_text(&FieldError::TooLarge { max: 10.0 }, &US), "Enter $10.00 or less.");
}

/// A form of a German sub-account reads `2,5` hours as two and a half and refuses `2.5`; its
/// rules, written in the template's one notation, mean the same everywhere.
#[test]
fn a_form_reads_answers_as_its_sub_account_writes_them() {
    let fields = vec![
        Field::new("hours", "Hours on site", FieldKind::Number).range(Some(0.0), Some(24.0)),
        Field::new("budget", "Budget", FieldKind::Currency),
        Field::new("why", "Why so long?", FieldKind::ShortText).show_if(RuleGroup::when(
            "hours",
            Operator::GreaterThan,
            ConditionValue::Number(8.5),
        )),
    ];
    let template = plan(fields).template().clone();
    let german = FormPlan::new(&template, DE).expect("sound");
    let evaluation =
        german.evaluate(&answers(&[("hours", "9,5".into()), ("budget", "1.250,50 €".into()), ("why", "Leak".into())]));
    assert!(evaluation.is_valid(), "{:?}", evaluation.errors);
    let shown: Vec<String> = evaluation.answers.iter().map(|a| a.value.show(&DE)).collect();
    assert_eq!(shown, ["9,5", "1.250,50\u{a0}€", "Leak"]);

    let refused = german.evaluate(&answers(&[("hours", "2.5".into()), ("budget", "$5".into())]));
    assert_eq!(refused.errors.get("hours"), Some(&FieldError::NotANumber));
    assert_eq!(refused.errors.get("budget"), Some(&FieldError::NotAnAmount));
    assert_eq!(
        german.evaluate(&answers(&[("hours", "24,5".into())])).errors.get("hours").map(|e| e.describe(&DE)),
        Some("Enter 24 or less.".to_owned())
    );
}

#[test]
fn a_sub_account_follows_its_country_until_an_admin_chooses() {
    assert_eq!(NumberFormat::resolve(None, None, None), US);
    assert_eq!(NumberFormat::resolve(None, None, Some("DE")), DE);
    assert_eq!(NumberFormat::resolve(None, None, Some("ch")), CH);
    assert_eq!(NumberFormat::resolve(None, None, Some("JP")), US, "a country without a convention");
    assert_eq!(NumberFormat::for_country("ZA"), None, "South Africans write both marks: no guess");
    assert_eq!(NumberFormat::resolve(Some("fr-FR"), Some("EUR"), Some("US")), FR, "the admin's choice wins");
    assert_eq!(NumberFormat::resolve(Some("xx-YY"), Some("ABC"), Some("DE")), DE, "an unknown tag falls back");
    assert_eq!("de-de".parse::<Locale>(), Ok(Locale::DeDe));
    assert_eq!(
        "en-ZZ".parse::<Locale>().map_err(|e| e.to_string()),
        Err("“en-ZZ” is not a region OpsFlow knows.".to_owned())
    );
    let json = serde_json::to_value(FR).ok();
    assert_eq!(json, Some(serde_json::json!({"locale": "fr-FR", "currency": "EUR"})));
    assert_eq!(
        serde_json::from_value::<NumberFormat>(serde_json::json!({"locale": "fr-FR", "currency": "EUR"})).ok(),
        Some(FR)
    );
}
