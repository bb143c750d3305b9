-- The public passport shows the published plan: publishing one (a status change) bumps the
-- company's data revision, so every process's copy of the passport is stale at once.
CREATE TRIGGER crp_plans_revision AFTER UPDATE OF status ON crp_plans
    FOR EACH ROW EXECUTE FUNCTION bump_company_revision();
