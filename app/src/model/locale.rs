//! How a sub-account writes numbers and money: the decimal mark, the digit grouping and the
//! currency. One [`NumberFormat`] reads what staff type (in the browser and again on submit) and
//! writes what they and the CRM read (the form, the Completed view, the note), so `1.250,50`
//! typed in a German sub-account is the `1.250,50 €` shown afterwards.
//!
//! Reading is strict both ways: a grouping mark is accepted only between groups of three digits
//! before the decimal mark, so text that could mean two numbers (`1,5` where the comma groups,
//! `1.5` where the point does) is refused with a message rather than read as 15.
//!
//! Templates (rule values, minimums) stay in one notation, the point, so a template exported from
//! one sub-account means the same in another.

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

/// Where the currency sits around the amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Placement {
    /// `$1,250.50`
    Before,
    /// `€ 1.250,50`
    BeforeSpaced,
    /// `1.250,50 €`
    AfterSpaced,
}

/// The number conventions of a region (a BCP 47 tag on the wire and in the database).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Locale {
    #[default]
    EnUs,
    EnGb,
    EnCa,
    EnAu,
    EsMx,
    DeDe,
    DeCh,
    EsEs,
    FrFr,
    ItIt,
    NlNl,
    PtBr,
}

/// A currency with cents (amounts are kept in hundredths).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Currency {
    #[default]
    Usd,
    Eur,
    Gbp,
    Cad,
    Aud,
    Nzd,
    Chf,
    Mxn,
    Brl,
    Sek,
    Nok,
    Dkk,
    Pln,
    Zar,
}

/// A no-break space, so an amount never wraps between its digits and its currency.
const NBSP: char = '\u{a0}';
/// The narrow no-break space French groups digits with.
const NARROW_NBSP: char = '\u{202f}';

impl Locale {
    pub const ALL: [Locale; 12] = [
        Locale::EnUs,
        Locale::EnGb,
        Locale::EnCa,
        Locale::EnAu,
        Locale::EsMx,
        Locale::DeDe,
        Locale::DeCh,
        Locale::EsEs,
        Locale::FrFr,
        Locale::ItIt,
        Locale::NlNl,
        Locale::PtBr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::EnUs => "en-US",
            Locale::EnGb => "en-GB",
            Locale::EnCa => "en-CA",
            Locale::EnAu => "en-AU",
            Locale::EsMx => "es-MX",
            Locale::DeDe => "de-DE",
            Locale::DeCh => "de-CH",
            Locale::EsEs => "es-ES",
            Locale::FrFr => "fr-FR",
            Locale::ItIt => "it-IT",
            Locale::NlNl => "nl-NL",
            Locale::PtBr => "pt-BR",
        }
    }

    /// The region's name, for the settings page.
    pub fn label(self) -> &'static str {
        match self {
            Locale::EnUs => "United States",
            Locale::EnGb => "United Kingdom",
            Locale::EnCa => "Canada (English)",
            Locale::EnAu => "Australia",
            Locale::EsMx => "Mexico",
            Locale::DeDe => "Germany",
            Locale::DeCh => "Switzerland",
            Locale::EsEs => "Spain",
            Locale::FrFr => "France",
            Locale::ItIt => "Italy",
            Locale::NlNl => "Netherlands",
            Locale::PtBr => "Brazil",
        }
    }

    fn decimal_mark(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb | Locale::EnCa | Locale::EnAu | Locale::EsMx | Locale::DeCh => '.',
            Locale::DeDe | Locale::EsEs | Locale::FrFr | Locale::ItIt | Locale::NlNl | Locale::PtBr => ',',
        }
    }

    /// The mark written between groups of three digits.
    fn group_mark(self) -> char {
        match self {
            Locale::EnUs | Locale::EnGb | Locale::EnCa | Locale::EnAu | Locale::EsMx => ',',
            Locale::DeDe | Locale::EsEs | Locale::ItIt | Locale::NlNl | Locale::PtBr => '.',
            Locale::FrFr => NARROW_NBSP,
            Locale::DeCh => '’',
        }
    }

    /// Whether `c` groups digits here: the written mark, and what a keyboard types for it.
    fn groups_with(self, c: char) -> bool {
        c == self.group_mark()
            || match self.group_mark() {
                NARROW_NBSP => matches!(c, ' ' | NBSP),
                '’' => c == '\'',
                _ => false,
            }
    }

    /// The grouping mark in words, for error messages.
    fn group_name(self) -> &'static str {
        match self.group_mark() {
            ',' => "a comma",
            '.' => "a point",
            '’' => "an apostrophe",
            _ => "a space",
        }
    }

    fn placement(self) -> Placement {
        match self {
            Locale::EnUs | Locale::EnGb | Locale::EnCa | Locale::EnAu | Locale::EsMx => Placement::Before,
            Locale::NlNl | Locale::PtBr | Locale::DeCh => Placement::BeforeSpaced,
            Locale::DeDe | Locale::EsEs | Locale::FrFr | Locale::ItIt => Placement::AfterSpaced,
        }
    }

    /// The region's own currency, which it writes with its short symbol (`$` in Canada).
    fn home_currency(self) -> Currency {
        match self {
            Locale::EnUs => Currency::Usd,
            Locale::EnGb => Currency::Gbp,
            Locale::EnCa => Currency::Cad,
            Locale::EnAu => Currency::Aud,
            Locale::EsMx => Currency::Mxn,
            Locale::DeCh => Currency::Chf,
            Locale::PtBr => Currency::Brl,
            Locale::DeDe | Locale::EsEs | Locale::FrFr | Locale::ItIt | Locale::NlNl => Currency::Eur,
        }
    }
}

