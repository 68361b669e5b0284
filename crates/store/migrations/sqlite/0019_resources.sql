-- The shared pool: resources people offer (on behalf of an organisation,
-- optionally) and the bookings projects make of them. While a booking is
-- asked for or confirmed it holds its time: the triggers below refuse an
-- overlapping one, whoever writes it. Touching ends do not overlap.

CREATE TABLE resources (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES people (id),
    organisation_id INTEGER REFERENCES organisations (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('equipment', 'space', 'materials', 'transport')),
    title TEXT NOT NULL CHECK (length(title) BETWEEN 3 AND 120),
    description TEXT NOT NULL DEFAULT '',
    ward_id INTEGER REFERENCES wards (id) ON DELETE SET NULL,
    availability TEXT NOT NULL DEFAULT '',
    conditions TEXT NOT NULL DEFAULT '',
    quantity INTEGER CHECK (quantity IS NULL OR quantity > 0),
    created_at TEXT NOT NULL,
    -- Touched by every booking change: the row is the resource's lock.
    updated_at TEXT NOT NULL,
    withdrawn_at TEXT,
    CHECK (quantity IS NULL OR kind = 'materials')
);
CREATE INDEX resources_by_kind ON resources (kind, id);
CREATE INDEX resources_by_ward ON resources (ward_id, id);
CREATE INDEX resources_by_owner ON resources (owner_id, id);

CREATE TABLE resource_bookings (
    id INTEGER PRIMARY KEY,
    resource_id INTEGER NOT NULL REFERENCES resources (id) ON DELETE CASCADE,
    project_id INTEGER NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    requested_by INTEGER REFERENCES people (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('requested', 'confirmed', 'declined', 'cancelled', 'returned')),
    note TEXT NOT NULL DEFAULT '',
    decided_by INTEGER REFERENCES people (id),
    decided_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX resource_bookings_by_resource ON resource_bookings (resource_id, starts_at);
CREATE INDEX resource_bookings_by_project ON resource_bookings (project_id, starts_at);

CREATE TRIGGER resource_bookings_no_overlap_insert BEFORE INSERT ON resource_bookings
WHEN NEW.state IN ('requested', 'confirmed') AND EXISTS (
    SELECT 1 FROM resource_bookings b
    WHERE b.resource_id = NEW.resource_id
      AND b.state IN ('requested', 'confirmed')
      AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'resource booking overlaps an active booking of the same resource');
END;

CREATE TRIGGER resource_bookings_no_overlap_update BEFORE UPDATE OF resource_id, starts_at, ends_at, state ON resource_bookings
WHEN NEW.state IN ('requested', 'confirmed') AND EXISTS (
    SELECT 1 FROM resource_bookings b
    WHERE b.resource_id = NEW.resource_id
      AND b.id <> NEW.id
      AND b.state IN ('requested', 'confirmed')
      AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at)
BEGIN
    SELECT RAISE(ABORT, 'resource booking overlaps an active booking of the same resource');
END;
