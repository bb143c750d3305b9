DROP TABLE crp_plans;
DROP TABLE crp_inputs;