impl Currency {
    pub const ALL: [Currency; 14] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Aud,
        Currency::Nzd,
        Currency::Chf,
        Currency::Mxn,
        Currency::Brl,
        Currency::Sek,
        Currency::Nok,
        Currency::Dkk,
        Currency::Pln,
        Currency::Zar,
    ];

    /// The ISO 4217 code.
    pub fn as_str(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
            Currency::Nzd => "NZD",
            Currency::Chf => "CHF",
            Currency::Mxn => "MXN",
            Currency::Brl => "BRL",
            Currency::Sek => "SEK",
            Currency::Nok => "NOK",
            Currency::Dkk => "DKK",
            Currency::Pln => "PLN",
            Currency::Zar => "ZAR",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Currency::Usd => "US dollar",
            Currency::Eur => "Euro",
            Currency::Gbp => "Pound sterling",
            Currency::Cad => "Canadian dollar",
            Currency::Aud => "Australian dollar",
            Currency::Nzd => "New Zealand dollar",
            Currency::Chf => "Swiss franc",
            Currency::Mxn => "Mexican peso",
            Currency::Brl => "Brazilian real",
            Currency::Sek => "Swedish krona",
            Currency::Nok => "Norwegian krone",
            Currency::Dkk => "Danish krone",
            Currency::Pln => "Polish złoty",
            Currency::Zar => "South African rand",
        }
    }

    /// The symbol written in `locale`: a dollar of another country names its country.
    pub fn symbol(self, locale: Locale) -> &'static str {
        let home = locale.home_currency() == self;
        match self {
            Currency::Usd if home || !matches!(locale, Locale::EnCa | Locale::EnAu | Locale::EsMx) => "$",
            Currency::Usd => "US$",
            Currency::Cad | Currency::Aud | Currency::Mxn if home => "$",
            Currency::Cad => "CA$",
            Currency::Aud => "A$",
            Currency::Mxn => "MX$",
            Currency::Nzd => "NZ$",
            Currency::Eur => "€",
            Currency::Gbp => "£",
            Currency::Chf => "CHF",
            Currency::Brl => "R$",
            Currency::Sek | Currency::Nok => "kr",
            Currency::Dkk => "kr.",
            Currency::Pln => "zł",
            Currency::Zar => "R",
        }
    }
}

macro_rules! tag_conversions {
    ($type:ty, $what:literal) => {
        impl FromStr for $type {
            type Err = UnknownTag;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .into_iter()
                    .find(|known| known.as_str().eq_ignore_ascii_case(text.trim()))
                    .ok_or_else(|| UnknownTag { what: $what, tag: text.to_owned() })
            }
        }

        super::named::serde_by_name!($type);
    };
}

tag_conversions!(Locale, "region");
tag_conversions!(Currency, "currency");

/// A region or currency OpsFlow does not know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownTag {
    what: &'static str,
    tag: String,
}

impl fmt::Display for UnknownTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "“{}” is not a {} OpsFlow knows.", self.tag, self.what)
    }
}

/// What decided a sub-account's number format.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum FormatOrigin {
    /// An admin, on the settings page.
    Chosen,
    /// The CRM location's country (an ISO code), until an admin chooses.
    Country(String),
    /// Nothing yet: the default.
    Default,
}

/// How one sub-account reads and writes numbers and money.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NumberFormat {
    pub locale: Locale,
    pub currency: Currency,
}

/// The most significant digits a number field takes: every decimal of up to 15 digits is told
/// apart by a binary float and read back the same (16 already are not: 0.1234567890123456).
pub const MAX_DIGITS: usize = 15;

/// 10⁰ to 10²², each exactly a float.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// A number split into its parts, as typed: digits only, the sign apart.
struct Decimal<'a> {
    negative: bool,
    whole: Cow<'a, str>,
    fraction: &'a str,
}

