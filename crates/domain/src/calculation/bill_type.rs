//! What a bill is for, and the units its consumption may be stated in.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BillType {
    Electricity,
    Gas,
    Water,
    HeatingOil,
    GasOil,
    Diesel,
    Petrol,
    Lpg,
}

impl BillType {
    pub const ALL: [BillType; 8] = [
        BillType::Electricity,
        BillType::Gas,
        BillType::Water,
        BillType::HeatingOil,
        BillType::GasOil,
        BillType::Diesel,
        BillType::Petrol,
        BillType::Lpg,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            BillType::Electricity => "electricity",
            BillType::Gas => "gas",
            BillType::Water => "water",
            BillType::HeatingOil => "heating_oil",
            BillType::GasOil => "gas_oil",
            BillType::Diesel => "diesel",
            BillType::Petrol => "petrol",
            BillType::Lpg => "lpg",
        }
    }

    /// Units a confirmation may state this type's consumption in.
    pub fn accepts(self, unit: Unit) -> bool {
        match self {
            BillType::Electricity => unit == Unit::Kwh,
            BillType::Gas => matches!(unit, Unit::Kwh | Unit::CubicMetres | Unit::HundredsOfCubicFeet),
            BillType::Water => unit == Unit::CubicMetres,
            BillType::HeatingOil | BillType::GasOil | BillType::Diesel | BillType::Petrol | BillType::Lpg => {
                unit == Unit::Litres
            }
        }
    }
}

impl FromStr for BillType {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BillType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = BillType::ALL.iter().map(|t| t.as_str()).collect();
            DomainError::invalid("type", format!("unknown bill type {s:?}; expected one of {}", known.join(", ")))
        })
    }
}

impl fmt::Display for BillType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Unit {
    Kwh,
    CubicMetres,
    /// Imperial gas meters read hundreds of cubic feet; × 2.83 gives cubic metres.
    HundredsOfCubicFeet,
    Litres,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Kwh, Unit::CubicMetres, Unit::HundredsOfCubicFeet, Unit::Litres];

    /// The largest quantity one bill may state in this unit. Far above any one site's bill (a
    /// terawatt-hour; a hundred million litres or cubic metres), and low enough that one bill's
    /// emissions fit comfortably in the store's integer micrograms.
    pub fn max_quantity(self) -> rust_decimal::Decimal {
        rust_decimal::Decimal::from(match self {
            Unit::Kwh => 1_000_000_000_i64,
            Unit::CubicMetres | Unit::Litres => 100_000_000,
            Unit::HundredsOfCubicFeet => 35_000_000,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Kwh => "kWh",
            Unit::CubicMetres => "m3",
            Unit::HundredsOfCubicFeet => "hcf",
            Unit::Litres => "litres",
        }
    }
}

impl FromStr for Unit {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        // One spelling per unit, the one the document lists: "kwh" or "m³" are refused, naming
        // the four, rather than read as a guess.
        Unit::ALL
            .into_iter()
            .find(|unit| unit.as_str() == s)
            .ok_or_else(|| DomainError::invalid("unit", format!("unknown unit {s:?}; expected kWh, m3, hcf or litres")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_round_trip_and_know_their_units() {
        for t in BillType::ALL {
            assert_eq!(t.as_str().parse::<BillType>().ok(), Some(t));
        }
        assert!("coal".parse::<BillType>().is_err());
        assert!(BillType::Gas.accepts(Unit::HundredsOfCubicFeet));
        assert!(!BillType::Electricity.accepts(Unit::Litres));
        assert!(!BillType::Diesel.accepts(Unit::Kwh));
        assert!(BillType::Water.accepts(Unit::CubicMetres));
        for u in Unit::ALL {
            assert_eq!(u.as_str().parse::<Unit>().ok(), Some(u));
        }
    }
}
