DROP TABLE api_keys;
DROP TABLE company_memberships;
DROP TABLE users;
DROP TABLE sites;
DROP TABLE companies;
