//! The units an activity's quantity may be stated in, and how much of each one record may hold.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ActivityUnit {
    Km,
    Miles,
    PassengerKm,
    TonneKm,
    Tonnes,
    Kg,
    Kwh,
    RoomNights,
    FteHours,
}

impl ActivityUnit {
    pub const ALL: [ActivityUnit; 9] = [
        ActivityUnit::Km,
        ActivityUnit::Miles,
        ActivityUnit::PassengerKm,
        ActivityUnit::TonneKm,
        ActivityUnit::Tonnes,
        ActivityUnit::Kg,
        ActivityUnit::Kwh,
        ActivityUnit::RoomNights,
        ActivityUnit::FteHours,
    ];

    /// The spelling on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityUnit::Km => "km",
            ActivityUnit::Miles => "miles",
            ActivityUnit::PassengerKm => "passenger_km",
            ActivityUnit::TonneKm => "tonne_km",
            ActivityUnit::Tonnes => "tonnes",
            ActivityUnit::Kg => "kg",
            ActivityUnit::Kwh => "kWh",
            ActivityUnit::RoomNights => "room_nights",
            ActivityUnit::FteHours => "fte_hours",
        }
    }

    /// The unit of a DESNZ row (`UOM`), when it is one activities are stated in.
    pub fn from_desnz(uom: &str) -> Option<Self> {
        Some(match uom {
            "km" => ActivityUnit::Km,
            "miles" => ActivityUnit::Miles,
            "passenger.km" => ActivityUnit::PassengerKm,
            "tonne.km" => ActivityUnit::TonneKm,
            "tonnes" => ActivityUnit::Tonnes,
            "kg" => ActivityUnit::Kg,
            "kWh" => ActivityUnit::Kwh,
            "Room per night" => ActivityUnit::RoomNights,
            "per FTE Working Hour" => ActivityUnit::FteHours,
            _ => return None,
        })
    }

    /// The largest quantity one record may state: far above any small company's year (a billion
    /// km, a hundred million tonne-km, a million tonnes of waste, a hundred tonnes of refrigerant), and low enough that
    /// quantity × the largest factor of the unit stays inside what one record part may hold
    /// (the catalogue checks every row against it when it is built).
    pub fn max_quantity(self) -> Decimal {
        Decimal::from(match self {
            ActivityUnit::Km | ActivityUnit::Miles | ActivityUnit::PassengerKm | ActivityUnit::Kwh => 1_000_000_000_i64,
            ActivityUnit::TonneKm => 100_000_000,
            ActivityUnit::Tonnes => 1_000_000,
            ActivityUnit::Kg => 100_000,
            ActivityUnit::RoomNights => 1_000_000,
            ActivityUnit::FteHours => 100_000_000,
        })
    }
}

impl FromStr for ActivityUnit {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivityUnit::ALL.into_iter().find(|unit| unit.as_str() == s).ok_or_else(|| {
            let known: Vec<&str> = ActivityUnit::ALL.iter().map(|u| u.as_str()).collect();
            DomainError::invalid("unit", format!("unknown unit {s:?}; expected one of {}", known.join(", ")))
        })
    }
}

impl fmt::Display for ActivityUnit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
