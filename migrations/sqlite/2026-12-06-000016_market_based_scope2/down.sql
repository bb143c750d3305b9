DROP TABLE scope2_instrument_totals;
DROP TABLE scope2_instruments;
