-- What a write re-reads of one software's adoptions, from the index alone: its counts
-- (software_stats), the dashboards' facts, its search document's adopters and their
-- territories, and the scopes its document quotes. Without them a software adopted by
-- 27,000 communes had each of its rows read from the table after every declaration:
-- 155 ms for the dashboards' facts, 57 ms for the counts, 300 ms for the search document
-- on the national-scale bench, against 4, 4 and about 75 with them.
CREATE INDEX adoptions_software_facts ON adoptions (software_id, status, organisation_id, since, demo);
CREATE INDEX adoptions_software_uses ON adoptions (software_id, status, scope) WHERE scope IS NOT NULL;
