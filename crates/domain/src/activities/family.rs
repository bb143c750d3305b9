//! The DESNZ families activities are calculated from: which rows make activity types, what a
//! type is called, and its scope and category. Rules per family, never per row: the types
//! themselves come from the shipped sets.

use std::fmt;
use std::str::FromStr;

use crate::DomainError;
use crate::calculation::{FactorRow, Scope};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// Company cars, vans, HGVs and motorbikes by distance (scope 1).
    CompanyVehicle,
    /// Refrigerant and other gases topped up or lost, by kg (scope 1).
    Refrigerant,
    /// Purchased heat and steam, by kWh (scope 2).
    Heat,
    AirTravel,
    LandTravel,
    FerryTravel,
    HotelStay,
    CommutingLand,
    CommutingFerry,
    Homeworking,
    /// Goods moved by road, rail, sea or air; upstream (category 4) or downstream (9).
    Freight,
    Waste,
}

/// Which way freight moved: to the company (category 4) or from it to customers (category 9).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Upstream,
    Downstream,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Upstream => "upstream",
            Direction::Downstream => "downstream",
        }
    }
}

impl FromStr for Direction {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "upstream" => Ok(Direction::Upstream),
            "downstream" => Ok(Direction::Downstream),
            _ => Err(DomainError::invalid(
                "direction",
                format!("unknown direction {s:?}; expected upstream or downstream"),
            )),
        }
    }
}

impl Family {
    pub const ALL: [Family; 12] = [
        Family::CompanyVehicle,
        Family::Refrigerant,
        Family::Heat,
        Family::AirTravel,
        Family::LandTravel,
        Family::FerryTravel,
        Family::HotelStay,
        Family::CommutingLand,
        Family::CommutingFerry,
        Family::Homeworking,
        Family::Freight,
        Family::Waste,
    ];

    /// The family's name on the wire, and the source it is reported under in `/emissions`.
    pub fn as_str(self) -> &'static str {
        match self {
            Family::CompanyVehicle => "vehicle",
            Family::Refrigerant => "refrigerant",
            Family::Heat => "heat",
            Family::AirTravel => "business_travel.air",
            Family::LandTravel => "business_travel.land",
            Family::FerryTravel => "business_travel.ferry",
            Family::HotelStay => "business_travel.hotel",
            Family::CommutingLand => "commuting.land",
            Family::CommutingFerry => "commuting.ferry",
            Family::Homeworking => "commuting.homeworking",
            Family::Freight => "freight",
            Family::Waste => "waste",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Family::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// The scope the activity's own row counts in.
    pub fn scope(self) -> Scope {
        match self {
            Family::CompanyVehicle | Family::Refrigerant => Scope::One,
            Family::Heat => Scope::Two,
            _ => Scope::Three,
        }
    }

    /// The GHG Protocol scope 3 category of the activity's own row (`None` in scopes 1 and 2);
    /// freight's depends on its direction, and is `None` without one.
    pub fn category(self, direction: Option<Direction>) -> Option<u8> {
        match self {
            Family::CompanyVehicle | Family::Refrigerant | Family::Heat => None,
            Family::AirTravel | Family::LandTravel | Family::FerryTravel | Family::HotelStay => Some(6),
            Family::CommutingLand | Family::CommutingFerry | Family::Homeworking => Some(7),
            Family::Waste => Some(5),
            Family::Freight => direction.map(|d| match d {
                Direction::Upstream => 4,
                Direction::Downstream => 9,
            }),
        }
    }

    /// Whether a record of the family must say which way the goods moved.
    pub fn takes_direction(self) -> bool {
        self == Family::Freight
    }

    /// The families whose types a DESNZ row makes, by the first part of its ID. Land and sea
    /// travel rows make both business-travel and commuting types.
    pub fn of_code(code: &str) -> &'static [Family] {
        match code {
            "4" | "5" => &[Family::CompanyVehicle],
            "3" => &[Family::Refrigerant],
            "10" => &[Family::Heat],
            "21" => &[Family::AirTravel],
            "25" => &[Family::LandTravel, Family::CommutingLand],
            "23" => &[Family::FerryTravel, Family::CommutingFerry],
            "29" => &[Family::HotelStay],
            "32" => &[Family::Homeworking],
            "27" => &[Family::Freight],
            "20" => &[Family::Waste],
            _ => &[],
        }
    }

