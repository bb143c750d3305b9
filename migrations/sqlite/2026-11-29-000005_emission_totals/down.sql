DROP TABLE emission_totals;
