DROP TABLE api_keys;
DROP TABLE company_memberships;
DROP TABLE users;
DROP TABLE sites;
DROP FUNCTION bump_company_revision();
DROP TABLE companies;
DROP FUNCTION bump_own_revision();
