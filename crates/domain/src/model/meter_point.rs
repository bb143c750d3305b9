//! Meter points: the identifier a bill gives its supply. An electricity MPAN is checked against
//! its check digit; two bills for one meter point and overlapping periods would double count.

use crate::DomainError;
use crate::calculation::BillType;

/// Weights of the MPAN check digit (11 is left out on purpose, as the algorithm specifies).
const MPAN_PRIMES: [u32; 12] = [3, 5, 7, 13, 17, 19, 23, 29, 31, 37, 41, 43];

/// A normalised meter point: for electricity the 13-digit MPAN core, otherwise the bill's
/// reference in upper case without spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeterPoint(String);

impl MeterPoint {
    /// Parses a meter point given for a bill of `bill_type`. Spaces and hyphens are ignored.
    pub fn parse(bill_type: BillType, raw: &str) -> Result<Self, DomainError> {
        let compact: String =
            raw.chars().filter(|c| !c.is_whitespace() && *c != '-').map(|c| c.to_ascii_uppercase()).collect();
        if compact.is_empty() || compact.len() > 32 || !compact.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(DomainError::invalid("meterPoint", "must be 1-32 letters and digits"));
        }
        if bill_type != BillType::Electricity {
            return Ok(Self(compact));
        }
        // A full MPAN is 21 characters: profile class (2), meter time-switch code (3), line loss
        // factor class (3), then the 13-digit core, which alone identifies the supply.
        let core = match compact.len() {
            13 => compact.as_str(),
            21 if compact[..5].bytes().all(|b| b.is_ascii_digit()) => &compact[8..],
            _ => {
                return Err(DomainError::invalid("meterPoint", "an MPAN has 13 digits (the core) or 21 characters"));
            }
        };
        if !core.bytes().all(|b| b.is_ascii_digit()) {
            return Err(DomainError::invalid("meterPoint", "an MPAN core is 13 digits"));
        }
        let digits: Vec<u32> = core.bytes().map(|b| u32::from(b - b'0')).collect();
        let expected = digits[..12].iter().zip(MPAN_PRIMES).map(|(d, p)| d * p).sum::<u32>() % 11 % 10;
        if digits[12] != expected {
            return Err(DomainError::invalid(
                "meterPoint",
                "the MPAN's check digit does not match; check it was copied whole",
            ));
        }
        Ok(Self(core.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A meter point read back from storage, where it was stored already normalised.
    pub fn from_stored(normalised: String) -> Self {
        Self(normalised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(result: Result<MeterPoint, DomainError>) -> Option<&'static str> {
        match result {
            Err(DomainError::Invalid { field, .. }) => Some(field),
            _ => None,
        }
    }

    #[test]
    fn mpans_are_checked_against_their_check_digit() {
        // Check digits computed independently: Σ digit × (3 5 7 13 17 19 23 29 31 37 41 43) mod 11 mod 10.
        for valid in ["1200023305967", "12 0002 3305 967", "1700000551233"] {
            assert!(MeterPoint::parse(BillType::Electricity, valid).is_ok(), "{valid}");
        }
        assert_eq!(MeterPoint::parse(BillType::Electricity, "1200023305966").err().map(|_| ()), Some(()));
        assert_eq!(field(MeterPoint::parse(BillType::Electricity, "1200023305968")), Some("meterPoint"));
        assert_eq!(field(MeterPoint::parse(BillType::Electricity, "12000233059")), Some("meterPoint"));
    }

    #[test]
    fn a_full_mpan_is_reduced_to_its_core() {
        let full = MeterPoint::parse(BillType::Electricity, "03 801 A12 1200023305967").expect("valid");
        assert_eq!(full.as_str(), "1200023305967");
        assert_eq!(full, MeterPoint::parse(BillType::Electricity, "1200023305967").expect("valid"));
    }

    #[test]
    fn other_meter_points_are_normalised_but_not_checked() {
        let gas = MeterPoint::parse(BillType::Gas, " 1234-5678 90 ").expect("valid");
        assert_eq!(gas.as_str(), "1234567890");
        assert_eq!(MeterPoint::parse(BillType::Water, "ab12").map(|m| m.0).ok().as_deref(), Some("AB12"));
        assert_eq!(field(MeterPoint::parse(BillType::Gas, "")), Some("meterPoint"));
        assert_eq!(field(MeterPoint::parse(BillType::Gas, "12/34")), Some("meterPoint"));
    }
}
