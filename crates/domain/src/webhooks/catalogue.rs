//! The events a webhook endpoint can subscribe to: their names on the wire and what they mean.

/// An event type of the catalogue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    BillUploaded,
    BillConfirmed,
    BillRejected,
    BillVoided,
    ActivityRecorded,
    ActivityVoided,
    CrpGenerated,
    CrpPublished,
    /// Sent only by `POST /webhook-endpoints/{id}/test`, to the one endpoint.
    Ping,
}

impl EventType {
    pub const ALL: [EventType; 9] = [
        EventType::BillUploaded,
        EventType::BillConfirmed,
        EventType::BillRejected,
        EventType::BillVoided,
        EventType::ActivityRecorded,
        EventType::ActivityVoided,
        EventType::CrpGenerated,
        EventType::CrpPublished,
        EventType::Ping,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::BillUploaded => "bill.uploaded",
            EventType::BillConfirmed => "bill.confirmed",
            EventType::BillRejected => "bill.rejected",
            EventType::BillVoided => "bill.voided",
            EventType::ActivityRecorded => "activity.recorded",
            EventType::ActivityVoided => "activity.voided",
            EventType::CrpGenerated => "crp.generated",
            EventType::CrpPublished => "crp.published",
            EventType::Ping => "ping",
        }
    }

    pub fn parse(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.as_str() == name)
    }

    /// When it is sent, for the catalogue in the docs and the OpenAPI document.
    pub fn meaning(self) -> &'static str {
        match self {
            EventType::BillUploaded => "A bill's file was stored; it does not count until confirmed.",
            EventType::BillConfirmed => "A bill's activity was confirmed and calculated; it counts in the emissions.",
            EventType::BillRejected => "An uploaded bill was rejected; it never counted.",
            EventType::BillVoided => "A confirmed bill was voided and left every total.",
            EventType::ActivityRecorded => {
                "An activity (vehicle, refrigerant, heat, travel, commuting, freight, waste) was recorded and calculated; it counts in the emissions."
            }
            EventType::ActivityVoided => "An activity record was voided and left every total.",
            EventType::CrpGenerated => "A Carbon Reduction Plan was generated as a draft.",
            EventType::CrpPublished => "A Carbon Reduction Plan was published (the one before it is superseded).",
            EventType::Ping => "A test delivery asked for with POST /api/v1/webhook-endpoints/{id}/test.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_distinct() {
        for event in EventType::ALL {
            assert_eq!(EventType::parse(event.as_str()), Some(event));
        }
        let mut names: Vec<&str> = EventType::ALL.iter().map(|e| e.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), EventType::ALL.len());
        assert_eq!(EventType::parse("bill.Confirmed"), None, "names are exact");
    }
}