impl NumberFormat {
    /// The notation of templates (rule values, minimums and maximums): a decimal point, commas
    /// grouping thousands.
    pub const TEMPLATE: NumberFormat = NumberFormat { locale: Locale::EnUs, currency: Currency::Usd };

    /// What a region usually uses, from its ISO 3166 country code (HighLevel's `country`);
    /// `None` for a country OpsFlow has no convention for.
    pub fn for_country(country: &str) -> Option<NumberFormat> {
        let (locale, currency) = match country.trim().to_ascii_uppercase().as_str() {
            "US" => (Locale::EnUs, Currency::Usd),
            "GB" => (Locale::EnGb, Currency::Gbp),
            "IE" => (Locale::EnGb, Currency::Eur),
            "CA" => (Locale::EnCa, Currency::Cad),
            "AU" => (Locale::EnAu, Currency::Aud),
            "NZ" => (Locale::EnAu, Currency::Nzd),
            "MX" => (Locale::EsMx, Currency::Mxn),
            "DE" | "AT" => (Locale::DeDe, Currency::Eur),
            "CH" => (Locale::DeCh, Currency::Chf),
            "ES" => (Locale::EsEs, Currency::Eur),
            "FR" | "BE" | "LU" => (Locale::FrFr, Currency::Eur),
            "IT" => (Locale::ItIt, Currency::Eur),
            "NL" => (Locale::NlNl, Currency::Eur),
            "BR" => (Locale::PtBr, Currency::Brl),
            _ => return None,
        };
        Some(NumberFormat { locale, currency })
    }

    /// A sub-account's format: what an admin chose, else its country's, else the default. A
    /// stored tag this build does not know falls back the same way rather than failing a page.
    pub fn resolve(locale: Option<&str>, currency: Option<&str>, country: Option<&str>) -> NumberFormat {
        let regional = country.and_then(NumberFormat::for_country).unwrap_or_default();
        NumberFormat {
            locale: locale.and_then(|tag| tag.parse().ok()).unwrap_or(regional.locale),
            currency: currency.and_then(|code| code.parse().ok()).unwrap_or(regional.currency),
        }
    }

    /// Reads a number such as `1,250.5` (or `1.250,5`); `None` when it is not one, could be
    /// read two ways, or has more than [`MAX_DIGITS`] significant digits (a number is kept as a
    /// binary float, which holds about that many: `12345678901234567891` would be kept, and
    /// shown back, as `12345678901234567000`). Expects trimmed text.
    pub fn parse_number(&self, text: &str) -> Option<f64> {
        let Decimal { negative, whole, fraction } = self.split(text)?;
        if whole.is_empty() && fraction.is_empty() {
            return None;
        }
        // `digits` × 10^`scale`, with `digits` an integer a float holds exactly; a power of ten
        // up to 10²² is exact too, so one multiplication or division rounds once, correctly.
        let fraction = fraction.trim_end_matches('0');
        let all = [whole.as_ref(), fraction].concat();
        let all = all.trim_start_matches('0');
        let (digits, scale) = match fraction.len() {
            0 => {
                let significant = all.trim_end_matches('0');
                (significant, i32::try_from(all.len() - significant.len()).ok()?)
            }
            decimals => (all, -i32::try_from(decimals).ok()?),
        };
        if digits.len() > MAX_DIGITS || scale.unsigned_abs() as usize >= POWERS_OF_TEN.len() {
            return None;
        }
        let digits = if digits.is_empty() { 0.0 } else { digits.parse::<u64>().ok()? as f64 };
        let power = POWERS_OF_TEN[scale.unsigned_abs() as usize];
        let magnitude = if scale < 0 { digits / power } else { digits * power };
        Some(if negative { -magnitude } else { magnitude })
    }

    /// Reads an amount such as `$1,250.5` or `-3` into cents. More than two decimals is an error
    /// rather than a silent rounding. Expects trimmed text.
    pub fn parse_money(&self, text: &str) -> Option<i64> {
        let amount = self.without_currency(text);
        let Decimal { negative, whole, fraction } = self.split(&amount)?;
        if whole.is_empty() || whole.len() > 13 || fraction.len() > 2 {
            return None;
        }
        let fraction_cents = match fraction.len() {
            0 => 0,
            1 => fraction.parse::<i64>().ok()? * 10,
            _ => fraction.parse::<i64>().ok()?,
        };
        let cents = whole.parse::<i64>().ok()? * 100 + fraction_cents;
        Some(if negative { -cents } else { cents })
    }

