-- How a sub-account writes numbers and money (model::locale). `country` is its CRM's (the
-- HighLevel location's ISO code); `locale` (a BCP 47 tag) and `currency` (ISO 4217) are what an
-- admin chose, NULL while the country, or else the default, decides.
ALTER TABLE sub_accounts ADD COLUMN country TEXT;
ALTER TABLE sub_accounts ADD COLUMN locale TEXT;
ALTER TABLE sub_accounts ADD COLUMN currency TEXT;
