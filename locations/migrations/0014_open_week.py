"""Each location's opening hours as one column, `open_week`, kept by PostgreSQL itself.

`open_week` holds the seconds of the week (Monday 00:00:00 local time is 0) when the
place is open, as an int4multirange: "open now" becomes one containment test per place
(domain/open_status.py) instead of a search of its hours rows. A period from `opens` to
`closes` on `weekday` is [opens, closes) that day; one whose closing time is not after
its opening time runs to midnight and on into the next day until `closes` (Sunday's
into Monday's), the same rule as the hours' Python reading.

Triggers on the hours table work it out again for the locations a statement touched,
whatever wrote it (the admin, imports by COPY, merges, reverts, the demo data), so it
cannot drift from the hours. The model does not declare the column: only SQL reads it,
and inserts leave it to its default, '{}' (no hours, never open), until hours arrive.
"""

from django.db import migrations

FORWARD = r"""
ALTER TABLE locations_location
  ADD COLUMN open_week int4multirange NOT NULL DEFAULT '{}';

CREATE FUNCTION locations_refresh_open_week(ids bigint[]) RETURNS void
LANGUAGE sql SET search_path FROM CURRENT AS $$
  UPDATE locations_location l
  SET open_week = COALESCE((
    SELECT range_agg(p.span)
    FROM locations_openinghours h,
      LATERAL (VALUES (h.weekday * 86400 + EXTRACT(EPOCH FROM h.opens)::int,
                       EXTRACT(EPOCH FROM h.closes)::int)) AS s(start, closes),
      LATERAL (VALUES
        (CASE WHEN h.closes > h.opens THEN int4range(s.start, h.weekday * 86400 + s.closes)
              ELSE int4range(s.start, (h.weekday + 1) * 86400) END),
        (CASE WHEN h.closes <= h.opens
              THEN int4range(MOD(h.weekday + 1, 7) * 86400,
                             MOD(h.weekday + 1, 7) * 86400 + s.closes) END)
      ) AS p(span)
    WHERE h.location_id = l.id AND p.span IS NOT NULL
  ), '{}')
  WHERE l.id = ANY(ids)
$$;

CREATE FUNCTION locations_hours_changed() RETURNS trigger
LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    PERFORM locations_refresh_open_week(ARRAY(SELECT DISTINCT location_id FROM new_rows));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM locations_refresh_open_week(ARRAY(SELECT DISTINCT location_id FROM old_rows));
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM locations_refresh_open_week(ARRAY(
      SELECT location_id FROM new_rows UNION SELECT location_id FROM old_rows));
  ELSE  -- TRUNCATE: no hours are left anywhere
    UPDATE locations_location SET open_week = '{}' WHERE open_week <> '{}';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER locations_hours_inserted AFTER INSERT ON locations_openinghours
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION locations_hours_changed();
CREATE TRIGGER locations_hours_updated AFTER UPDATE ON locations_openinghours
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION locations_hours_changed();
CREATE TRIGGER locations_hours_deleted AFTER DELETE ON locations_openinghours
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION locations_hours_changed();
CREATE TRIGGER locations_hours_truncated AFTER TRUNCATE ON locations_openinghours
  FOR EACH STATEMENT EXECUTE FUNCTION locations_hours_changed();

SELECT locations_refresh_open_week(
  ARRAY(SELECT DISTINCT location_id FROM locations_openinghours));
"""

BACKWARD = """
DROP TRIGGER locations_hours_truncated ON locations_openinghours;
DROP TRIGGER locations_hours_deleted ON locations_openinghours;
DROP TRIGGER locations_hours_updated ON locations_openinghours;
DROP TRIGGER locations_hours_inserted ON locations_openinghours;
DROP FUNCTION locations_hours_changed();
DROP FUNCTION locations_refresh_open_week(bigint[]);
ALTER TABLE locations_location DROP COLUMN open_week;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0013_hours_index"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
