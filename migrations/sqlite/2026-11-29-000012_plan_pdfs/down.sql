DROP TABLE crp_plan_pdfs;