    /// The ID code of the family holding the well-to-tank rows of rows with `code`.
    pub fn well_to_tank_code(code: &str) -> Option<&'static str> {
        match code {
            "4" | "25" => Some("26"),
            "5" | "27" => Some("28"),
            "21" => Some("22"),
            "23" => Some("24"),
            "10" => Some("16"),
            _ => None,
        }
    }

    /// The type a row (labelled as in the newest set holding it) belongs to, and for flights
    /// whether it is the row with radiative forcing (`None` where the choice does not arise).
    pub fn type_of(self, row: &FactorRow) -> (String, Option<bool>) {
        let [_, l2, l3, l4] = &row.levels;
        let ct = row.column_text.as_str();
        let radiative_forcing = match ct {
            "With RF" => Some(true),
            "Without RF" => Some(false),
            _ => None,
        };
        let parts: Vec<String> = match self {
            Family::CompanyVehicle => vec!["vehicle".into(), slug(l2), slug(l3), slug(l4), slug(ct)],
            Family::Refrigerant => vec!["refrigerant".into(), slug(l3)],
            Family::Heat => vec!["heat".into(), slug(l3)],
            Family::AirTravel => vec!["business_travel.air".into(), haul(l3), cabin(l4)],
            Family::LandTravel => vec!["business_travel".into(), slug(l2), slug(l3), slug(l4), slug(ct)],
            Family::CommutingLand => vec!["commuting".into(), slug(l2), slug(l3), slug(l4), slug(ct)],
            Family::FerryTravel => vec!["business_travel.ferry".into(), slug(l3)],
            Family::CommutingFerry => vec!["commuting.ferry".into(), slug(l3)],
            Family::HotelStay => vec!["business_travel.hotel".into(), slug(l3)],
            Family::Homeworking => vec!["commuting.homeworking".into(), slug(l2)],
            Family::Freight if radiative_forcing.is_some() => vec!["freight.air".into(), haul(l3)],
            Family::Freight => vec!["freight".into(), slug(l2), slug(l3), slug(l4), slug(ct)],
            Family::Waste => vec!["waste".into(), slug(l3), slug(ct)],
        };
        let id = parts.into_iter().filter(|p| !p.is_empty()).collect::<Vec<_>>().join(".");
        (id, radiative_forcing)
    }

    /// A type's name for people: the row's DESNZ levels and column (without the RF choice,
    /// which is an attribute).
    pub fn name_of(row: &FactorRow) -> String {
        let ct = row.column_text.as_str();
        let mut parts: Vec<&str> = row.levels.iter().map(String::as_str).filter(|l| !l.is_empty()).collect();
        if !ct.is_empty() && !matches!(ct, "With RF" | "Without RF") {
            parts.push(ct);
        }
        parts.join(" / ")
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Lowercase ASCII letters and digits, every other run of characters one `_`.
fn slug(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    for c in label.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

/// A flight's haul from its DESNZ label: "Long-haul, to/from UK" is `long_haul`.
fn haul(label: &str) -> String {
    slug(label.split(',').next().unwrap_or(label))
}

/// A cabin from its DESNZ label: "Premium economy class" is `premium_economy`, "Average
/// passenger" is `average`.
fn cabin(label: &str) -> String {
    let label = label.trim();
    let label = label.strip_suffix(" class").or_else(|| label.strip_suffix(" passenger")).unwrap_or(label);
    slug(label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_stable_ids() {
        assert_eq!(slug("Class I (up to 1.305 tonnes)"), "class_i_up_to_1_305_tonnes");
        assert_eq!(slug("Rigid (>7.5 tonnes-17 tonnes)"), "rigid_7_5_tonnes_17_tonnes");
        assert_eq!(haul("Long-haul, to/from UK"), "long_haul");
        assert_eq!(haul("International, to/from non-UK"), "international");
        assert_eq!(cabin("Premium economy class"), "premium_economy");
        assert_eq!(cabin("Average passenger"), "average");
    }

    #[test]
    fn categories_follow_the_ghg_protocol() {
        assert_eq!(Family::Freight.category(Some(Direction::Upstream)), Some(4));
        assert_eq!(Family::Freight.category(Some(Direction::Downstream)), Some(9));
        assert_eq!(Family::AirTravel.category(None), Some(6));
        assert_eq!(Family::Homeworking.category(None), Some(7));
        assert_eq!(Family::Waste.category(None), Some(5));
        assert_eq!((Family::Refrigerant.scope(), Family::Refrigerant.category(None)), (Scope::One, None));
        assert_eq!(Family::Heat.scope(), Scope::Two);
        for family in Family::ALL {
            assert_eq!(Family::parse(family.as_str()), Some(family));
        }
    }
}
