DROP TRIGGER crp_plans_revision ON crp_plans;
