-- The change logs are pruned: of an entity's rows, only the latest stays (an index that has
-- not read an older one has not read the latest either, and reads the entity's current
-- state). These indexes let the pruning find the newer row of each.
CREATE INDEX search_changes_software ON search_changes (software_id, version);
CREATE INDEX organisation_changes_organisation ON organisation_changes (organisation_id, version);
