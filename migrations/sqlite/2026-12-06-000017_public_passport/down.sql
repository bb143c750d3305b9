DROP TRIGGER crp_plans_revision;
