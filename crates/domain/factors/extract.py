#!/usr/bin/env python3
"""Writes the shipped factor sets (desnz-<year>.csv here) from the official flat files.

    python3 crates/domain/factors/extract.py ../shared/data/desnz

Keeps each file's comment lines (provenance, edition, GWP basis, ID origin) and replaces its rows
with the kg CO2e rows CarbonPass uses: the utility-bill rows, and every row of the DESNZ families
activities are calculated from (vehicles, refrigerants, heat and steam, business travel, hotel
stays, homeworking, freight, waste, and the WTT, T&D and EV-electricity rows beside them).
Rows without an ID (2019-2022 rows that match no 2023-2025 row) and rows without a figure are
left out: the catalogue reports those types as unavailable for that year. Values are rounded
half away from zero to the 5 decimal places DESNZ displays (the 2019-2022 files carry binary
noise, the 2023 file unrounded values).
"""

import csv
import decimal
import io
import pathlib
import sys

# The utility-bill rows (FactorId::REQUIRED in factors.rs).
BILL_ROWS = {
    "7_400_4000_5_1", "13_402_4000_5_1", "15_917_4000_5_1", "15_918_4000_5_1",
    "1_100_1004_6_1", "11_100_1004_6_1", "17_404_4005_1_1", "18_405_4006_1_1",
    "1_101_1011_8_1", "11_101_1011_8_1", "1_101_1017_8_1", "11_101_1017_8_1",
    "1_101_1014_8_1", "11_101_1014_8_1", "1_101_1010_8_1", "11_101_1010_8_1",
    "1_100_1003_8_1", "11_100_1003_8_1",
}
# The families by the first part of their ID: 3 refrigerant & other (the Kyoto-products column
# only), 4 passenger vehicles, 5 delivery vehicles, 8 and 14 UK electricity (and its T&D) for
# EVs, 10 heat and steam, 13 T&D (district heat distribution), 16 WTT heat and steam, 20 waste
# disposal, 21/22 air travel and its WTT, 23/24 sea, 25/26 land and its WTT, 27/28 freight and
# its WTT, 29 hotel stays, 32 homeworking.
FAMILIES = {"3", "4", "5", "8", "10", "13", "14", "16", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "32"}
KYOTO_ONLY = "Emissions including only Kyoto products"
HEADER = ["ID", "Scope", "Level 1", "Level 2", "Level 3", "Level 4", "Column Text", "UOM", "GHG/Unit", "kg CO2e per unit"]


def rows_of(path: pathlib.Path, year: int):
    with path.open(newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["GHG/Unit"] != "kg CO2e" or not row["ID"]:
                continue
            family = row["ID"].split("_")[0]
            if row["ID"] not in BILL_ROWS and family not in FAMILIES:
                continue
            if family == "3" and row["Column Text"] != KYOTO_ONLY:
                continue
            raw = row[f"GHG Conversion Factor {year}"].strip()
            try:
                value = decimal.Decimal(raw)
            except decimal.InvalidOperation:
                continue  # no figure ("", "< 1"): not a row to calculate with
            if value < 0:
                continue
            value = value.quantize(decimal.Decimal("0.00001"), rounding=decimal.ROUND_HALF_UP)
            labels = [row[k].strip() for k in HEADER[1:9]]
            yield [row["ID"], *labels, f"{value:.5f}"]


def main() -> None:
    source = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/desnz")
    here = pathlib.Path(__file__).resolve().parent
    for shipped in sorted(here.glob("desnz-*.csv")):
        year = int(shipped.stem.split("-")[1])
        comments = [line for line in shipped.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
        out = io.StringIO()
        out.write("\n".join(comments) + "\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(HEADER)
        seen = set()
        for row in rows_of(source / f"ghg-conversion-factors-{year}-flat.csv", year):
            if row[0] in seen:
                raise SystemExit(f"{year}: row {row[0]} appears twice")
            seen.add(row[0])
            writer.writerow(row)
        missing = BILL_ROWS - seen
        if missing:
            raise SystemExit(f"{year}: lacks {sorted(missing)}")
        shipped.write_text(out.getvalue(), encoding="utf-8")
        print(f"{shipped.name}: {len(seen)} rows")


if __name__ == "__main__":
    main()
