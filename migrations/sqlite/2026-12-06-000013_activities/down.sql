DROP TABLE activity_totals;
DROP TABLE activity_emissions;
DROP TABLE activities;
