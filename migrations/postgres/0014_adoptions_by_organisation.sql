-- What an organisation uses, read from the index alone: an organisation page counts what
-- its EPCI's members, and organisations of its size, use (`peer_uses_in`,
-- `peer_uses_among`), which read a few thousand adoptions by organisation. With the status
-- and the software in the index, they no longer visit the table for each one (measured on
-- the bench's national dataset: 12 ms to 2 ms for an EPCI of 130 communes).
CREATE INDEX adoptions_organisation_uses ON adoptions (organisation_id, status, software_id);