    /// A number as this region writes it, without grouping (a number field may hold a year or
    /// a code): `2.5` or `2,5`.
    pub fn number(&self, number: f64) -> String {
        let canonical = if number.fract() == 0.0 && number.abs() < 1e15 {
            format!("{}", number as i64)
        } else {
            format!("{number}")
        };
        match self.locale.decimal_mark() {
            '.' => canonical,
            mark => canonical.replace('.', &mark.to_string()),
        }
    }

    /// An amount with its currency and grouped digits: `$1,250.50`, `1.250,50 €`.
    pub fn money(&self, cents: i64) -> String {
        let whole = self.grouped(&(cents.unsigned_abs() / 100).to_string());
        let amount = format!("{whole}{}{:02}", self.locale.decimal_mark(), cents.unsigned_abs() % 100);
        self.with_currency(cents < 0, &amount)
    }

    /// An amount rounded to whole units, for overviews such as the CRM board: `$12,345`.
    pub fn whole_money(&self, amount: f64) -> String {
        let units = format!("{:.0}", amount.abs());
        self.with_currency(amount < 0.0 && units != "0", &self.grouped(&units))
    }

    /// How this region writes a number, for error messages: `3.5` or `3,5`.
    pub fn example(&self) -> String {
        self.number(3.5)
    }

    /// What a number field accepts, in words.
    pub fn number_hint(&self) -> String {
        let (decimal, group) = self.marks_in_words();
        format!(
            "Enter a number, like 42 or {} (decimals after {decimal}; {group} only groups thousands; at most \
             {MAX_DIGITS} digits).",
            self.example()
        )
    }

    /// What a currency field accepts, in words.
    pub fn money_hint(&self) -> String {
        let (decimal, group) = self.marks_in_words();
        format!(
            "Enter an amount with at most two decimals, like 120 or {} (decimals after {decimal}; {group} only groups thousands).",
            self.money(9950)
        )
    }

    fn marks_in_words(&self) -> (&'static str, &'static str) {
        let decimal = if self.locale.decimal_mark() == ',' { "a comma" } else { "a point" };
        (decimal, self.locale.group_name())
    }

    /// Digits with the grouping mark between groups of three.
    fn grouped(&self, digits: &str) -> String {
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 * 3);
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(self.locale.group_mark());
            }
            out.push(digit);
        }
        out
    }

    fn with_currency(&self, negative: bool, amount: &str) -> String {
        let sign = if negative { "-" } else { "" };
        let symbol = self.currency.symbol(self.locale);
        match self.locale.placement() {
            Placement::Before => format!("{sign}{symbol}{amount}"),
            Placement::BeforeSpaced => format!("{sign}{symbol}{NBSP}{amount}"),
            Placement::AfterSpaced => format!("{sign}{amount}{NBSP}{symbol}"),
        }
    }

    /// The amount without this sub-account's currency code or symbol, before or after it (and
    /// a sign before the symbol: `-$5`). The code goes first: `R` is the start of `ZAR`.
    fn without_currency<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let marks = [self.currency.as_str(), self.currency.symbol(self.locale)];
        let (negative, rest) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        for mark in marks {
            if let Some(amount) = rest.strip_prefix(mark) {
                let amount = amount.trim_start();
                return if negative { Cow::Owned(format!("-{amount}")) } else { Cow::Borrowed(amount) };
            }
            if let Some(amount) = text.strip_suffix(mark) {
                return Cow::Borrowed(amount.trim_end());
            }
        }
        Cow::Borrowed(text)
    }

    /// Splits typed text into sign, whole digits (grouping removed) and fraction digits; `None`
    /// when a mark is where it cannot be read one way only.
    fn split<'a>(&self, text: &'a str) -> Option<Decimal<'a>> {
        let (negative, unsigned) = match (text.strip_prefix('-'), text.strip_prefix('+')) {
            (Some(rest), _) => (true, rest),
            (None, Some(rest)) => (false, rest),
            (None, None) => (false, text),
        };
        let (whole, fraction) = unsigned.split_once(self.locale.decimal_mark()).unwrap_or((unsigned, ""));
        let digits = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
        if !digits(fraction) {
            return None;
        }
        if digits(whole) {
            return Some(Decimal { negative, whole: Cow::Borrowed(whole), fraction });
        }
        let mut groups = whole.split(|c| self.locale.groups_with(c));
        let first = groups.next()?;
        // Nobody groups `0,500`: a leading zero means the mark is a decimal one.
        let grouped = (1..=3).contains(&first.len())
            && digits(first)
            && !first.starts_with('0')
            && groups.all(|group| group.len() == 3 && digits(group));
        grouped.then(|| Decimal {
            negative,
            whole: Cow::Owned(whole.chars().filter(char::is_ascii_digit).collect()),
            fraction,
        })
    }
}
