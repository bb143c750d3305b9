//! `POST /api/v1/activities/import`: a CSV file whose columns are named as the JSON fields of
//! `POST /api/v1/activities`, read row by row into records (or each row's problem).

use carbonpass_domain::DomainError;
use carbonpass_domain::activities::{ActivityUnit, Direction};
use carbonpass_domain::calculation::MarketInstrument;
use carbonpass_domain::model::{ActivityInput, RowProblem, SiteId, parse_date, parse_decimal};
use carbonpass_domain::services::activities::ImportRow;

/// The columns a file may have, in the template's order; the first five are required. The
/// JSON body's `marketInstrument` object is three columns, named by its fields' paths.
pub(crate) const COLUMNS: [&str; 13] = [
    "activityType",
    "quantity",
    "unit",
    "periodStart",
    "periodEnd",
    "siteId",
    "direction",
    "radiativeForcing",
    "reference",
    "note",
    "marketInstrument.type",
    "marketInstrument.kgCo2ePerKwh",
    "marketInstrument.source",
];
const REQUIRED: usize = 5;

/// The template: the header line alone.
pub(crate) fn template() -> String {
    format!("{}\r\n", COLUMNS.join(","))
}

/// The rows of `text`, each with its line number (the header is line 1). The header must name
/// every required column and nothing unknown, each once.
pub fn rows(text: &[u8]) -> Result<Vec<ImportRow>, DomainError> {
    let text = text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new().has_headers(true).flexible(true).trim(csv::Trim::All).from_reader(text);
    let header = reader.headers().map_err(|e| DomainError::invalid("file", format!("is not CSV: {e}")))?.clone();
    let mut index = [None; COLUMNS.len()];
    for (i, name) in header.iter().enumerate() {
        let column = COLUMNS.iter().position(|c| *c == name).ok_or_else(|| {
            DomainError::invalid(
                "file",
                format!("names an unknown column {name:?}; the columns are {}", COLUMNS.join(", ")),
            )
        })?;
        if index[column].replace(i).is_some() {
            return Err(DomainError::invalid("file", format!("names the column {name:?} twice")));
        }
    }
    if let Some(missing) = (0..REQUIRED).find(|c| index[*c].is_none()) {
        return Err(DomainError::invalid("file", format!("lacks the column {:?}", COLUMNS[missing])));
    }
    let mut out = Vec::new();
    // Line numbers counted here from each record's byte offset: the csv crate's own count skips
    // blank lines and miscounts CRLF endings.
    let (mut counted_to, mut line) = (0_usize, 1_usize);
    for record in reader.records() {
        let record = record.map_err(|e| DomainError::invalid("file", format!("is not CSV: {e}")))?;
        let offset = record.position().map_or(counted_to, |p| usize::try_from(p.byte()).unwrap_or(usize::MAX));
        let mut offset = offset.clamp(counted_to, text.len());
        // With CRLF endings a record's reported start is the end of the line before it.
        while matches!(text.get(offset), Some(b'\r' | b'\n')) {
            offset += 1;
        }
        line += text[counted_to..offset].iter().filter(|b| **b == b'\n').count();
        counted_to = offset;
        if record.iter().all(str::is_empty) {
            continue; // a blank line
        }
        if record.len() > header.len() {
            let problem = RowProblem {
                line,
                column: String::new(),
                message: format!("has {} fields; the header names {}", record.len(), header.len()),
            };
            out.push((line, Err(problem)));
            continue;
        }
        let cell = |column: usize| index[column].and_then(|i| record.get(i)).filter(|v| !v.is_empty());
        out.push((line, row(line, &cell)));
    }
    Ok(out)
}

fn row<'a>(line: usize, cell: &dyn Fn(usize) -> Option<&'a str>) -> Result<ActivityInput, RowProblem> {
    let bad = |column: usize, message: String| RowProblem { line, column: COLUMNS[column].to_owned(), message };
    let required = |column: usize| cell(column).ok_or_else(|| bad(column, "is required".into()));
    let field = |column: usize, err: DomainError| match err {
        DomainError::Invalid { message, .. } => bad(column, message),
        other => bad(column, other.to_string()),
    };
    Ok(ActivityInput {
        activity_type: required(0)?.to_owned(),
        quantity: parse_decimal("quantity", required(1)?).map_err(|e| field(1, e))?,
        unit: required(2)?.parse::<ActivityUnit>().map_err(|e| field(2, e))?,
        period_start: parse_date("periodStart", required(3)?).map_err(|e| field(3, e))?,
        period_end: parse_date("periodEnd", required(4)?).map_err(|e| field(4, e))?,
        site_id: cell(5)
            .map(|s| SiteId::parse(s).ok_or_else(|| bad(5, format!("{s:?} is not a site id"))))
            .transpose()?,
        direction: cell(6).map(|d| d.parse::<Direction>().map_err(|e| field(6, e))).transpose()?,
        radiative_forcing: cell(7)
            .map(|v| match v {
                "true" => Ok(true),
                "false" => Ok(false),
                other => Err(bad(7, format!("{other:?} is not true or false"))),
            })
            .transpose()?,
        reference: cell(8).map(str::to_owned),
        note: cell(9).map(str::to_owned),
        market_instrument: match (cell(10), cell(11), cell(12)) {
            (None, None, None) => None,
            (kind, factor, source) => {
                let factor = factor
                    .map(|f| parse_decimal("marketInstrument.kgCo2ePerKwh", f).map_err(|e| field(11, e)))
                    .transpose()?;
                let instrument = MarketInstrument::new(kind.unwrap_or_default(), factor, source).map_err(|e| {
                    let column = match &e {
                        DomainError::Invalid { field: "marketInstrument.kgCo2ePerKwh", .. } => 11,
                        DomainError::Invalid { field: "marketInstrument.source", .. } => 12,
                        _ => 10,
                    };
                    field(column, e)
                })?;
                Some(instrument)
            }
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heat_row_carries_its_instrument_in_three_columns() {
        let text = "activityType,quantity,unit,periodStart,periodEnd,marketInstrument.type,\
                    marketInstrument.kgCo2ePerKwh,marketInstrument.source\n\
                    heat.district_heat_and_steam,100,kWh,2025-05-01,2025-05-31,supplier_specific,0.05,Heat network FMD\n\
                    heat.district_heat_and_steam,100,kWh,2025-05-01,2025-05-31,supplier_specific,,Heat network FMD\n\
                    heat.district_heat_and_steam,100,kWh,2025-05-01,2025-05-31,,,\n";
        let read = rows(text.as_bytes()).expect("rows");
        let first = read[0].1.as_ref().expect("a record");
        assert_eq!(first.market_instrument.as_ref().map(|i| i.factor().to_string()), Some("0.05".into()));
        let problem = read[1].1.as_ref().expect_err("no factor");
        assert_eq!((problem.line, problem.column.as_str()), (3, "marketInstrument.kgCo2ePerKwh"));
        assert_eq!(read[2].1.as_ref().map(|r| r.market_instrument.is_none()).ok(), Some(true));
    }

    #[test]
    fn rows_are_read_by_header_name_with_their_lines_and_problems() {
        let text = "unit,activityType,quantity,periodStart,periodEnd,direction\r\n\
                    tonne_km,freight.rail.freight_train,120.5,2025-05-01,2025-05-31,upstream\r\n\
                    \r\n\
                    km,vehicle.cars_by_size.average_car.diesel,abc,2025-05-01,2025-05-31,\r\n";
        let read = rows(text.as_bytes()).expect("rows");
        assert_eq!(read.len(), 2);
        let (line, first) = &read[0];
        let first = first.as_ref().expect("a record");
        assert_eq!((*line, first.unit, first.direction), (2, ActivityUnit::TonneKm, Some(Direction::Upstream)));
        assert_eq!(first.quantity.to_string(), "120.5");
        let (line, second) = &read[1];
        let problem = second.as_ref().expect_err("bad quantity");
        assert_eq!((*line, problem.line, problem.column.as_str()), (4, 4, "quantity"));
    }

    #[test]
    fn a_header_must_name_known_columns_each_once_and_every_required_one() {
        for header in [
            "activityType,quantity,unit,periodStart",
            "activityType,quantity,unit,periodStart,periodEnd,colour",
            "activityType,quantity,unit,periodStart,periodEnd,unit",
        ] {
            assert!(
                matches!(rows(format!("{header}\n").as_bytes()), Err(DomainError::Invalid { field: "file", .. })),
                "{header}"
            );
        }
        assert_eq!(
            template(),
            "activityType,quantity,unit,periodStart,periodEnd,siteId,direction,radiativeForcing,reference,note,\
             marketInstrument.type,marketInstrument.kgCo2ePerKwh,marketInstrument.source\r\n"
        );
    }
}
